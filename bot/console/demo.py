"""The demo partner charity of a local run: an admin and a caseworker who can sign in at once.

Created only when no organisation exists, with random passphrases, and written to a file only
this user can read (``var/demo-organisation.txt``). A real deployment never uses this: its admin
runs ``python -m bot staff create-organisation`` and enrols everyone with their own app.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from bot.core.config import Settings
from bot.core.crypto import PRODUCTION_KDF, KdfParams, totp_code
from bot.core.db.database import Database
from bot.core.db.local_setup import write_private_file
from bot.core.db.migrations import create_engine_for
from bot.core.db.models import Organisation, Role
from bot.core.db.organisations import Credentials, add_staff_member, create_organisation
from bot.core.errors import LanternError
from bot.core.key_pins import pin_key

DEMO_ORGANISATION = "Demo Partner Charity"
DEMO_ADMIN = "demo-admin"
DEMO_CASEWORKER = "demo-caseworker"
DEMO_FILE = "demo-organisation.txt"


class NoDemoOrganisationError(LanternError):
    """The demo file is missing or lacks an account: this var/ was not set up by a local run."""


@dataclass(frozen=True)
class DemoAccount:
    role: str  # "admin" or "caseworker": the prefix of its lines in the demo file
    login: str
    staff_id: str
    passphrase: str
    totp_uri: str


def seed_demo_organisation(settings: Settings, *, kdf: KdfParams = PRODUCTION_KDF) -> Path | None:
    """Create the demo charity, its admin and its caseworker; returns the file it wrote, or None
    when an organisation already exists (nothing is overwritten)."""
    db = Database(create_engine_for(settings))
    db.migrate()
    now = datetime.now(timezone.utc)
    with db.transaction() as session:
        if session.scalars(select(Organisation.id).limit(1)).first() is not None:
            return None
        admin = Credentials(DEMO_ADMIN, secrets.token_urlsafe(18))
        worker = Credentials(DEMO_CASEWORKER, secrets.token_urlsafe(18))
        created = create_organisation(session, DEMO_ORGANISATION, admin, now, kdf=kdf)
        enrolled = add_staff_member(session, admin, worker, Role.CASEWORKER, now, kdf=kdf)
        pin_key(settings.organisation_key_pins_file, created.organisation_id, created.key_id)
    accounts = (
        DemoAccount("admin", admin.login, created.admin.staff_id, admin.passphrase,
                    created.admin.otpauth_uri),
        DemoAccount("caseworker", worker.login, enrolled.staff_id, worker.passphrase,
                    enrolled.otpauth_uri),
    )  # fmt: skip
    lines = [f"organisation: {DEMO_ORGANISATION} ({created.organisation_id})"]
    for account in accounts:
        lines += [
            f"{account.role} login: {account.login}",
            f"{account.role} staff id: {account.staff_id}",
            f"{account.role} passphrase: {account.passphrase}",
            f"{account.role} totp: {account.totp_uri}",
        ]
    lines.append(f"recovery code: {created.recovery_code}")
    path = settings.var_dir / DEMO_FILE
    write_private_file(path, "\n".join(lines) + "\n")
    return path


def demo_account(settings: Settings, role: str = "caseworker") -> DemoAccount:
    """One demo account as written by :func:`seed_demo_organisation`."""
    path = settings.var_dir / DEMO_FILE
    try:
        fields = dict(line.split(": ", 1) for line in path.read_text().splitlines() if ": " in line)
        return DemoAccount(
            role,
            fields[f"{role} login"],
            fields[f"{role} staff id"],
            fields[f"{role} passphrase"],
            fields[f"{role} totp"],
        )
    except (OSError, KeyError) as error:
        raise NoDemoOrganisationError(f"no demo {role} in {path}: run `make keys`") from error


def demo_totp_code(account: DemoAccount, at: float) -> str:
    """The code the demo account's authenticator app would show at ``at`` (Unix seconds)."""
    secret = parse_qs(urlsplit(account.totp_uri).query)["secret"][0]
    return totp_code(base64.b32decode(secret + "=" * (-len(secret) % 8)), at)


def sign_in_instructions(settings: Settings, console_url: str) -> str:
    account = demo_account(settings)
    return (
        f"Caseworker console: {console_url}/sign-in\n"
        f"  login {account.login}, passphrase {account.passphrase}\n"
        f"  code: run `make demo-code` (or add {settings.var_dir / DEMO_FILE}'s TOTP URI "
        "to an authenticator app)"
    )
