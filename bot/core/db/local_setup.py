"""Everything a local run needs under var/: the bot side's keys and the database schema.

Idempotent: keys are never overwritten (pseudonyms would change). The demo partner charity and
its staff are the console's business (``bot.console.demo``).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from bot.core.config import Settings
from bot.core.crypto import FrontEndKey, FrontEndPublicKey, KeyFormatError
from bot.core.db.database import Database
from bot.core.db.migrations import create_engine_for
from bot.core.db.models import OrganisationKey
from bot.core.errors import ConfigurationError
from bot.core.private_files import write_private_file

__all__ = ["create_local_setup", "write_private_file"]


def create_local_setup(settings: Settings) -> None:
    """Create any missing key file under var/keys, the front end's public key file (all the
    console holds of it), the key pins, and bring the database schema up to date."""
    for key_file in (
        settings.pseudonym_key_file,
        settings.tracker_key_file,
        settings.front_end_key_file,
        settings.audit_key_file,
    ):
        if not key_file.exists():
            write_private_file(key_file, secrets.token_hex(32))
    write_front_end_public_key(settings)
    db = Database(create_engine_for(settings))
    db.migrate()
    if not settings.organisation_key_pins_file.exists():
        # The first set-up trusts the keys the database holds at that moment (none, on a fresh
        # clone; the demo charity's, on a var/ from before pinning); later keys are pinned only
        # by the act that creates them (`python -m bot staff`, the demo seed).
        with db.transaction() as session:
            rows = session.execute(
                select(OrganisationKey.organisation_id, OrganisationKey.key_id).where(
                    OrganisationKey.retired_at.is_(None)
                )
            ).all()
        write_private_file(
            settings.organisation_key_pins_file,
            "# <organisation id> <key id>: the organisation keys this deployment seals to\n"
            + "".join(f"{organisation_id} {key_id}\n" for organisation_id, key_id in rows),
        )


def write_front_end_public_key(settings: Settings) -> None:
    """The public half derived from the front end's secret; an existing file must match it."""
    derived = FrontEndKey(settings.front_end_key()).courier_public_key()
    path = settings.front_end_public_key_file
    if path.exists():
        try:
            written = FrontEndPublicKey.from_hex(path.read_text(encoding="ascii"))
        except (KeyFormatError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"{path} does not hold a front-end public key") from error
        if written.key_id != derived.key_id:
            raise ConfigurationError(
                f"{path} is not the public half of {settings.front_end_key_file}; the console "
                "would seal replies the front end cannot open (remove it to write it again)"
            )
        return
    write_private_file(path, derived.public_bytes.hex() + "\n")
