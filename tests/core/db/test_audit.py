"""The keyed hash-chained audit log: appends verify; raw-SQL edits, deletions, forged links and
(against a checkpoint) a cut tail are found; entries carry their organisation; pruning keeps
the chain whole."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from bot.core.db.audit import (
    KEYED_START,
    PERSON,
    PRUNED,
    SYSTEM,
    Actor,
    AuditError,
    append_audit,
    content_digest,
    keyed_hash,
    prune_case_entries,
    unkeyed_hash,
    verify_chain,
)
from bot.core.db.audit_checkpoint import (
    check_against,
    read_checkpoint,
    run_verify_command,
    take_checkpoint,
)
from bot.core.db.audit_key import AuditKeyMissingError, use_audit_key
from bot.core.db.migrations import create_engine_for
from bot.core.db.models import AuditEntry, Organisation, Role, Staff
from tests.support import POSTGRES_URL, ROOT, TEST_AUDIT_KEY

STAFF_ID = "5" * 32
CASE_ID = "c" * 32
START = datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
MIGRATIONS = ROOT / "bot" / "core" / "db" / "migrations"


def fill(engine: Engine, entries: int = 5) -> None:
    with Session(engine) as session, session.begin():
        for index in range(entries):
            append_audit(
                session,
                Actor("caseworker", STAFF_ID),
                "handoff.read",
                START + timedelta(minutes=index),
                CASE_ID,
                detail={"index": index},
            )


def verify(engine: Engine) -> tuple[bool, int | None, int]:
    with Session(engine) as session:
        result = verify_chain(session)
    return result.ok, result.first_broken_seq, result.entries_checked


def tamper(engine: Engine, statement: str, **params: str) -> None:
    """Edit the log as an attacker with database-owner rights would: past the triggers."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            connection.execute(text(statement), params)
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
            connection.execute(text(statement), params)


def test_an_untouched_chain_verifies(engine: Engine) -> None:
    fill(engine)

    assert verify(engine) == (True, None, 5)


def test_an_empty_log_verifies(engine: Engine) -> None:
    assert verify(engine) == (True, None, 0)


def test_an_edited_row_is_reported_as_the_first_broken_link(engine: Engine) -> None:
    """Given five entries, When someone rewrites the actor of the third with raw SQL, Then the
    verifier names entry 3 and trusts the two before it."""
    fill(engine)
    tamper(engine, "UPDATE audit_log SET actor_role = 'admin' WHERE seq = 3")

    assert verify(engine) == (False, 3, 2)


def test_an_edit_with_a_recomputed_digest_fails_the_keyed_link(engine: Engine) -> None:
    """Given an attacker with the database but not the audit key, who edits entry 3 and
    recomputes its digest and link with a key of their own, Then entry 3 is reported: its link
    does not match the real key (the unkeyed SHA-256 chain would have let only entry 4 fail, and
    a rewrite of the whole tail pass)."""
    fill(engine)
    with Session(engine) as session:
        forged = session.get_one(AuditEntry, 3)
        session.expunge(forged)
    forged.actor_role = "admin"
    digest = content_digest(forged)
    tamper(
        engine,
        "UPDATE audit_log SET actor_role = 'admin', content_digest = :digest, "
        "entry_hash = :forged WHERE seq = 3",
        digest=digest,
        forged=keyed_hash(b"an attacker's own key, 32 bytes long", forged.prev_hash, digest),
    )

    assert verify(engine) == (False, 3, 2)


def test_a_deleted_row_is_reported(engine: Engine) -> None:
    fill(engine)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 4")

    assert verify(engine) == (False, 5, 3)


def test_verify_command_reports_the_broken_entry(engine: Engine) -> None:
    fill(engine)
    intact = io.StringIO()
    assert run_verify_command(engine, intact) == 0
    tamper(engine, "UPDATE audit_log SET detail = '{}' WHERE seq = 2")
    broken = io.StringIO()

    assert run_verify_command(engine, broken) == 1
    assert "intact: 5 entries" in intact.getvalue()
    assert "BROKEN at entry 2" in broken.getvalue()


def test_the_database_refuses_updates_and_deletes(engine: Engine) -> None:
    fill(engine, 1)

    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


