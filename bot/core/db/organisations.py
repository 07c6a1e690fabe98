"""Partner organisations and their staff: one verb per act, one way to prove an admin.

Creating an organisation, adding staff, resetting a passphrase, rotating the organisation key
and granting keys after a rotation; used by ``python -m bot staff`` and the demo set-up. Every
function works inside the caller's session and audits what it changed, so an act and its audit
entries commit together. An admin is proven only by :func:`prove_admin`: the admin role and the
passphrase checked against its Argon2id hash. The server stores public keys in clear and private
keys only wrapped (once per staff member and once under the admin's recovery code).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.core.crypto import (
    DEFAULT_SUITE,
    PRODUCTION_KDF,
    KdfParams,
    OrganisationPrivateKey,
    SealingSuite,
    generate_organisation_key,
    generate_recovery_code,
    hash_staff_password,
    new_totp_secret,
    totp_provisioning_uri,
    verify_staff_password,
    wrap_organisation_key_for_recovery,
    wrap_organisation_key_for_staff,
    wrap_totp_secret_for_staff,
)
from bot.core.db.audit import SYSTEM, Actor, append_audit
from bot.core.db.keys import organisation_keys, recover_organisation_keys, unlock_organisation_keys
from bot.core.db.models import Organisation, OrganisationKey, Role, Staff, WrappedKey, new_id
from bot.core.errors import LanternError

ISSUER = "Lantern"
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
    """What an admin must be shown once at set-up; the recovery code is never stored in clear."""

    organisation_id: str
    key_id: str
    recovery_code: str
    admin: Enrolment


def actor_for(staff: Staff) -> Actor:
    return Actor(staff.role.value, staff.id)


def prove_admin(session: Session, by: Credentials) -> Staff:
    """The admin whose passphrase was typed at the server; refuses anyone else, and a disabled
    admin.

    Every admin act goes through this; the organisation is always the admin's own, so one
    admin cannot change another partner.
    """
    admin = staff_by_login(session, by.login)
    if admin.role is not Role.ADMIN or admin.disabled_at is not None:
        raise AccountError("only an admin can do that")
    _require_passphrase(admin, by.passphrase, "that is not the admin's passphrase")
    return admin


def create_organisation(
    session: Session,
    name: str,
    admin: Credentials,
    now: datetime,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
    suite: SealingSuite = DEFAULT_SUITE,
) -> NewOrganisation:
    """A new partner organisation, its key pair and its admin; the recovery code is shown once."""
    _require_free_login(session, admin.login)
    organisation = Organisation(id=new_id(), name=name, created_at=now)
    session.add(organisation)
    admin_id = _add_staff(session, organisation.id, Role.ADMIN, now, SYSTEM)
    recovery_code = generate_recovery_code()
    key = _new_key_pair(
        session,
        organisation.id,
        {admin_id: admin.passphrase},
        recovery_code,
        now,
        actor=SYSTEM,
        kdf=kdf,
        suite=suite,
    )
    append_audit(session, SYSTEM, "organisation.create", now, organisation.id)
    enrolled = _enrol(session, admin_id, admin, now, kdf)
    return NewOrganisation(organisation.id, key.key_id, recovery_code, enrolled)


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
    admin = prove_admin(session, by)
    _require_free_login(session, new.login)
    keys = unlock_organisation_keys(session, admin.id, by.passphrase)
    staff_id = _add_staff(session, admin.organisation_id, role, now, actor_for(admin))
    for key in keys.values():
        _wrap_for_staff(
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
    staff = staff_by_login(session, login)
    keys = recover_organisation_keys(session, staff.organisation_id, recovery_code)
    session.execute(delete(WrappedKey).where(WrappedKey.staff_id == staff.id))
    for key in keys.values():
        _wrap_for_staff(session, key, staff.id, new_passphrase, now, actor=SYSTEM, kdf=kdf)
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
    """A new key pair seals from now on; older keys are retired but still open old records.

    Only the admin receives the new key here; others get it with :func:`grant_missing_keys`.
    Returns the new key id.
    """
    admin = prove_admin(session, by)
    # Refuse a mistyped recovery code before the new key is wrapped under it.
    recover_organisation_keys(session, admin.organisation_id, recovery_code)
    key = _new_key_pair(
        session,
        admin.organisation_id,
        {admin.id: by.passphrase},
        recovery_code,
        now,
        actor=actor_for(admin),
        kdf=kdf,
    )
    return key.key_id


def grant_missing_keys(
    session: Session,
    by: Credentials,
    to: Credentials,
    now: datetime,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
) -> int:
    """Wrap for ``to`` the organisation keys an admin holds and they lack (after rotation)."""
    admin, staff = prove_admin(session, by), staff_by_login(session, to.login)
    if admin.organisation_id != staff.organisation_id:
        raise AccountError("only an admin of the same organisation can grant keys")
    if staff.disabled_at is not None:
        # After a removal and rotation the new key goes to the remaining staff only.
        raise AccountError("that staff member is disabled")
    _require_passphrase(staff, to.passphrase, "that is not the staff member's passphrase")
    held = set(
        session.scalars(select(WrappedKey.key_id).where(WrappedKey.staff_id == staff.id)).all()
    )
    missing = [
        key
        for key_id, key in unlock_organisation_keys(session, admin.id, by.passphrase).items()
        if key_id not in held
    ]
    for key in missing:
        _wrap_for_staff(session, key, staff.id, to.passphrase, now, actor=actor_for(admin), kdf=kdf)
    return len(missing)


def staff_by_login(session: Session, login: str) -> Staff:
    staff = session.scalars(select(Staff).where(Staff.login_name == login)).first()
    if staff is None:
        raise AccountError("no staff member has that login name")
    return staff


def staff_by_id(session: Session, staff_id: str) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise AccountError("no such staff member")
    return staff


def _require_passphrase(staff: Staff, passphrase: str, refusal: str) -> None:
    if not (staff.password_hash and verify_staff_password(passphrase, staff.password_hash)):
        raise AccountError(refusal)


def _add_staff(
    session: Session, organisation_id: str, role: Role, now: datetime, actor: Actor
) -> str:
    staff = Staff(id=new_id(), organisation_id=organisation_id, role=role, created_at=now)
    session.add(staff)
    session.flush()
    append_audit(session, actor, f"staff.add_{role.value}", now, staff.id)
    return staff.id


def _new_key_pair(
    session: Session,
    organisation_id: str,
    holders: Mapping[str, str],
    recovery_code: str,
    now: datetime,
    *,
    actor: Actor,
    kdf: KdfParams,
    suite: SealingSuite = DEFAULT_SUITE,
) -> OrganisationPrivateKey:
    """Retire the active key, add a new one, wrap it for ``holders`` (staff id → passphrase,
    present at the admin's side) and under the recovery code."""
    for old in organisation_keys(session, organisation_id, active_only=True):
        old.retired_at = now
        append_audit(session, actor, "key.retire", now, old.key_id)
    key = generate_organisation_key(organisation_id, suite)
    session.add(
        OrganisationKey(
            key_id=key.key_id,
            organisation_id=organisation_id,
            suite=suite.value,
            public_bytes=key.public_key().public_bytes,
            created_at=now,
        )
    )
    session.flush()
    append_audit(session, actor, "key.create", now, key.key_id)
    for staff_id, passphrase in holders.items():
        _wrap_for_staff(session, key, staff_id, passphrase, now, actor=actor, kdf=kdf)
    recovery = wrap_organisation_key_for_recovery(key, recovery_code, kdf)
    session.add(WrappedKey(id=new_id(), key_id=key.key_id, wrapped=recovery, created_at=now))
    append_audit(session, actor, "key.wrap_recovery", now, key.key_id)
    return key


def _wrap_for_staff(
    session: Session,
    key: OrganisationPrivateKey,
    staff_id: str,
    passphrase: str,
    now: datetime,
    *,
    actor: Actor,
    kdf: KdfParams,
) -> None:
    wrapped = wrap_organisation_key_for_staff(key, passphrase, kdf)
    session.add(
        WrappedKey(
            id=new_id(), key_id=key.key_id, staff_id=staff_id, wrapped=wrapped, created_at=now
        )
    )
    session.flush()
    append_audit(session, actor, "key.wrap_staff", now, staff_id)


def _enrol(
    session: Session, staff_id: str, credentials: Credentials, now: datetime, kdf: KdfParams
) -> Enrolment:
    staff = staff_by_id(session, staff_id)
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
