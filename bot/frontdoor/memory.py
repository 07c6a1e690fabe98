"""What the Telegram front end remembers about chats: in this process's memory only, never on disk.

Message ids say when someone talked to the bot; a queued message holds what they said. Both
die with the process, which is the point: a seized disk holds neither.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

# Telegram lets a bot delete a message in a private chat only within 48 hours of sending it.
DELETE_WINDOW_SECONDS = 48 * 3600
# deleteMessages takes at most this many ids per call.
DELETE_BATCH = 100


class ChatTrail:
    """The ids of every message in each chat (the person's and the bot's), for the quick exit."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._messages: dict[int, dict[int, float]] = defaultdict(dict)
        self._clock = clock

    def add(self, chat_id: int, message_id: int, sent_at: float | None = None) -> None:
        self._messages[chat_id][message_id] = self._clock() if sent_at is None else sent_at
        self._drop_undeletable(chat_id)

    def discard(self, chat_id: int, message_id: int) -> None:
        self._messages.get(chat_id, {}).pop(message_id, None)

    def take(self, chat_id: int) -> list[list[int]]:
        """Every id still deletable in the chat, in batches for deleteMessages; forgets them all."""
        self._drop_undeletable(chat_id)
        ids = sorted(self._messages.pop(chat_id, {}))
        return [ids[start : start + DELETE_BATCH] for start in range(0, len(ids), DELETE_BATCH)]

    def count(self, chat_id: int) -> int:
        return len(self._messages.get(chat_id, {}))

    def _drop_undeletable(self, chat_id: int) -> None:
        # Older messages can no longer be deleted, so there is no reason to remember them.
        oldest = self._clock() - DELETE_WINDOW_SECONDS
        messages = self._messages.get(chat_id)
        if messages:
            for message_id in [m for m, sent_at in messages.items() if sent_at <= oldest]:
                del messages[message_id]


@dataclass(frozen=True)
class Waiting:
    """A message the assistant could not take yet; answered, in order, when it is back."""

    chat_id: int
    pseudonym: str
    text: str


class WaitingRoom:
    """Messages held while Rasa is down, per person and in the order they were sent."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Waiting]] = {}

    def put(self, item: Waiting) -> None:
        self._queues.setdefault(item.pseudonym, deque()).append(item)

    def is_waiting(self, pseudonym: str) -> bool:
        return bool(self._queues.get(pseudonym))

    def first(self, pseudonym: str) -> Waiting | None:
        queue = self._queues.get(pseudonym)
        return queue[0] if queue else None

    def done(self, pseudonym: str) -> None:
        """The first message was answered: drop it."""
        queue = self._queues.get(pseudonym)
        if queue:
            queue.popleft()
            if not queue:
                del self._queues[pseudonym]

    def forget(self, pseudonym: str) -> None:
        """Quick exit or erasure: what they wrote must not be sent on later."""
        self._queues.pop(pseudonym, None)

    def people(self) -> list[str]:
        return list(self._queues)

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._queues.values())
