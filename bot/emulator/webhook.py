"""Pushes queued updates to the bot's webhook, one at a time and in order, as Telegram does.

Each update is POSTed as JSON with ``X-Telegram-Bot-Api-Secret-Token`` when a secret was set.
A 2xx answer confirms it; anything else is retried with a growing pause and reported through
getWebhookInfo's ``last_error_date`` and ``last_error_message``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx

from bot.emulator.state import Emulator, WebhookConfig

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
FIRST_RETRY_SECONDS = 0.5
LONGEST_RETRY_SECONDS = 10.0
IDLE_WAIT_SECONDS = 30.0

logger = logging.getLogger(__name__)


class WebhookPusher:
    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._task: asyncio.Task[None] | None = None

    def restart(self) -> None:
        """Follow the emulator's current webhook: start delivering, or stop."""
        self.stop()
        config = self._emulator.webhook
        if config is not None:
            self._task = asyncio.get_running_loop().create_task(self._deliver(config))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self, config: WebhookConfig) -> None:
        headers = {SECRET_HEADER: config.secret_token} if config.secret_token else {}
        pause = FIRST_RETRY_SECONDS
        async with httpx.AsyncClient(timeout=60.0) as client:
            while self._emulator.webhook is config:
                updates = self._emulator.updates
                if not updates:
                    await self._emulator.updates_pulse.wait(IDLE_WAIT_SECONDS)
                    continue
                update = updates[0]
                error = await _post(client, config.url, update, headers)
                if error is None:
                    with contextlib.suppress(ValueError):
                        self._emulator.updates.remove(update)
                    pause = FIRST_RETRY_SECONDS
                    continue
                config.last_error_date = int(self._emulator.now())
                config.last_error_message = error
                logger.info("webhook delivery failed; retrying in %.1fs", pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, LONGEST_RETRY_SECONDS)


async def _post(
    client: httpx.AsyncClient, url: str, update: dict[str, object], headers: dict[str, str]
) -> str | None:
    try:
        response = await client.post(url, json=update, headers=headers)
    except httpx.HTTPError as error:
        return f"Connection failed: {error.__class__.__name__}"
    if 200 <= response.status_code < 300:
        return None
    return f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}"
