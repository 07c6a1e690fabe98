"""Organisation keys in the database: provisioning, rotation, staff wraps and unlocking.

The server stores public keys in clear and private keys only wrapped (once per staff member and
once under the admin's recovery code). Every function works inside the caller's session and
audits what it changed, so a key change and its audit entry commit together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.crypto import (
    DEFAULT_SUITE,
    PRODUCTION_KDF,
    KdfParams,
    OrganisationPrivateKey,
    OrganisationPublicKey,
    SealingSuite,
    generate_organisation_key,
    generate_recovery_code,
    unwrap_organisation_key_as_staff,
    unwrap_organisation_key_with_recovery_code,
    wrap_organisation_key_for_recovery,
    wrap_organisation_key_for_staff,
)
from bot.core.db.audit import SYSTEM, Actor, append_audit
from bot.core.db.models import Organisation, OrganisationKey, Role, Staff, WrappedKey, new_id
from bot.core.errors import LanternError


class KeyStoreError(LanternError):
    """No usable key: none active, none wrapped for this person, or an unknown organisation."""


@dataclass(frozen=True)
class Provisioned:
    """What an admin must be shown once at set-up; the recovery code is never stored in clear."""

    organisation_id: str
    admin_staff_id: str
    key_id: str
    recovery_code: str


def provision_organisation(
    session: Session,
    name: str,
    admin_passphrase: str,
    now: datetime,
    *,
    kdf: KdfParams = PRODUCTION_KDF,
    suite: SealingSuite = DEFAULT_SUITE,
) -> Provisioned:
    """Create an organisation, its first key pair and its admin, with a recovery-code wrap."""
    organisation = Organisation(id=new_id(), name=name, created_at=now)
    session.add(organisation)
    admin = add_staff(session, organisation.id, Role.ADMIN, now, SYSTEM)
    recovery_code = generate_recovery_code()
    key = rotate_organisation_key(
        session,
        organisation.id,
        {admin: admin_passphrase},
        recovery_code,
        now,
        actor=SYSTEM,
        kdf=kdf,
        suite=suite,
    )
    append_audit(session, SYSTEM, "organisation.create", now, organisation.id)
    return Provisioned(organisation.id, admin, key.key_id, recovery_code)


def add_staff(
    session: Session, organisation_id: str, role: Role, now: datetime, actor: Actor
) -> str:
    staff = Staff(id=new_id(), organisation_id=organisation_id, role=role, created_at=now)
    session.add(staff)
    session.flush()
    append_audit(session, actor, f"staff.add_{role.value}", now, staff.id)
    return staff.id


def rotate_organisation_key(
    session: Session,
    organisation_id: str,
    holders: Mapping[str, str],
    recovery_code: str,
    now: datetime,
    *,
    actor: Actor,
    kdf: KdfParams = PRODUCTION_KDF,
    suite: SealingSuite = DEFAULT_SUITE,
) -> OrganisationPrivateKey:
    """A new key pair seals from now on; older keys are retired but still open old records.

    ``holders`` maps staff ids to their passphrases (present at the admin's side); everyone
    else gets the new key later through :func:`grant_organisation_key`.
    """
    for old in _keys(session, organisation_id, active_only=True):
        old.retired_at = now
        append_audit(session, actor, "key.retire", now, old.key_id)
    key = generate_organisation_key(organisation_id, suite)
    public = key.public_key()
    session.add(
        OrganisationKey(
            key_id=key.key_id,
            organisation_id=organisation_id,
            suite=suite.value,
            public_bytes=public.public_bytes,
            created_at=now,
        )
    )
    session.flush()
    append_audit(session, actor, "key.create", now, key.key_id)
    for staff_id, passphrase in holders.items():
        grant_organisation_key(session, key, staff_id, passphrase, now, actor=actor, kdf=kdf)
    recovery = wrap_organisation_key_for_recovery(key, recovery_code, kdf)
    session.add(WrappedKey(id=new_id(), key_id=key.key_id, wrapped=recovery, created_at=now))
    append_audit(session, actor, "key.wrap_recovery", now, key.key_id)
    return key


def grant_organisation_key(
    session: Session,
    key: OrganisationPrivateKey,
    staff_id: str,
    passphrase: str,
    now: datetime,
    *,
    actor: Actor,
    kdf: KdfParams = PRODUCTION_KDF,
) -> None:
    """Wrap an (unlocked) organisation key for one more staff member under their passphrase."""
    wrapped = wrap_organisation_key_for_staff(key, passphrase, kdf)
    session.add(
        WrappedKey(
            id=new_id(), key_id=key.key_id, staff_id=staff_id, wrapped=wrapped, created_at=now
        )
    )
    session.flush()
    append_audit(session, actor, "key.wrap_staff", now, staff_id)


def active_organisation_key(session: Session, organisation_id: str) -> OrganisationPublicKey:
    """The key that seals now: the newest one not retired."""
    active = _keys(session, organisation_id, active_only=True)
    if not active:
        raise KeyStoreError("the organisation has no active public key")
    row = active[0]
    return OrganisationPublicKey(organisation_id, SealingSuite(row.suite), row.public_bytes)


def unlock_organisation_keys(
    session: Session, staff_id: str, passphrase: str
) -> dict[str, OrganisationPrivateKey]:
    """Every organisation key wrapped for this person, unwrapped in memory, by key id."""
    rows = session.scalars(select(WrappedKey).where(WrappedKey.staff_id == staff_id)).all()
    if not rows:
        raise KeyStoreError("no organisation key is wrapped for this staff member")
    keys = (unwrap_organisation_key_as_staff(row.wrapped, passphrase) for row in rows)
    return {key.key_id: key for key in keys}


def recover_organisation_keys(
    session: Session, organisation_id: str, recovery_code: str
) -> dict[str, OrganisationPrivateKey]:
    """Every key of the organisation, unwrapped with the admin's recovery code."""
    key_ids = [row.key_id for row in _keys(session, organisation_id, active_only=False)]
    rows = session.scalars(
        select(WrappedKey).where(WrappedKey.staff_id.is_(None), WrappedKey.key_id.in_(key_ids))
    ).all()
    keys = (unwrap_organisation_key_with_recovery_code(row.wrapped, recovery_code) for row in rows)
    return {key.key_id: key for key in keys}


def _keys(session: Session, organisation_id: str, active_only: bool) -> list[OrganisationKey]:
    query = select(OrganisationKey).where(OrganisationKey.organisation_id == organisation_id)
    if active_only:
        query = query.where(OrganisationKey.retired_at.is_(None))
    return list(session.scalars(query.order_by(OrganisationKey.created_at.desc())).all())
