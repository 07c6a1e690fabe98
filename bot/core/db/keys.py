"""Organisation keys in the database: the key that seals now, and unlocking the private keys.

The server stores public keys in clear and private keys only wrapped (once per staff member and
once under the admin's recovery code); creating and rotating them are acts of
``bot.core.db.organisations``. Every function reads inside the caller's session.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.crypto import (
    OrganisationPrivateKey,
    OrganisationPublicKey,
    SealingSuite,
    unwrap_organisation_key_as_staff,
    unwrap_organisation_key_with_recovery_code,
)
from bot.core.db.database import KEY_PINS
from bot.core.db.models import OrganisationKey, WrappedKey
from bot.core.errors import LanternError
from bot.core.key_pins import KeyPins


class KeyStoreError(LanternError):
    """No usable key: none active, none wrapped for this person, or an unknown organisation."""


class UnpinnedKeyError(KeyStoreError):
    """The organisation's active key is not among the deployment's pins: nothing is sealed to
    it (a row someone added to the database must not receive reports)."""


def active_organisation_key(session: Session, organisation_id: str) -> OrganisationPublicKey:
    """The key that seals now: the newest one not retired, and pinned (when the session's
    Database carries pins, as every process's does)."""
    active = organisation_keys(session, organisation_id, active_only=True)
    if not active:
        raise KeyStoreError("the organisation has no active public key")
    row = active[0]
    key = OrganisationPublicKey(organisation_id, SealingSuite(row.suite), row.public_bytes)
    pins: KeyPins | None = session.info.get(KEY_PINS)
    # The fingerprint is computed from the bytes that would seal, never read from the row.
    if pins is not None and not pins.allows(organisation_id, key.key_id):
        raise UnpinnedKeyError(
            f"organisation key {key.key_id} of {organisation_id} is not pinned in this "
            "deployment's settings; refusing to seal to it"
        )
    return key


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
    key_ids = [row.key_id for row in organisation_keys(session, organisation_id, active_only=False)]
    rows = session.scalars(
        select(WrappedKey).where(WrappedKey.staff_id.is_(None), WrappedKey.key_id.in_(key_ids))
    ).all()
    keys = (unwrap_organisation_key_with_recovery_code(row.wrapped, recovery_code) for row in rows)
    return {key.key_id: key for key in keys}


def organisation_keys(
    session: Session, organisation_id: str, *, active_only: bool
) -> list[OrganisationKey]:
    """The organisation's keys, newest first."""
    query = select(OrganisationKey).where(OrganisationKey.organisation_id == organisation_id)
    if active_only:
        query = query.where(OrganisationKey.retired_at.is_(None))
    return list(session.scalars(query.order_by(OrganisationKey.created_at.desc())).all())
