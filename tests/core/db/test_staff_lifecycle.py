"""Disabling, enabling and removing staff; re-wrapping for a new passphrase."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select

from bot.core.crypto import KdfParams, WrongPassphraseError, verify_staff_password
from bot.core.db.audit import SYSTEM
from bot.core.db.database import Database
from bot.core.db.handoffs import HandoffFields, set_handoff_status
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.models import Handoff, HandoffStatus, Role, Staff, WrappedKey
from bot.core.db.organisations import (
    AccountError,
    Credentials,
    NewOrganisation,
    add_staff_member,
    create_organisation,
    grant_missing_keys,
    rotate_keys,
    staff_by_login,
)
from bot.core.db.staff_lifecycle import (
    disable_staff,
    enable_staff,
    remove_staff,
    rewrap_for_new_passphrase,
)
from bot.core.report_fields import Urgency
from tests.support_cases import open_case

ROOT = Path(__file__).resolve().parents[3]

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ADMIN = Credentials("root", "root violet harbour 1")
WORKER = Credentials("bea", "bea quiet otter lamp")
STAYING = Credentials("cid", "cid narrow willow 7")


@pytest.fixture
def db(engine: Engine) -> Database:
    return Database(engine, clock=lambda: NOW)


@pytest.fixture
def org(db: Database, fast_kdf: KdfParams) -> NewOrganisation:
    with db.transaction() as session:
        made = create_organisation(session, "Partner", ADMIN, NOW, kdf=fast_kdf)
        add_staff_member(session, ADMIN, WORKER, Role.CASEWORKER, NOW, kdf=fast_kdf)
        add_staff_member(session, ADMIN, STAYING, Role.CASEWORKER, NOW, kdf=fast_kdf)
        return made


def test_disabling_moves_the_session_version_and_enabling_undoes_it(
    db: Database, org: NewOrganisation
) -> None:
    with db.transaction() as session:
        before = staff_by_login(session, WORKER.login).session_version
        disabled = disable_staff(session, ADMIN, WORKER.login, NOW)
        assert disabled.disabled_at == NOW and disabled.session_version == before + 1
        assert enable_staff(session, ADMIN, WORKER.login, NOW).disabled_at is None


def test_removal_deletes_the_key_copies_and_credentials_and_releases_claimed_cases(
    db: Database, org: NewOrganisation, fast_kdf: KdfParams
) -> None:
    """Given a caseworker who claimed a case, When the admin removes her and rotates the key,
    Then her wrapped keys and credentials are gone, the case is back in the queue, she cannot
    be enabled or granted the new key, and the staff who remain can be."""
    handoff_id = open_case(
        db, "ab" * 32, org.organisation_id, HandoffFields(urgency=Urgency.HIGH, consent=True)
    )
    with db.transaction() as session:
        bea = staff_by_login(session, WORKER.login)
        set_handoff_status(
            session, handoff_id, HandoffStatus.CLAIMED, SYSTEM, now=NOW, claimed_by=bea.id
        )
        bea_id = bea.id
        assert remove_staff(session, ADMIN, WORKER.login, NOW) == 1
    with db.transaction() as session:
        bea = session.get(Staff, bea_id)
        assert bea is not None and bea.disabled_at == NOW
        assert (bea.login_name, bea.password_hash, bea.totp_wrapped) == (None, None, None)
        held = session.scalars(select(WrappedKey).where(WrappedKey.staff_id == bea_id)).all()
        assert held == []
        handoff = session.get(Handoff, handoff_id)
        assert handoff is not None and handoff.status is HandoffStatus.OPEN
        assert handoff.claimed_by is None
        rotate_keys(session, ADMIN, org.recovery_code, NOW, kdf=fast_kdf)
        assert grant_missing_keys(session, ADMIN, STAYING, NOW, kdf=fast_kdf) == 1
        with pytest.raises(AccountError):
            enable_staff(session, ADMIN, WORKER.login, NOW)


def test_a_disabled_member_is_not_granted_keys_after_rotation(
    db: Database, org: NewOrganisation, fast_kdf: KdfParams
) -> None:
    with db.transaction() as session:
        disable_staff(session, ADMIN, WORKER.login, NOW)
        rotate_keys(session, ADMIN, org.recovery_code, NOW, kdf=fast_kdf)
        with pytest.raises(AccountError, match="disabled"):
            grant_missing_keys(session, ADMIN, WORKER, NOW, kdf=fast_kdf)


@pytest.mark.parametrize("by", [WORKER, Credentials("root", "not the passphrase")])
def test_only_the_admin_may_disable_or_remove(
    db: Database, org: NewOrganisation, by: Credentials
) -> None:
    with db.transaction() as session:
        for act in (disable_staff, remove_staff):
            with pytest.raises(AccountError):
                act(session, by, STAYING.login, NOW)
        assert staff_by_login(session, STAYING.login).disabled_at is None


def test_a_disabled_admin_can_no_longer_act_as_admin(
    db: Database, org: NewOrganisation, fast_kdf: KdfParams
) -> None:
    second = Credentials("dot", "dot silver heron 30")
    with db.transaction() as session:
        add_staff_member(session, ADMIN, second, Role.ADMIN, NOW, kdf=fast_kdf)
        disable_staff(session, ADMIN, second.login, NOW)
        with pytest.raises(AccountError):
            disable_staff(session, second, ADMIN.login, NOW)
        assert staff_by_login(session, ADMIN.login).disabled_at is None


def test_an_admin_of_another_organisation_cannot_remove(
    db: Database, org: NewOrganisation, fast_kdf: KdfParams
) -> None:
    stranger = Credentials("elsewhere", "elsewhere amber kettle 5")
    with db.transaction() as session:
        create_organisation(session, "Elsewhere", stranger, NOW, kdf=fast_kdf)
        with pytest.raises(AccountError, match="same organisation"):
            remove_staff(session, stranger, WORKER.login, NOW)


def test_a_new_passphrase_rewraps_every_key_and_keeps_the_cost(
    db: Database, org: NewOrganisation, fast_kdf: KdfParams
) -> None:
    new = "bea copper meadow 99"
    with db.transaction() as session:
        bea = staff_by_login(session, WORKER.login)
        version = bea.session_version
        rewrap_for_new_passphrase(session, bea, WORKER.passphrase, new, totp_step=7, now=NOW)
        assert len(unlock_organisation_keys(session, bea.id, new)) == 1
        with pytest.raises(WrongPassphraseError):
            unlock_organisation_keys(session, bea.id, WORKER.passphrase)
        assert bea.password_hash is not None and verify_staff_password(new, bea.password_hash)
        assert f"m={fast_kdf.memory_cost_kib}," in bea.password_hash
        assert bea.session_version == version + 1 and bea.totp_last_step == 7


def test_migration_0007_downgrades_without_losing_anyones_keys(
    engine: Engine, db: Database, org: NewOrganisation
) -> None:
    """On SQLite a dropped column copies the staff table; the copy must not cascade into the
    wrapped keys that reference it."""
    config = Config(str(ROOT / "alembic.ini"))
    below = ScriptDirectory.from_config(config).get_revision("0007").down_revision
    assert isinstance(below, str)
    with db.transaction() as session:
        held = len(session.scalars(select(WrappedKey)).all())
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, below)
        assert "disabled_at" not in {c["name"] for c in inspect(connection).get_columns("staff")}
        assert "sign_in_throttle" not in inspect(connection).get_table_names()
        command.upgrade(config, "head")
    with db.transaction() as session:
        assert len(session.scalars(select(WrappedKey)).all()) == held > 0
        assert staff_by_login(session, WORKER.login).disabled_at is None
