"""The hash-chained audit log: appends verify, raw-SQL edits and deletions are found."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from bot.core.db.audit import (
    PERSON,
    SYSTEM,
    Actor,
    AuditError,
    append_audit,
    entry_hash,
    run_verify_command,
    verify_chain,
)
from bot.core.db.models import AuditEntry

STAFF_ID = "5" * 32
CASE_ID = "c" * 32
START = datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


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


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(engine: Engine) -> None:
    """Given an attacker who edits entry 3 and recomputes its own hash, Then entry 4 (which
    still names the old hash) is reported as the first broken link."""
    fill(engine)
    with Session(engine) as session:
        forged = session.get_one(AuditEntry, 3)
        session.expunge(forged)
    forged.actor_role = "admin"
    tamper(
        engine,
        "UPDATE audit_log SET actor_role = 'admin', entry_hash = :forged WHERE seq = 3",
        forged=entry_hash(forged),
    )

    assert verify(engine) == (False, 4, 3)


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
