"""Flood control for every Bot API call: Telegram's limits, ``retry_after`` and transient retries.

Telegram allows about one message per second in a chat (short bursts are tolerated) and about
thirty per second overall; above that it answers 429 with ``retry_after``. A 429 means the
request was not carried out, so it is always safe to repeat, and so is a request that never
reached the server (connection refused, connect or pool timeout). A *read* timeout is different:
Telegram may have sent the message and only the answer was lost, so repeating a ``sendMessage``
could show it twice. Those are repeated only for calls that are harmless twice (deletes,
edits, answering a button); for a send the error goes up to the caller.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

logger = logging.getLogger(__name__)

# Calls that put a new message in a chat: these count against the per-chat limit.
SENDING = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendChatAction"})
# Calls whose repetition changes nothing the person sees.
IDEMPOTENT = frozenset(
    {
        "deleteMessage",
        "deleteMessages",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "getMe",
        "setWebhook",
        "deleteWebhook",
        "setMyCommands",
    }
)
# getUpdates waits by design (long polling); throttling or retrying it here would only fight PTB.
UNTHROTTLED = frozenset({"getUpdates"})
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class TokenBucket:
    """``rate`` tokens a second up to ``burst``; :meth:`acquire` waits for one."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens, self._stamp = burst, clock()
        self._lock = asyncio.Lock()

    def wait_needed(self) -> float:
        """Seconds until a token is free (0 when one is free now); takes it when free."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate

    async def acquire(self) -> None:
        async with self._lock:
            while (delay := self.wait_needed()) > 0:
                await asyncio.sleep(delay)

    def is_full(self) -> bool:
        return self._tokens + (self._clock() - self._stamp) * self.rate >= self.burst


def may_repeat(endpoint: str, error: Exception) -> bool:
    """True when repeating the call cannot make the person see something twice."""
    if isinstance(error, RetryAfter):
        return True
    # PTB makes BadRequest a NetworkError, but it is Telegram's final word ("query is too old",
    # "message can't be deleted"): repeating only delays the turn and the exit's own retries.
    if not isinstance(error, NetworkError) or isinstance(error, BadRequest):
        return False
    return endpoint in IDEMPOTENT or isinstance(error.__cause__, _NOT_SENT)


def retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 warns that the attribute will become a timedelta; both shapes are handled here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class FloodControl(BaseRateLimiter[int]):
    """Throttles sends per chat and overall, waits out 429s for everyone, retries with backoff."""

    def __init__(
        self,
        *,
        per_chat_rate: float = 1.0,
        per_chat_burst: float = 3.0,
        overall_rate: float = 30.0,
        max_attempts: int = 8,
        base_backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self._per_chat_rate, self._per_chat_burst = per_chat_rate, per_chat_burst
        self._overall = TokenBucket(overall_rate, overall_rate)
        self._chats: OrderedDict[int | str, TokenBucket] = OrderedDict()
        self._max_attempts = max_attempts
        self._base_backoff, self._max_backoff = base_backoff_seconds, max_backoff_seconds
        # A 429 says the whole bot is over its limit: everybody waits, not just the caller.
        self._paused_until = 0.0
        self.retries = 0

    async def initialize(self) -> None:
        """Nothing to open: the buckets live in memory."""

    async def shutdown(self) -> None:
        self._chats.clear()

    async def process_request(  # noqa: PLR0917 - PTB's BaseRateLimiter fixes this signature
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in UNTHROTTLED:
            return await callback(*args, **kwargs)
        attempts = rate_limit_args or self._max_attempts
        for attempt in range(1, attempts + 1):
            await self._wait_turn(endpoint, data.get("chat_id"))
            try:
                return await callback(*args, **kwargs)
            except (RetryAfter, NetworkError) as error:
                if attempt == attempts or not may_repeat(endpoint, error):
                    raise
                self.retries += 1
                await self._back_off(error, attempt, endpoint)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _wait_turn(self, endpoint: str, chat_id: object) -> None:
        while (pause := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(pause)
        if endpoint in SENDING and isinstance(chat_id, (int, str)):
            await self._bucket_for(chat_id).acquire()
        await self._overall.acquire()

    async def _back_off(self, error: Exception, attempt: int, endpoint: str) -> None:
        if isinstance(error, RetryAfter):
            wait = retry_after_seconds(error)
            self._paused_until = max(self._paused_until, time.monotonic() + wait)
            logger.warning("flood control: %s paused %.1fs by Telegram", endpoint, wait)
            return
        wait = min(self._max_backoff, self._base_backoff * 2 ** (attempt - 1))
        logger.warning("transient %s on %s: retry in %.1fs", type(error).__name__, endpoint, wait)
        await asyncio.sleep(wait)

    def _bucket_for(self, chat_id: int | str) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = self._chats[chat_id] = TokenBucket(self._per_chat_rate, self._per_chat_burst)
            # Forget idle chats (a full bucket is one that has not sent for a while).
            if len(self._chats) > 1024:
                for key, old in list(self._chats.items())[:256]:
                    if old.is_full():
                        del self._chats[key]
        self._chats.move_to_end(chat_id)
        return bucket
