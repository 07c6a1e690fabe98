"""Every admin act proves the admin the same way (prove_admin): a caseworker, a wrong
passphrase or an unknown login is refused with AccountError, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.core.crypto import KdfParams
from bot.core.db.database import Database
from bot.core.db.models import Role
from bot.core.db.organisations import (
    AccountError,
    Credentials,
    NewOrganisation,
    add_staff_member,
    create_organisation,
    grant_missing_keys,
    prove_admin,
    rotate_keys,
)
from tests.support_cases import row_counts

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ADMIN = Credentials("root", "root passphrase 1")
WORKER = Credentials("bea", "bea passphrase 11")

AdminAct = Callable[[Session, Credentials, NewOrganisation, KdfParams], object]
ACTS: dict[str, AdminAct] = {
    "prove": lambda session, by, org, kdf: prove_admin(session, by),
    "add": lambda session, by, org, kdf: add_staff_member(
        session, by, Credentials("cid", "cid passphrase 1"), Role.CASEWORKER, NOW, kdf=kdf
    ),
    "rotate": lambda session, by, org, kdf: rotate_keys(
        session, by, org.recovery_code, NOW, kdf=kdf
    ),
    "grant": lambda session, by, org, kdf: grant_missing_keys(session, by, WORKER, NOW, kdf=kdf),
}


@pytest.fixture
def db(engine: Engine) -> Database:
    return Database(engine, clock=lambda: NOW)


@pytest.fixture
def org(db: Database, fast_kdf: KdfParams) -> NewOrganisation:
    with db.transaction() as session:
        made = create_organisation(session, "Partner", ADMIN, NOW, kdf=fast_kdf)
        add_staff_member(session, ADMIN, WORKER, Role.CASEWORKER, NOW, kdf=fast_kdf)
        return made


@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize(
    "by",
    [Credentials("root", "not the passphrase"), WORKER, Credentials("nobody", "any passphrase")],
    ids=["wrong passphrase", "caseworker", "unknown login"],
)
def test_only_the_admin_with_their_passphrase_may_act(
    db: Database, org: NewOrganisation, fast_kdf: KdfParams, act: str, by: Credentials
) -> None:
    before = row_counts(db)

    with db.transaction() as session, pytest.raises(AccountError):
        ACTS[act](session, by, org, fast_kdf)

    assert row_counts(db) == before


@pytest.mark.parametrize("act", sorted(ACTS))
def test_the_admin_with_their_passphrase_may_act(
    db: Database, org: NewOrganisation, fast_kdf: KdfParams, act: str
) -> None:
    with db.transaction() as session:
        ACTS[act](session, ADMIN, org, fast_kdf)
