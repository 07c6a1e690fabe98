"""What the case page says beside a reply that did not reach the person (issue 12).

Plain words about the chat, never about who the person is or where; the reasons are the
outbox's fixed choices, so nothing here can echo what anyone wrote.
"""

from __future__ import annotations

from bot.core.db.models import Undeliverable

__all__ = ["not_delivered_note"]

_NOTES = {
    Undeliverable.NO_CHAT_LINK: (
        "Not delivered: the person has left the chat (or it ended after a long silence), "
        "so there is nowhere to send it. They can reach you again by writing to Lantern."
    ),
    Undeliverable.BLOCKED: (
        "Not delivered: the chat no longer accepts messages from Lantern, "
        "so later replies cannot reach them either."
    ),
    Undeliverable.CHAT_NOT_FOUND: "Not delivered: the chat could not be found any more.",
    Undeliverable.TOO_LONG: (
        "Not delivered: the reply was too long for the chat. Please send it again in shorter parts."
    ),
}


def not_delivered_note(reason: Undeliverable | None) -> str | None:
    return None if reason is None else _NOTES[reason]
