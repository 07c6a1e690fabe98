"""A small, bounded pool of threads for the console's Argon2id work (sign-in, passphrase change).

The console serves requests from one asyncio event loop (Starlette under uvicorn, one worker).
Argon2id at the production cost takes about half a second and 64 MiB; run on the loop it would
freeze every page for everyone while one person signs in. The ``cryptography`` library releases
the GIL while it derives, so threads suffice. ``workers`` bounds how many derive at once (and so
the memory), ``max_waiting`` how many may queue behind them: beyond that a sign-in is refused as
busy at once rather than piling up behind a burst of attempts.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from bot.core.errors import LanternError

P = ParamSpec("P")
T = TypeVar("T")
THREAD_PREFIX = "lantern-kdf"


class KdfPoolBusyError(LanternError):
    """Too many passphrase checks are running or waiting; try again in a moment."""


class KdfPool:
    def __init__(self, workers: int = 2, max_waiting: int = 16) -> None:
        self.workers, self.max_waiting = workers, max_waiting
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix=THREAD_PREFIX)
        self._pending = 0
        self._lock = threading.Lock()

    async def run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``work(*args, **kwargs)`` on a pool thread, awaited without blocking the loop."""
        with self._lock:
            if self._pending >= self.workers + self.max_waiting:
                raise KdfPoolBusyError("too many sign-ins at once")
            self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._executor, functools.partial(work, *args, **kwargs)
            )
        finally:
            with self._lock:
                self._pending -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
