"""Everything a local run needs under var/: keys, the database schema, a demo partner charity.

Idempotent: keys are never overwritten (pseudonyms would change) and the demo organisation is
created only when no organisation exists. Its admin passphrase and recovery code are written to
a file readable only by this user, for the demo; a real deployment uses the admin CLI.
"""

from __future__ import annotations

import datetime
import os
import secrets
from pathlib import Path

from sqlalchemy import select

from bot.core.config import Settings
from bot.core.keys import provision_organisation
from bot.core.models import Organisation
from bot.core.store import Store, create_engine_for

DEMO_ORGANISATION = "Demo Partner Charity"


def write_private_file(path: Path, text: str) -> None:
    """Create a file only this user can read; refuse to overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def create_local_setup(settings: Settings) -> Path | None:
    """Prepare var/; return the demo credentials file when this call created it."""
    for key_file in (
        settings.pseudonym_key_file,
        settings.tracker_key_file,
        settings.front_end_key_file,
    ):
        if not key_file.exists():
            write_private_file(key_file, secrets.token_hex(32))
    store = Store(create_engine_for(settings))
    store.migrate()
    with store.transaction() as session:
        if session.scalars(select(Organisation.id).limit(1)).first() is not None:
            return None
        passphrase = secrets.token_urlsafe(18)
        provisioned = provision_organisation(
            session, DEMO_ORGANISATION, passphrase, datetime.datetime.now(datetime.timezone.utc)
        )
    credentials = settings.var_dir / "demo-organisation.txt"
    write_private_file(
        credentials,
        f"organisation: {DEMO_ORGANISATION} ({provisioned.organisation_id})\n"
        f"admin staff id: {provisioned.admin_staff_id}\n"
        f"admin passphrase: {passphrase}\n"
        f"recovery code: {provisioned.recovery_code}\n",
    )
    return credentials
