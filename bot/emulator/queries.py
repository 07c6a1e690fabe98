"""Callback queries the bot has not answered yet, and when each stops being answerable."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.emulator.errors import QUERY_INVALID, bad_request

# Telegram keeps a callback query answerable for about 150 s (../shared/reference/telegram.md);
# an answer after that fails exactly as one with an unknown id does.
QUERY_LIFETIME_SECONDS = 150.0
# answerCallbackQuery's ``text`` is 0-200 characters; Telegram refuses longer notifications.
MAX_ANSWER_TEXT_LENGTH = 200


@dataclass
class OpenQueries:
    """Query id -> (the chat it came from, when it was made, in emulated Unix seconds)."""

    _open: dict[str, tuple[int, float]] = field(default_factory=dict)

    def add(self, query_id: str, chat_id: int, now: float) -> None:
        self._open[query_id] = (chat_id, now)

    def clear(self) -> None:
        self._open.clear()

    def take(self, query_id: str, text: str | None, now: float) -> int:
        """The chat a live query came from, forgetting the query (it is answered once)."""
        if text is not None and len(text) > MAX_ANSWER_TEXT_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        chat_id, made = self._open.pop(query_id, (None, 0.0))
        if chat_id is None or now - made > QUERY_LIFETIME_SECONDS:
            raise bad_request(QUERY_INVALID)
        return chat_id
