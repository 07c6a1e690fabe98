"""Staff accounts: organisations, enrolment (password + TOTP), resets, key rotation, sign-in.

Every function works inside the caller's session, so a change commits with its audit entry.
One passphrase does three jobs: it is checked against an Argon2id hash, it unseals the TOTP
secret, and it unwraps the organisation's private keys into memory for the console session.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.core.crypto import (
    PRODUCTION_KDF,
    KdfParams,
    OrganisationPrivateKey,
    accepted_totp_step,
    hash_staff_password,
    new_totp_secret,
    totp_provisioning_uri,
    unwrap_totp_secret_as_staff,
    verify_staff_password,
    wrap_totp_secret_for_staff,
)
from bot.core.db.audit import SYSTEM, Actor, append_audit
from bot.core.db.keys import (
    add_staff,
    grant_organisation_key,
    provision_organisation,
    recover_organisation_keys,
    rotate_organisation_key,
    unlock_organisation_keys,
)
from bot.core.db.models import Role, Staff, WrappedKey
from bot.core.errors import LanternError

ISSUER = "Lantern"
MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
_LOGIN_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


class AccountError(LanternError):
    """An account operation was refused: unknown login, wrong role, or a bad login name."""


@dataclass(frozen=True)
class Credentials:
    """A login name and its passphrase, as typed by the person present."""

    login: str
    passphrase: str = field(repr=False)


@dataclass(frozen=True)
class Enrolment:
    """Shown once to the person being enrolled: the URI their authenticator app scans."""

    staff_id: str
    login_name: str
    otpauth_uri: str


@dataclass(frozen=True)
class NewOrganisation:
    organisation_id: str
    recovery_code: str
    admin: Enrolment


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in; ``keys`` live in server memory only, for this session."""

    staff_id: str
    organisation_id: str
    role: Role
    session_version: int
    keys: Mapping[str, OrganisationPrivateKey]


def actor_for(staff: Staff) -> Actor:
    return Actor(staff.role.value, staff.id)


def create_organisation(
    session: Session,
    name: str,
    admin: Credentials,
    now: datetime,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
) -> NewOrganisation:
    """A new partner organisation, its key pair and its admin; the recovery code is shown once."""
    _require_free_login(session, admin.login)
    provisioned = provision_organisation(session, name, admin.passphrase, now, kdf=kdf)
    enrolled = _enrol(session, provisioned.admin_staff_id, admin, now, kdf)
    return NewOrganisation(provisioned.organisation_id, provisioned.recovery_code, enrolled)


def add_staff_member(
    session: Session,
    by: Credentials,
    new: Credentials,
    role: Role,
    now: datetime,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
) -> Enrolment:
    """An admin adds someone to their organisation and wraps every organisation key for them."""
    admin = _staff_by_login(session, by.login)
    if admin.role is not Role.ADMIN:
        raise AccountError("only an admin can add staff")
    _require_free_login(session, new.login)
    keys = unlock_organisation_keys(session, admin.id, by.passphrase)
    staff_id = add_staff(session, admin.organisation_id, role, now, actor_for(admin))
    for key in keys.values():
        grant_organisation_key(
            session, key, staff_id, new.passphrase, now, actor=actor_for(admin), kdf=kdf
        )
    return _enrol(session, staff_id, new, now, kdf)


def reset_password(
    session: Session,
    login: str,
    recovery_code: str,
    new_passphrase: str,
    now: datetime,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
) -> Enrolment:
    """With the admin's recovery code: re-wrap every key, new hash, new TOTP, sessions ended."""
    staff = _staff_by_login(session, login)
    keys = recover_organisation_keys(session, staff.organisation_id, recovery_code)
    session.execute(delete(WrappedKey).where(WrappedKey.staff_id == staff.id))
    for key in keys.values():
        grant_organisation_key(session, key, staff.id, new_passphrase, now, actor=SYSTEM, kdf=kdf)
    append_audit(session, SYSTEM, "staff.reset_password", now, staff.id)
    return _enrol(session, staff.id, Credentials(login, new_passphrase), now, kdf)


