"""A broadcast wake-up for long polls (getUpdates, the chat page) waiting on the same state."""

from __future__ import annotations

import asyncio


class Pulse:
    """Wakes every waiter at once; waiters then re-check whatever they were waiting for."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout=max(seconds, 0.0))
        except TimeoutError:
            return
