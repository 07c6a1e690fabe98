"""Disabling, re-enabling and removing a staff member, and changing one's own passphrase.

Each act is one function inside the caller's session and audited with it. Disabling stops
sign-in and ends every session at once (the session version moves on, and the console checks
``disabled_at`` on every request). Removing also deletes the person's wrapped copies of the
organisation keys and their credentials, and hands their claimed cases back to the queue; the
row stays, so audit entries and case history still name someone. Removal does not un-know what
the person already held: full protection needs ``staff rotate-keys`` afterwards (see
docs/THREAT_MODEL.md), and ``grant-keys`` wraps the new key for the remaining staff only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.core.crypto import (
    hash_staff_password,
    staff_password_kdf,
    unwrap_totp_secret_as_staff,
    wrap_organisation_key_for_staff,
    wrap_totp_secret_for_staff,
)
from bot.core.db.audit import Actor, append_audit
from bot.core.db.handoffs import set_handoff_status
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.models import Handoff, HandoffStatus, Staff, WrappedKey, new_id
from bot.core.db.organisations import (
    AccountError,
    Credentials,
    actor_for,
    prove_admin,
    staff_by_login,
)


def disable_staff(session: Session, by: Credentials, login: str, now: datetime) -> Staff:
    """An admin stops someone of their own organisation signing in; their sessions end now."""
    admin, staff = _admin_and_member(session, by, login)
    _disable(session, admin, staff, now)
    return staff


def enable_staff(session: Session, by: Credentials, login: str, now: datetime) -> Staff:
    """Undo :func:`disable_staff`; a removed person has no credentials left to sign in with."""
    admin, staff = _admin_and_member(session, by, login)
    if staff.password_hash is None:
        raise AccountError("that staff member was removed; add them again instead")
    staff.disabled_at = None
    append_audit(session, actor_for(admin), "staff.enable", now, staff.id)
    return staff


def remove_staff(session: Session, by: Credentials, login: str, now: datetime) -> int:
    """Disable, delete every wrapped key copy and the credentials, release claimed cases.

    Returns how many wrapped keys were deleted. The login name is freed for reuse.
    """
    admin, staff = _admin_and_member(session, by, login)
    _disable(session, admin, staff, now)
    deleted = session.execute(delete(WrappedKey).where(WrappedKey.staff_id == staff.id))
    count = int(getattr(deleted, "rowcount", 0) or 0)
    staff.password_hash, staff.totp_wrapped, staff.login_name = None, None, None
    claimed = select(Handoff.id).where(
        Handoff.claimed_by == staff.id, Handoff.status == HandoffStatus.CLAIMED
    )
    for handoff_id in session.scalars(claimed).all():
        set_handoff_status(session, handoff_id, HandoffStatus.OPEN, actor_for(admin), now=now)
    append_audit(session, actor_for(admin), "staff.remove", now, staff.id)
    session.flush()
    return count


def rewrap_for_new_passphrase(
    session: Session, staff: Staff, current: str, new: str, *, totp_step: int, now: datetime
) -> None:
    """Re-wrap every key copy, the TOTP secret and the hash under ``new``, at the same cost.

    The caller has checked ``current`` and the code; ``totp_step`` is the step just used, so
    that code cannot be replayed. The TOTP secret stays the same: the phone keeps working.
    """
    if staff.password_hash is None or staff.totp_wrapped is None:
        raise AccountError("that staff member has no passphrase to change")
    kdf = staff_password_kdf(staff.password_hash)
    keys = unlock_organisation_keys(session, staff.id, current)
    secret = unwrap_totp_secret_as_staff(staff.totp_wrapped, current)
    session.execute(delete(WrappedKey).where(WrappedKey.staff_id == staff.id))
    for key in keys.values():
        wrapped = wrap_organisation_key_for_staff(key, new, kdf)
        session.add(
            WrappedKey(
                id=new_id(), key_id=key.key_id, staff_id=staff.id, wrapped=wrapped, created_at=now
            )
        )
    staff.password_hash = hash_staff_password(new, kdf)
    staff.totp_wrapped = wrap_totp_secret_for_staff(secret, new, kdf)
    staff.totp_last_step = max(staff.totp_last_step, totp_step)
    staff.session_version += 1
    session.flush()
    actor = Actor(staff.role.value, staff.id)
    append_audit(session, actor, "staff.change_passphrase", now, staff.id)


def _admin_and_member(session: Session, by: Credentials, login: str) -> tuple[Staff, Staff]:
    admin, staff = prove_admin(session, by), staff_by_login(session, login)
    if admin.organisation_id != staff.organisation_id:
        raise AccountError("only an admin of the same organisation can do that")
    if admin.id == staff.id:
        raise AccountError("an admin cannot disable or remove themselves")
    return admin, staff


def _disable(session: Session, admin: Staff, staff: Staff, now: datetime) -> None:
    if staff.disabled_at is None:
        staff.disabled_at = now
    staff.session_version += 1
    append_audit(session, actor_for(admin), "staff.disable", now, staff.id)