@pytest.mark.parametrize(
    ("actor", "action", "object_id", "detail"),
    [
        (PERSON, "handoff.save", "a" * 64, {}),
        (Actor("caseworker", "123456789"), "handoff.read", None, {}),
        (SYSTEM, "He said my visa expired", None, {}),
        (SYSTEM, "retention.purge", None, {"note": "free text"}),
    ],
    ids=["pseudonym as object", "telegram id as actor", "text as action", "text as detail"],
)
def test_entries_refuse_anything_but_tokens_ids_and_counts(
    engine: Engine, actor: Actor, action: str, object_id: str | None, detail: dict[str, object]
) -> None:
    with Session(engine) as session, session.begin(), pytest.raises(AuditError):
        append_audit(session, actor, action, START, object_id, detail=detail)  # type: ignore[arg-type]


def test_a_cut_tail_verifies_alone_but_not_against_a_checkpoint(engine: Engine) -> None:
    """Given five entries and a checkpoint taken then, When the newest two are deleted, Then the
    chain alone still verifies (a shorter chain is a valid chain), and against the exported
    checkpoint it is reported as cut at the checkpoint's newest entry."""
    fill(engine)
    with Session(engine) as session:
        line = take_checkpoint(session, START).line()
    checkpoint = read_checkpoint(f"some mail\n{line}\n")
    assert (checkpoint.seq, checkpoint.count) == (5, 5)
    tamper(engine, "DELETE FROM audit_log WHERE seq >= 4")

    with Session(engine) as session:
        alone, pinned = verify_chain(session), check_against(session, checkpoint)

    assert alone.ok and alone.entries_checked == 3
    assert not pinned.ok and pinned.first_broken_seq == 5
    assert "tail was cut" in (pinned.reason or "")


def test_a_checkpoint_holds_while_the_log_grows(engine: Engine, tmp_path: Path) -> None:
    fill(engine, 3)
    with Session(engine) as session:
        saved = tmp_path / "checkpoint.txt"
        saved.write_text(take_checkpoint(session, START).line(), "utf-8")
    fill(engine, 2)
    out = io.StringIO()

    assert run_verify_command(engine, out, saved) == 0
    assert "intact: 5 entries and holds the checkpoint" in out.getvalue()


def test_a_rewritten_head_is_found_against_the_checkpoint(engine: Engine) -> None:
    """Given a checkpoint at entry 3, When entries 3 to 5 are cut and new ones appended with the
    real key (an insider with the key), Then the head at position 3 no longer matches."""
    fill(engine)
    with Session(engine) as session:
        checkpoint = take_checkpoint(session, START)
    tamper(engine, "DELETE FROM audit_log WHERE seq >= 3")
    fill(engine, 3)

    with Session(engine) as session:
        result = check_against(session, checkpoint)

    # SQLite reuses the cut positions (a different head at 5), PostgreSQL does not (no 5 at all).
    assert not result.ok and result.first_broken_seq == 5


def test_each_entry_carries_its_organisation(engine: Engine) -> None:
    """A staff member's act is their organisation's; an act on an organisation's record is that
    organisation's; the system's own acts belong to none."""
    org_id, staff_id = "1" * 32, "2" * 32
    with Session(engine) as session, session.begin():
        session.add(Organisation(id=org_id, name="Refuge A", created_at=START))
        session.flush()
        session.add(Staff(id=staff_id, organisation_id=org_id, role=Role.ADMIN, created_at=START))
        session.flush()
        by_staff = append_audit(session, Actor("admin", staff_id), "console.sign_in", START)
        on_org = append_audit(session, SYSTEM, "organisation.create", START, org_id)
        alone = append_audit(session, SYSTEM, "retention.purge", START)
        organisations = (by_staff.organisation_id, on_org.organisation_id, alone.organisation_id)

    assert organisations == (org_id, org_id, None)
    assert verify(engine) == (True, None, 3)


def test_the_organisation_is_covered_by_the_link(engine: Engine) -> None:
    """Moving an entry to another organisation (to hide it from, or show it to, a supervisor)
    breaks the chain at that entry."""
    fill(engine)
    tamper(engine, "UPDATE audit_log SET organisation_id = :other WHERE seq = 2", other="9" * 32)

    assert verify(engine) == (False, 2, 1)


def test_pruned_entries_keep_the_chain_and_lose_their_case(engine: Engine) -> None:
    """Given five entries about a case, When they are pruned, Then none names the case, actor or
    exact time any more, and the chain still verifies; the triggers allow only that change."""
    fill(engine)
    with Session(engine) as session, session.begin():
        assert prune_case_entries(session, [CASE_ID]) == 5
    with Session(engine) as session:
        rows = session.scalars(select(AuditEntry)).all()
        result = verify_chain(session)

    assert result.ok and result.entries_checked == 5
    assert {(row.action, row.object_id, row.actor_id) for row in rows} == {(PRUNED, None, None)}
    assert {row.created_at for row in rows} == {START.replace(hour=0, minute=0, microsecond=0)}
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET entry_hash = prev_hash WHERE seq = 1"))


