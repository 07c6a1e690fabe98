"""Closed- and open-loop load against one target, each simulated person holding a fresh
conversation of a fixed script, one message at a time (bench/load.py drives it).

A message counts towards msg/s when its whole answer arrived before the row's deadline; its
latency counts towards p95 whenever it arrived. A refused request, a malformed answer or a
timeout is an error, never a latency.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

# How long a row waits for the answers still on their way after its deadline.
GRACE_SECONDS = 30.0


class Target(Protocol):
    """One way of talking to a bot: a conversation is whatever ``start`` returns."""

    name: str

    def start(self) -> object: ...

    async def send(self, conversation: object, text: str) -> None:
        """Send one message and return once the bot's whole answer arrived; raise on failure."""


@dataclass
class Row:
    """What one load level gave one target."""

    load: str
    seconds: float
    answered_in_time: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    first_error: str | None = None

    @property
    def rate(self) -> float:
        return self.answered_in_time / self.seconds

    def percentile(self, fraction: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]

    def record(self, sent: float, deadline: float, error: BaseException | None) -> None:
        if error is not None:
            self.errors += 1
            self.first_error = self.first_error or f"{type(error).__name__}: {error}"[:200]
            return
        done = time.monotonic()
        self.latencies.append(done - sent)
        if done <= deadline:
            self.answered_in_time += 1


async def _one(target: Target, conversation: object, text: str, row: Row, deadline: float) -> None:
    sent = time.monotonic()
    try:
        await target.send(conversation, text)
    except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the row
        row.record(sent, deadline, error)
    else:
        row.record(sent, deadline, None)


async def closed_loop(
    target: Target, script: Sequence[str], concurrency: int, seconds: float
) -> Row:
    """``concurrency`` people, each starting a fresh conversation when the last one ended."""
    row = Row(f"{concurrency} concurrent", seconds)
    deadline = time.monotonic() + seconds

    async def person() -> None:
        while time.monotonic() < deadline:
            conversation = target.start()
            for text in script:
                if time.monotonic() >= deadline:
                    return
                before = row.errors
                await _one(target, conversation, text, row, deadline)
                if row.errors > before:
                    break  # a conversation that failed is abandoned, as a person would

    people = [asyncio.create_task(person()) for _ in range(concurrency)]
    await _bounded(people, deadline, row)
    return row


async def open_loop(target: Target, script: Sequence[str], rate: float, seconds: float) -> Row:
    """Messages offered at ``rate`` a second whatever the answers' pace, each from a person whose
    previous message was answered, or from someone new when everyone is still waiting."""
    row = Row(f"open loop, {rate:g} msg/s offered", seconds)
    start = time.monotonic()
    deadline = start + seconds
    idle: list[tuple[object, int]] = []
    tasks: list[asyncio.Task[None]] = []

    async def turn(conversation: object, index: int) -> None:
        before = row.errors
        await _one(target, conversation, script[index], row, deadline)
        if row.errors == before and index + 1 < len(script):
            idle.append((conversation, index + 1))

    for tick in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + tick / rate - time.monotonic()))
        conversation, index = idle.pop(0) if idle else (target.start(), 0)
        tasks.append(asyncio.create_task(turn(conversation, index)))
    await _bounded(tasks, deadline, row)
    return row


async def _bounded(tasks: list[asyncio.Task[None]], deadline: float, row: Row) -> None:
    """Wait for the tasks until GRACE_SECONDS after the deadline, then cancel what is left: each
    holds one message still unanswered, an error."""
    if not tasks:
        return
    remaining = max(0.0, deadline - time.monotonic()) + GRACE_SECONDS
    _, pending = await asyncio.wait(tasks, timeout=remaining)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
        row.errors += len(pending)
        row.first_error = row.first_error or f"no answer {GRACE_SECONDS:g} s after the row"
