"""Which Telegram refusals are final (the outbox marks the row) and which are retried."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.core.db.models import Undeliverable
from bot.frontdoor.delivery_faults import MAX_MESSAGE_CHARS, permanent_reason, split_for_telegram


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), Undeliverable.BLOCKED),
        (Forbidden("Forbidden: user is deactivated"), Undeliverable.BLOCKED),
        (BadRequest("Bad Request: chat not found"), Undeliverable.CHAT_NOT_FOUND),
        (BadRequest("Bad Request: message is too long"), Undeliverable.TOO_LONG),
        (BadRequest("Bad Request: can't parse entities"), None),
        (RetryAfter(3), None),
        (TimedOut(), None),
        (NetworkError("connection reset"), None),
    ],
)
def test_only_final_refusals_have_a_reason(
    error: TelegramError, reason: Undeliverable | None
) -> None:
    assert permanent_reason(error) is reason


def test_a_long_text_is_cut_at_word_breaks_within_the_cap() -> None:
    text = "\n\n".join(" ".join(["word"] * 300) for _ in range(8))

    pieces = split_for_telegram(text)

    assert len(pieces) > 1 and all(0 < len(piece) <= MAX_MESSAGE_CHARS for piece in pieces)
    assert all(piece.split() and set(piece.split()) == {"word"} for piece in pieces)
    assert sum(len(piece.split()) for piece in pieces) == 2400
    assert split_for_telegram("short") == ["short"]
    unbroken = "x" * (MAX_MESSAGE_CHARS + 10)
    assert "".join(split_for_telegram(unbroken)) == unbroken
