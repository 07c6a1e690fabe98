"""Sign-in to the console: passphrase, TOTP, lockout; and signing out everywhere.

Every function works inside the caller's session, so a change commits with its audit entry.
One passphrase does three jobs: it is checked against an Argon2id hash, it unseals the TOTP
secret, and it unwraps the organisation's private keys into memory for the console session.
The organisation and staff verbs (create, add, reset, rotate, grant) are
``bot.core.db.organisations``'.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.crypto import (
    OrganisationPrivateKey,
    accepted_totp_step,
    hash_staff_password,
    unwrap_totp_secret_as_staff,
    verify_staff_password,
)
from bot.core.db.audit import SYSTEM, append_audit
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.models import Role, Staff
from bot.core.db.organisations import actor_for, staff_by_id

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in; ``keys`` live in server memory only, for this session."""

    staff_id: str
    organisation_id: str
    role: Role
    session_version: int
    keys: Mapping[str, OrganisationPrivateKey]


def sign_in(
    session: Session, login: str, passphrase: str, code: str, now: datetime
) -> SignedIn | None:
    """Check passphrase and TOTP code; None on any failure (counted, and locking after five).

    Returns rather than raises on failure so the caller's transaction commits the counter.
    """
    staff = session.scalars(select(Staff).where(Staff.login_name == login)).first()
    if staff is None:
        _spend_a_password_check(passphrase)
        append_audit(session, SYSTEM, "console.sign_in_unknown", now)
        return None
    if staff.locked_until is not None and staff.locked_until > now:
        _spend_a_password_check(passphrase)
        append_audit(session, actor_for(staff), "console.sign_in_locked", now, staff.id)
        return None
    step = None
    if (
        staff.password_hash
        and staff.totp_wrapped
        and verify_staff_password(passphrase, staff.password_hash)
    ):
        secret = unwrap_totp_secret_as_staff(staff.totp_wrapped, passphrase)
        step = accepted_totp_step(secret, code, now.timestamp(), staff.totp_last_step)
    if step is None:
        _count_failure(session, staff, now)
        return None
    keys = unlock_organisation_keys(session, staff.id, passphrase)
    staff.totp_last_step, staff.failed_sign_ins, staff.locked_until = step, 0, None
    append_audit(session, actor_for(staff), "console.sign_in", now, staff.id)
    return SignedIn(staff.id, staff.organisation_id, staff.role, staff.session_version, keys)


@functools.cache
def _decoy_hash() -> str:
    return hash_staff_password(secrets.token_urlsafe(24))


def _spend_a_password_check(passphrase: str) -> None:
    """As long as checking a real passphrase takes, so that the time a refusal takes does not
    tell an attacker which login names exist or are locked."""
    verify_staff_password(passphrase, _decoy_hash())


def end_all_sessions(session: Session, staff_id: str, now: datetime) -> None:
    """Sign out everywhere: every session carrying the old version stops working."""
    staff = staff_by_id(session, staff_id)
    staff.session_version += 1
    append_audit(session, actor_for(staff), "console.sign_out_all", now, staff.id)


def _count_failure(session: Session, staff: Staff, now: datetime) -> None:
    staff.failed_sign_ins += 1
    append_audit(session, actor_for(staff), "console.sign_in_failed", now, staff.id)
    if staff.failed_sign_ins >= MAX_FAILED_SIGN_INS:
        staff.failed_sign_ins, staff.locked_until = 0, now + LOCKOUT
        append_audit(session, actor_for(staff), "console.lockout", now, staff.id)
