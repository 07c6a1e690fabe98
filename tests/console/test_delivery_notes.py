"""The case page says when a reply did not reach the person, and why, in plain words (issue 12)."""

from __future__ import annotations

from bot.core.crypto import FrontEndKey
from bot.core.db.models import Undeliverable
from bot.core.db.store import Store

from .conftest import World, sign_in


def test_a_reply_that_could_not_be_delivered_says_so_on_the_case_page(world: World) -> None:
    """Given two replies on a claimed case, When the front end marks the first undeliverable
    because the person blocked the bot, Then the page shows "Not delivered" and why beside that
    reply only, and nothing of who the person is."""
    handoff_id = world.submit()
    client = world.client()
    csrf = sign_in(world, client)
    client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf})
    for text in ("First reply to you.", "Second reply to you."):
        client.post(f"/cases/{handoff_id}/reply", data={"csrf": csrf, "text": text})
    store = Store(world.db)
    key = FrontEndKey(world.settings.front_end_key())
    first, second = store.pending_deliveries({key.key_id: key})
    assert "First reply" in first.text

    assert "Not delivered" not in client.get(f"/cases/{handoff_id}").text
    store.mark_undeliverable(first.id, Undeliverable.BLOCKED)
    store.mark_delivered(second.id)
    page = client.get(f"/cases/{handoff_id}").text

    assert page.count("Not delivered") == 1
    note = page.index("Not delivered: the chat no longer accepts messages")
    assert page.index("First reply to you.") < note < page.index("Second reply to you.")
    assert first.pseudonym not in page
