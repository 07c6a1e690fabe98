"""Flood control: scripted 429 answers, and an optional mode enforcing Telegram's send limits."""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass, field

from bot.emulator.errors import too_many_requests

DEFAULT_METHODS = frozenset({"sendMessage"})


@dataclass
class FloodControl:
    """Decides whether a limited call is refused with 429 ``Too Many Requests``.

    ``scripted`` calls fail next, each with ``retry_after``. With ``limits`` on, a sliding
    one-second window allows ``per_chat`` messages per chat and ``overall`` in total, like the
    limits Telegram documents (about 1 per second per chat, 30 per second overall); Telegram
    tolerates short bursts, this mode does not, so pacing bugs show up.
    """

    scripted: int = 0
    retry_after: int = 1
    methods: frozenset[str] = DEFAULT_METHODS
    limits: bool = False
    per_chat: int = 1
    overall: int = 30
    refused: int = 0
    _chat_sends: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _all_sends: deque[float] = field(default_factory=deque)

    def configure(
        self,
        *,
        scripted: int,
        retry_after: int,
        methods: frozenset[str],
        limits: bool,
        per_chat: int,
        overall: int,
    ) -> None:
        self.scripted, self.retry_after, self.methods = scripted, retry_after, methods
        self.limits, self.per_chat, self.overall = limits, per_chat, overall
        self._chat_sends.clear()
        self._all_sends.clear()

    def settings(self) -> dict[str, object]:
        return {
            "count": self.scripted,
            "retry_after": self.retry_after,
            "methods": sorted(self.methods),
            "limits": self.limits,
            "per_chat": self.per_chat,
            "overall": self.overall,
            "refused": self.refused,
        }

    def admit(self, method: str, chat_id: int, now: float) -> None:
        """Record one call, or raise the 429 ``ApiError`` Telegram would answer with."""
        if method not in self.methods:
            return
        if self.scripted > 0:
            self.scripted -= 1
            self._refuse(self.retry_after)
        if self.limits:
            chat = self._chat_sends[chat_id]
            for window in (chat, self._all_sends):
                while window and now - window[0] >= 1.0:
                    window.popleft()
            for window, allowed in ((chat, self.per_chat), (self._all_sends, self.overall)):
                if len(window) >= allowed:
                    self._refuse(max(1, math.ceil(window[0] + 1.0 - now)))
            chat.append(now)
            self._all_sends.append(now)

    def _refuse(self, retry_after: int) -> None:
        self.refused += 1
        raise too_many_requests(retry_after)