def rotate_keys(
    session: Session,
    by: Credentials,
    recovery_code: str,
    now: datetime,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
) -> str:
    """A new key pair for the admin's organisation; returns its key id.

    Staff not present receive the new key with :func:`grant_missing_keys`.
    """
    admin = _staff_by_login(session, by.login)
    if admin.role is not Role.ADMIN:
        raise AccountError("only an admin can rotate keys")
    unlock_organisation_keys(session, admin.id, by.passphrase)
    # Refuse a mistyped recovery code before the new key is wrapped under it.
    recover_organisation_keys(session, admin.organisation_id, recovery_code)
    key = rotate_organisation_key(
        session,
        admin.organisation_id,
        {admin.id: by.passphrase},
        recovery_code,
        now,
        actor=actor_for(admin),
        kdf=kdf,
    )
    return key.key_id


def authenticate_admin(session: Session, by: Credentials) -> Staff:
    """The admin whose passphrase was typed at the server; refuses anyone else.

    Commands that change only their own organisation's settings call this; the organisation is
    always the admin's own, so one admin cannot change another partner.
    """
    admin = _staff_by_login(session, by.login)
    if admin.role is not Role.ADMIN:
        raise AccountError("only an admin can do that")
    if not (admin.password_hash and verify_staff_password(by.passphrase, admin.password_hash)):
        raise AccountError("that is not the admin's passphrase")
    return admin


def grant_missing_keys(
    session: Session,
    by: Credentials,
    to: Credentials,
    now: datetime,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
) -> int:
    """Wrap for ``to`` the organisation keys an admin holds and they lack (after rotation)."""
    admin, staff = _staff_by_login(session, by.login), _staff_by_login(session, to.login)
    if admin.role is not Role.ADMIN or admin.organisation_id != staff.organisation_id:
        raise AccountError("only an admin of the same organisation can grant keys")
    if not (staff.password_hash and verify_staff_password(to.passphrase, staff.password_hash)):
        raise AccountError("that is not the staff member's passphrase")
    held = set(
        session.scalars(select(WrappedKey.key_id).where(WrappedKey.staff_id == staff.id)).all()
    )
    missing = [
        key
        for key_id, key in unlock_organisation_keys(session, admin.id, by.passphrase).items()
        if key_id not in held
    ]
    for key in missing:
        grant_organisation_key(
            session, key, staff.id, to.passphrase, now, actor=actor_for(admin), kdf=kdf
        )
    return len(missing)


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
    staff = _get_staff(session, staff_id)
    staff.session_version += 1
    append_audit(session, actor_for(staff), "console.sign_out_all", now, staff.id)


def _count_failure(session: Session, staff: Staff, now: datetime) -> None:
    staff.failed_sign_ins += 1
    append_audit(session, actor_for(staff), "console.sign_in_failed", now, staff.id)
    if staff.failed_sign_ins >= MAX_FAILED_SIGN_INS:
        staff.failed_sign_ins, staff.locked_until = 0, now + LOCKOUT
        append_audit(session, actor_for(staff), "console.lockout", now, staff.id)


def _enrol(
    session: Session, staff_id: str, credentials: Credentials, now: datetime, kdf: KdfParams
) -> Enrolment:
    staff = _get_staff(session, staff_id)
    secret = new_totp_secret()
    staff.login_name = credentials.login
    staff.password_hash = hash_staff_password(credentials.passphrase, kdf)
    staff.totp_wrapped = wrap_totp_secret_for_staff(secret, credentials.passphrase, kdf)
    staff.totp_last_step, staff.failed_sign_ins, staff.locked_until = 0, 0, None
    staff.session_version = (staff.session_version or 0) + 1
    session.flush()
    append_audit(session, SYSTEM, "staff.enrol", now, staff.id)
    uri = totp_provisioning_uri(secret, credentials.login, ISSUER)
    return Enrolment(staff.id, credentials.login, uri)


def _require_free_login(session: Session, login: str) -> None:
    if not _LOGIN_NAME.fullmatch(login):
        raise AccountError("a login name is 2-64 lowercase letters, digits, '.', '_' or '-'")
    if session.scalars(select(Staff.id).where(Staff.login_name == login)).first() is not None:
        raise AccountError("that login name is taken")


def _staff_by_login(session: Session, login: str) -> Staff:
    staff = session.scalars(select(Staff).where(Staff.login_name == login)).first()
    if staff is None:
        raise AccountError("no staff member has that login name")
    return staff


def _get_staff(session: Session, staff_id: str) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise AccountError("no such staff member")
    return staff
