"""The support-finding tests' helpers: two London times and what the real action offers."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime, support
from actions.support import ActionShowSupport
from bot.core.uk_time import LONDON

WEEKDAY_DAYTIME = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)  # a Monday
NIGHT = datetime.datetime(2026, 11, 28, 3, 0, tzinfo=LONDON)  # a Saturday


def tracker_after(wrote: str, domain: dict[str, Any]) -> Tracker:
    """A conversation in which the person wrote only this, then asked for support."""
    slots: dict[str, Any] = dict.fromkeys(domain["slots"])
    slots.update(language="en", requested_slot=None)
    return Tracker.from_dict(
        {
            "sender_id": "a" * 64,
            "slots": slots,
            "latest_message": {
                "text": "/find_support",
                "intent": {"name": "find_support", "confidence": 1.0},
                "entities": [],
            },
            "events": [
                {"event": "user", "text": wrote},
                {"event": "user", "text": "/find_support"},
            ],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


async def offered(
    wrote: str, at: datetime.datetime, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, ...]:
    """The names on the cards the real action sends, in order (a card's first line)."""
    monkeypatch.setattr(support, "now_in_london", lambda: at)
    dispatcher = CollectingDispatcher()
    await ActionShowSupport().run(dispatcher, tracker_after(wrote, domain), domain)
    cards = [m["text"] for m in dispatcher.messages if m.get("text")]
    names = {service.name for service in runtime.directory().services}
    return tuple(card.split("\n")[0] for card in cards if card.split("\n")[0] in names)
