"""Argon2id off the event loop, in a bounded pool of threads."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.console.kdf_pool import THREAD_PREFIX, KdfPool, KdfPoolBusyError
from tests.support_kdf import count_kdf_calls

from .conftest import World, sign_in


def test_no_more_than_the_bound_run_at_once_and_the_loop_keeps_serving() -> None:
    """Given a pool of two, When six slow jobs are awaited together, Then at most two run at a
    time, all six finish, and the event loop keeps ticking meanwhile."""
    pool = KdfPool(workers=2, max_waiting=8)
    running, most = 0, 0
    lock = threading.Lock()

    def slow(seconds: float) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(seconds)
        with lock:
            running -= 1
        return threading.current_thread().name

    async def scenario() -> tuple[list[str], int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beat = asyncio.create_task(ticker())
        names = await asyncio.gather(*(pool.run(slow, 0.1) for _ in range(6)))
        beat.cancel()
        return list(names), ticks

    names, ticks = asyncio.run(scenario())
    pool.close()
    assert most == 2 and len(names) == 6
    assert all(name.startswith(THREAD_PREFIX) for name in names)
    # Three rounds of 0.1 s: a loop blocked by the jobs would not have ticked at all.
    assert ticks >= 10, ticks


def test_beyond_the_queue_a_job_is_refused_as_busy() -> None:
    pool = KdfPool(workers=1, max_waiting=1)
    release = threading.Event()

    async def scenario() -> None:
        first = asyncio.ensure_future(pool.run(release.wait, 5))
        second = asyncio.ensure_future(pool.run(release.wait, 5))
        await asyncio.sleep(0.05)
        with pytest.raises(KdfPoolBusyError):
            await pool.run(release.wait, 5)
        release.set()
        await asyncio.gather(first, second)

    asyncio.run(scenario())
    pool.close()


def test_the_console_signs_in_on_the_pool_not_on_the_event_loop(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_kdf_calls(monkeypatch)
    sign_in(world, world.client())
    threads = calls.threads
    assert threads and all(name.startswith(THREAD_PREFIX) for name in threads), threads