def test_entries_from_before_the_key_are_reported_and_marked(engine: Engine) -> None:
    """Given two entries written by the unkeyed chain before migration 0008, When the next one
    is appended, Then the keyed chain begins with its marker and the verifier says how many
    came before it; an unkeyed entry slipped in after the marker is found."""
    legacy_engine = _write_unkeyed_entries(engine, 2)
    fill(legacy_engine, 1)
    with Session(engine) as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        result = verify_chain(session)

    assert actions == ["handoff.read", "handoff.read", KEYED_START, "handoff.read"]
    assert result.ok and result.unkeyed_entries == 2 and result.entries_checked == 4
    _write_unkeyed_entries(engine, 1)
    assert verify(engine) == (False, 5, 4)


def test_an_engine_without_an_audit_key_writes_nothing(tmp_path: Path) -> None:
    keyless = create_engine_for(f"sqlite:///{tmp_path / 'keyless.db'}")
    with Session(keyless) as session, pytest.raises(AuditKeyMissingError):
        append_audit(session, SYSTEM, "retention.purge", START)


def _write_unkeyed_entries(engine: Engine, count: int) -> Engine:
    """Entries as the unkeyed chain wrote them (no digest, no organisation), past the ORM."""
    with Session(engine) as session, session.begin():
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
        prev = "0" * 64 if last is None else last.entry_hash
        for index in range(count):
            entry = AuditEntry(
                created_at=START + timedelta(seconds=index),
                actor_role="caseworker",
                actor_id=STAFF_ID,
                action="handoff.read",
                object_id=CASE_ID,
                detail={"legacy": index},
                prev_hash=prev,
                pruned=False,
            )
            entry.entry_hash = prev = unkeyed_hash(entry)
            session.add(entry)
            session.flush()
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine_at_0005(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database migrated only to 0005, as a deployment is before this change."""
    if request.param == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / 'old.db'}")
        _upgrade(engine, "0005")
        use_audit_key(engine, TEST_AUDIT_KEY)
        yield engine
        engine.dispose()
        return
    schema = f"lantern_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(POSTGRES_URL, connect_args={"options": f"-c search_path={schema}"})
    try:
        _upgrade(engine, "0005")
        use_audit_key(engine, TEST_AUDIT_KEY)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_upgrading_a_log_with_entries_keeps_them_and_fills_their_organisation(
    engine_at_0005: Engine,
) -> None:
    """Given a 0005 database whose log holds an admin's unkeyed entry, When it is upgraded and
    the next entry written, Then the old entry keeps its link and gains its organisation, the
    keyed chain begins with its marker, and the whole log verifies."""
    org_id, staff_id = "1" * 32, "2" * 32
    old = AuditEntry(
        created_at=START,
        actor_role="admin",
        actor_id=staff_id,
        action="console.sign_in",
        object_id=staff_id,
        detail={},
        prev_hash="0" * 64,
    )
    with engine_at_0005.begin() as connection:
        connection.execute(
            text("INSERT INTO organisations (id, name, created_at) VALUES (:id, 'A', :at)"),
            {"id": org_id, "at": START.replace(tzinfo=None)},
        )
        connection.execute(
            text(
                "INSERT INTO staff (id, organisation_id, role, created_at, totp_last_step, "
                "failed_sign_ins, session_version) VALUES (:id, :org, 'admin', :at, 0, 0, 0)"
            ),
            {"id": staff_id, "org": org_id, "at": START.replace(tzinfo=None)},
        )
        connection.execute(
            text(
                "INSERT INTO audit_log (created_at, actor_role, actor_id, action, object_id, "
                "detail, prev_hash, entry_hash) VALUES (:at, 'admin', :staff, "
                "'console.sign_in', :staff, '{}', :prev, :hash)"
            ),
            {
                "at": START.replace(tzinfo=None),
                "staff": staff_id,
                "prev": "0" * 64,
                "hash": unkeyed_hash(old),
            },
        )

    _upgrade(engine_at_0005, "head")
    fill(engine_at_0005, 1)

    with Session(engine_at_0005) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        result = verify_chain(session)
        assert [(row.action, row.organisation_id) for row in rows] == [
            ("console.sign_in", org_id),
            (KEYED_START, None),
            ("handoff.read", None),
        ]
    assert result.ok and result.unkeyed_entries == 1


def _upgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
