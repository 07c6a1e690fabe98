"""Closing a case and replying to the person are each one transaction: a failure midway leaves
nothing half-done, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bot.core.db.models import HandoffStatus
from tests.support_cases import InjectedFailureError, failing_at, get_handoff, row_counts

from .conftest import World, sign_in


def claimed_case(world: World) -> tuple[str, TestClient, str]:
    handoff_id = world.submit()
    client = world.client()
    csrf = sign_in(world, client)
    assert client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf}).status_code == 303
    return handoff_id, client, csrf


def test_a_close_that_fails_midway_leaves_the_case_claimed(world: World) -> None:
    """Given a claimed case, When recording the outcome fails, Then the case is still claimed,
    has no outcome, and the log holds no close: never closed without its outcome."""
    handoff_id, client, csrf = claimed_case(world)
    before = row_counts(world.db)

    with failing_at("handoff.outcome"), pytest.raises(InjectedFailureError):
        client.post(f"/cases/{handoff_id}/close", data={"csrf": csrf, "outcome": "no_contact"})

    handoff = get_handoff(world.db, handoff_id)
    assert (handoff.status, handoff.outcome, handoff.closed_at) == (
        HandoffStatus.CLAIMED,
        None,
        None,
    )
    assert row_counts(world.db) == before


def test_a_reply_that_fails_midway_is_neither_in_the_thread_nor_the_outbox(world: World) -> None:
    """Given a claimed case, When queueing the reply for the person fails, Then the thread has
    no message the person never received, and the outbox has nothing."""
    handoff_id, client, csrf = claimed_case(world)
    before = row_counts(world.db)

    with failing_at("outbox.enqueue"), pytest.raises(InjectedFailureError):
        client.post(f"/cases/{handoff_id}/reply", data={"csrf": csrf, "text": "Write any time."})

    assert row_counts(world.db) == before
