"""Flood control: Telegram's limits, retry_after, and which failures may be repeated."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.frontdoor.flood import FloodControl, TokenBucket, may_repeat


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_one_a_second() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=1.0, burst=3.0, clock=clock)
    assert [bucket.wait_needed() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.wait_needed() == pytest.approx(1.0)
    clock.now = 1.0
    assert bucket.wait_needed() == 0.0


def _caused(error: Exception, cause: Exception) -> Exception:
    error.__cause__ = cause
    return error


def test_what_may_be_repeated_without_showing_anything_twice() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/")
    assert may_repeat("sendMessage", RetryAfter(3))
    assert may_repeat("sendMessage", _caused(NetworkError("x"), httpx.ConnectError("x")))
    assert may_repeat("sendMessage", _caused(TimedOut(), httpx.ConnectTimeout("x")))
    # A read timeout may mean Telegram sent it and only the answer was lost.
    assert not may_repeat(
        "sendMessage", _caused(TimedOut(), httpx.ReadTimeout("x", request=request))
    )
    assert may_repeat(
        "deleteMessages", _caused(TimedOut(), httpx.ReadTimeout("x", request=request))
    )
    assert not may_repeat("sendMessage", BadRequest("chat not found"))
    # Telegram's final word, even on a call harmless twice: a stale press must not hold up
    # its turn for a minute of retries, nor an old message the exit's own splitting.
    assert not may_repeat("answerCallbackQuery", BadRequest("query is too old"))
    assert not may_repeat("deleteMessages", BadRequest("message can't be deleted for everyone"))


class Flaky:
    """A Bot API call that fails in the given ways before it succeeds."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return {"ok": True}


async def test_a_429_is_waited_out_and_the_call_made_once_more() -> None:
    flood = FloodControl(base_backoff_seconds=0.01)
    call = Flaky([RetryAfter(1)])
    started = time.monotonic()
    result = await flood.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert result == {"ok": True}
    assert call.calls == 2
    assert time.monotonic() - started >= 0.95


async def test_an_ambiguous_send_failure_is_not_repeated() -> None:
    flood = FloodControl(base_backoff_seconds=0.01)
    request = httpx.Request("POST", "http://127.0.0.1/")
    call = Flaky([_caused(TimedOut(), httpx.ReadTimeout("x", request=request))])
    with pytest.raises(TimedOut):
        await flood.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert call.calls == 1


async def test_transient_failures_are_retried_with_backoff_up_to_a_limit() -> None:
    flood = FloodControl(base_backoff_seconds=0.01, max_attempts=3)
    failures: list[Exception] = [
        _caused(NetworkError("x"), httpx.ConnectError("x")) for _ in range(5)
    ]
    call = Flaky(failures)
    with pytest.raises(NetworkError):
        await flood.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert call.calls == 3


async def test_sends_to_one_chat_are_spread_to_about_one_a_second() -> None:
    flood = FloodControl(per_chat_rate=10.0, per_chat_burst=1.0)
    call = Flaky([])
    started = time.monotonic()
    for _ in range(4):
        await flood.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert time.monotonic() - started >= 0.28  # 3 waits of 0.1 s at 10 a second
