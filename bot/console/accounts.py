"""Sign-in to the console, changing one's own passphrase, and signing out everywhere.

Every function works inside the caller's session, so a change commits with its audit entry.
One passphrase does three jobs: it unseals the TOTP secret, it unwraps the organisation's
private keys into memory for the console session, and (for the admin CLI) it is checked against
an Argon2id hash. Sign-in spends exactly one Argon2id before its verdict, whatever is wrong: the
TOTP secret's unwrap, whose AES-GCM tag is the passphrase check, then the code compared in
constant time against that secret or a decoy. A wrong passphrase and a wrong code therefore cost
the same, and neither tells an attacker the other was right. Only a success goes on to unwrap
the keys. The organisation and staff verbs are ``bot.core.db.organisations`` and
``bot.core.db.staff_lifecycle``.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console import throttle
from bot.core.crypto import (
    PRODUCTION_KDF,
    KdfParams,
    OrganisationPrivateKey,
    WrongPassphraseError,
    accepted_totp_step,
    new_totp_secret,
    staff_password_kdf,
    unwrap_totp_secret_as_staff,
    wrap_totp_secret_for_staff,
)
from bot.core.db.audit import SYSTEM, append_audit
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.models import Role, Staff
from bot.core.db.organisations import actor_for, staff_by_id
from bot.core.db.staff_lifecycle import rewrap_for_new_passphrase
from bot.core.passphrase_strength import require_strong_passphrase


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in; ``keys`` live in server memory only, for this session."""

    staff_id: str
    organisation_id: str
    role: Role
    session_version: int
    keys: Mapping[str, OrganisationPrivateKey]


@dataclass(frozen=True)
class Refused:
    """Sign-in refused; ``retry_after`` > 0 when it was too soon to try (throttled)."""

    retry_after: int = 0


@dataclass(frozen=True)
class _Checked:
    staff: Staff | None
    step: int | None


def sign_in(
    session: Session,
    login: str,
    passphrase: str,
    code: str,
    now: datetime,
    *,
    address: str | None = None,
) -> SignedIn | Refused:
    """Check passphrase and TOTP code with one Argon2id; a failure is counted for the login and
    the client ``address``, each giving a growing delay (``bot.console.throttle``).

    Returns rather than raises on failure so the caller's transaction commits the counts.
    """
    counted = throttle.subjects(login, address)
    wait = throttle.wait_seconds(session, counted, now)
    if wait:
        return Refused(wait)
    checked = _check(session, login, passphrase, code, now)
    staff = checked.staff
    if staff is None or checked.step is None:
        throttle.count_failure(session, counted, now)
        actor = actor_for(staff) if staff is not None else SYSTEM
        append_audit(session, actor, "console.sign_in_failed", now, staff.id if staff else None)
        return Refused()
    keys = unlock_organisation_keys(session, staff.id, passphrase)
    staff.totp_last_step = checked.step
    throttle.forget_login(session, login)
    append_audit(session, actor_for(staff), "console.sign_in", now, staff.id)
    return SignedIn(staff.id, staff.organisation_id, staff.role, staff.session_version, keys)


def change_own_passphrase(
    session: Session,
    staff_id: str,
    *,
    current: str,
    code: str,
    new: str,
    now: datetime,
    address: str | None = None,
) -> Refused | None:
    """A signed-in person re-wraps their key copies under a new passphrase; None on success.

    The current passphrase and code are checked, throttled and counted exactly as at sign-in
    (a stolen session cookie alone cannot change the passphrase). Every session of the person
    ends; the caller starts a fresh one for the browser that asked. A weak ``new`` raises
    :class:`bot.core.passphrase_strength.WeakPassphraseError` before anything is checked.
    """
    require_strong_passphrase(new)
    staff = staff_by_id(session, staff_id)
    login = staff.login_name or ""
    counted = throttle.subjects(login, address)
    wait = throttle.wait_seconds(session, counted, now)
    if wait:
        return Refused(wait)
    checked = _check(session, login, current, code, now)
    if checked.staff is None or checked.staff.id != staff_id or checked.step is None:
        throttle.count_failure(session, counted, now)
        append_audit(session, actor_for(staff), "staff.change_passphrase_failed", now, staff.id)
        return Refused()
    rewrap_for_new_passphrase(session, staff, current, new, totp_step=checked.step, now=now)
    return None


def end_all_sessions(session: Session, staff_id: str, now: datetime) -> None:
    """Sign out everywhere: every session carrying the old version stops working."""
    staff = staff_by_id(session, staff_id)
    staff.session_version += 1
    append_audit(session, actor_for(staff), "console.sign_out_all", now, staff.id)


def _check(session: Session, login: str, passphrase: str, code: str, now: datetime) -> _Checked:
    """One Argon2id and one constant-time code check, whatever the login, passphrase or code.

    An unknown, disabled or removed login is checked against a decoy wrapped secret, so the
    work and the answer are the same as for a wrong passphrase.
    """
    staff = session.scalars(select(Staff).where(Staff.login_name == login)).first()
    usable = (
        staff is not None
        and staff.disabled_at is None
        and staff.totp_wrapped is not None
        and staff.password_hash is not None
    )
    if usable and staff is not None and staff.totp_wrapped and staff.password_hash:
        wrapped, last_step = staff.totp_wrapped, staff.totp_last_step
        decoy_secret, _ = _decoy(staff_password_kdf(staff.password_hash))
    else:
        decoy_secret, wrapped = _decoy(PRODUCTION_KDF)
        last_step = 0
    try:
        secret = unwrap_totp_secret_as_staff(wrapped, passphrase)
        opened = True
    except WrongPassphraseError:
        secret, opened = decoy_secret, False
    step = accepted_totp_step(secret, code, now.timestamp(), last_step)
    if not (usable and opened and step is not None):
        return _Checked(staff if usable else None, None)
    return _Checked(staff, step)


@functools.cache
def _decoy(kdf: KdfParams) -> tuple[bytes, bytes]:
    """A TOTP secret and its wrap under a random passphrase, made once per cost: opening it
    costs what opening a real one does, and always fails."""
    secret = new_totp_secret()
    return secret, wrap_totp_secret_for_staff(secret, secrets.token_urlsafe(24), kdf)
