"""The load generator's rules, against a target that records what it is sent (no servers): one
message at a time per conversation, in the script's order, failures counted and abandoned."""

from __future__ import annotations

import asyncio
import itertools

import pytest

import bench.loadgen
from bench.loadgen import closed_loop, open_loop

SCRIPT = ("one", "two", "three")


class Recorder:
    """A bot that answers after ``delay`` s, refuses ``fail_on`` and notes any overlap."""

    name = "recorder"

    def __init__(self, delay: float = 0.005, fail_on: str | None = None) -> None:
        self.delay, self.fail_on = delay, fail_on
        self.ids = itertools.count()
        self.sent: dict[object, list[str]] = {}
        self.busy: set[object] = set()
        self.overlaps = 0

    def start(self) -> object:
        conversation = next(self.ids)
        self.sent[conversation] = []
        return conversation

    async def send(self, conversation: object, text: str) -> None:
        if conversation in self.busy:
            self.overlaps += 1
        self.busy.add(conversation)
        self.sent[conversation].append(text)
        await asyncio.sleep(self.delay)
        self.busy.discard(conversation)
        if text == self.fail_on:
            raise ConnectionError("refused")


async def test_closed_loop_holds_that_many_fresh_conversations_one_message_at_a_time() -> None:
    bot = Recorder()
    row = await closed_loop(bot, SCRIPT, concurrency=4, seconds=0.3)
    assert bot.overlaps == 0
    assert row.errors == 0 and row.answered_in_time > 0
    # Every conversation followed the script from its start; only the last ones stop early
    assert all(texts == list(SCRIPT[: len(texts)]) for texts in bot.sent.values())
    assert sum(1 for texts in bot.sent.values() if texts == list(SCRIPT)) >= 4
    assert len(row.latencies) == sum(len(texts) for texts in bot.sent.values())
    assert row.load == "4 concurrent"


async def test_a_failed_message_is_an_error_and_ends_its_conversation() -> None:
    bot = Recorder(fail_on="two")
    row = await closed_loop(bot, SCRIPT, concurrency=2, seconds=0.2)
    assert row.errors > 0 and row.first_error == "ConnectionError: refused"
    assert "three" not in {text for texts in bot.sent.values() for text in texts}
    # A failure is never a latency
    assert len(row.latencies) == sum(len(texts) for texts in bot.sent.values()) - row.errors


async def test_open_loop_offers_its_rate_whatever_the_answers_pace() -> None:
    # Answers take 0.2 s, far slower than 1 message every 0.02 s: new people are started
    bot = Recorder(delay=0.2)
    row = await open_loop(bot, SCRIPT, rate=50, seconds=0.4)
    sent = [text for texts in bot.sent.values() for text in texts]
    assert len(sent) == 20
    assert bot.overlaps == 0
    assert all(texts == list(SCRIPT[: len(texts)]) for texts in bot.sent.values())
    assert len(bot.sent) > len(sent) / len(SCRIPT)
    assert row.errors == 0 and len(row.latencies) == 20


async def test_answers_still_missing_long_after_the_row_are_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bench.loadgen, "GRACE_SECONDS", 0.05)
    row = await closed_loop(Recorder(delay=5.0), SCRIPT, concurrency=3, seconds=0.05)
    assert row.errors == 3 and row.answered_in_time == 0
    assert row.first_error is not None and "no answer" in row.first_error
