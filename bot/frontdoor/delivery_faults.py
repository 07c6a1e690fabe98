"""Telling a delivery that can never succeed from one worth retrying (issue 12).

Telegram says "never" with 403 (the person blocked the bot) and a few 400s (the chat is unknown,
the text is too long); anything else (the network, a flood wait, a 5xx) may pass and is retried.
Only the error's class and Telegram's fixed wording are read, never the text that was sent.
"""

from __future__ import annotations

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.db.models import Undeliverable
from bot.core.errors import LanternError

__all__ = ["MAX_MESSAGE_CHARS", "UndeliverableError", "permanent_reason", "split_for_telegram"]

# Telegram's cap on one message's text.
MAX_MESSAGE_CHARS = 4096

_BAD_REQUESTS = {
    "chat not found": Undeliverable.CHAT_NOT_FOUND,
    "message is too long": Undeliverable.TOO_LONG,
    # A private chat whose person deleted their account answers like a blocked one.
    "user is deactivated": Undeliverable.BLOCKED,
}


class UndeliverableError(LanternError):
    """Telegram refused a delivery for good; ``reason`` is the fixed choice the outbox keeps."""

    def __init__(self, reason: Undeliverable) -> None:
        super().__init__(f"undeliverable: {reason.value}")
        self.reason = reason


def permanent_reason(error: TelegramError) -> Undeliverable | None:
    """The reason a refusal is final, or None when a later attempt may succeed."""
    if isinstance(error, Forbidden):
        return Undeliverable.BLOCKED
    if isinstance(error, BadRequest):
        message = error.message.lower()
        for wording, reason in _BAD_REQUESTS.items():
            if wording in message:
                return reason
    return None


def split_for_telegram(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at a paragraph, line or word
    break where there is one in the second half of a piece, so no word is cut in two."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind(mark) for mark in ("\n\n", "\n", " "))
        if cut < limit // 2:
            cut = limit
        if piece := rest[:cut].rstrip():
            pieces.append(piece)
        rest = rest[cut:].lstrip()
    if rest.strip():
        pieces.append(rest)
    return pieces
