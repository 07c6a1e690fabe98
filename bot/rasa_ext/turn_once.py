"""One turn per Telegram update, however many times the front end asks for it.

The front end asks Rasa with a time limit. Under load Rasa can take longer: the front end gives
up, keeps the message in its waiting room and asks again later, and a front end killed mid-turn
asks again after its restart. Its own check (is this ``update_id`` in the tracker yet?) cannot
see a turn Rasa is still working on, so the second request used to run the turn a second time,
and the first answer, whose caller had gone, was lost (issue 12, docs/RELIABILITY.md).

Here a request for an ``update_id`` already being answered waits for that same turn and gets its
answer; a recent one gets the answer again; and a turn whose caller went away runs to its end
(shielded), so its answer is there for the retry. This holds within one Rasa process: with
several Sanic workers a retry can reach another worker, which only the tracker check then covers.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

Messages = list[dict[str, Any]]
TurnKey = tuple[str, int]

# Far longer than any retry of the front end (its waiting room asks again within minutes), and
# few enough answers that keeping them costs nothing: each is the assistant's own texts.
KEEP_SECONDS = 15 * 60
KEEP_TURNS = 2048


class TurnsOnce:
    """Turns by (sender, update_id): started once, their answer shared with every repeat."""

    def __init__(
        self,
        keep_seconds: float = KEEP_SECONDS,
        keep_turns: int = KEEP_TURNS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keep_seconds, self._keep_turns, self._clock = keep_seconds, keep_turns, clock
        self._turns: OrderedDict[TurnKey, tuple[float, asyncio.Future[Messages]]] = OrderedDict()

    async def answer(self, key: TurnKey, take_turn: Callable[[], Awaitable[Messages]]) -> Messages:
        self._forget_old()
        known = self._turns.get(key)
        if known is None:
            future: asyncio.Future[Messages] = asyncio.ensure_future(take_turn())
            self._turns[key] = (self._clock(), future)
            while len(self._turns) > self._keep_turns:
                self._turns.popitem(last=False)
        else:
            future = known[1]
        # Shielded: the caller giving up (a timeout, a killed front end) must not cancel the turn.
        return list(await asyncio.shield(future))

    def _forget_old(self) -> None:
        cutoff = self._clock() - self._keep_seconds
        while self._turns:
            started, future = next(iter(self._turns.values()))
            if started >= cutoff or not future.done():
                return
            self._turns.popitem(last=False)
