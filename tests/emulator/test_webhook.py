"""Webhook mode: updates pushed to the bot with the secret-token header, getUpdates refused."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.error import BadRequest, Conflict

from tests.emulator.support import Running, served

USER = 515151
SECRET = "s3cret-Token_1"


@dataclass
class Receiver:
    """A tiny webhook endpoint that records what it is sent and answers ``status``."""

    status: int = 200
    received: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)

    async def endpoint(self, request: Request) -> Response:
        header = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((header, await request.json()))
        return Response(status_code=self.status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.endpoint, methods=["POST"])])


async def eventually(check: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_updates_are_pushed_with_the_secret_header(
    bot: Bot, control: httpx.AsyncClient, emulator_server: Running
) -> None:
    receiver = Receiver()
    with served(receiver.app()) as url:
        assert await bot.set_webhook(f"{url}/hook", secret_token=SECRET)
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        await control.post(f"/_emulator/users/{USER}/messages", json={"text": "hello"})
        await control.post(f"/_emulator/users/{USER}/messages", json={"text": "again"})
        await eventually(lambda: len(receiver.received) == 2)
        headers = [header for header, _ in receiver.received]
        assert headers == [SECRET, SECRET]
        updates = [Update.de_json(body, bot) for _, body in receiver.received]
        assert [u.message.text for u in updates if u.message] == ["hello", "again"]
        assert updates[0].update_id + 1 == updates[1].update_id
        await eventually(lambda: not emulator_server.emulator.updates)
        info = await bot.get_webhook_info()
        assert info.url == f"{url}/hook" and info.pending_update_count == 0
        assert await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_a_refusing_webhook_keeps_the_update_and_reports_the_error(
    bot: Bot, control: httpx.AsyncClient, emulator_server: Running
) -> None:
    """Given a webhook that answers 403 (wrong secret on the bot's side), Then the update stays
    pending, getWebhookInfo reports the error, and it is delivered once the hook accepts."""
    receiver = Receiver(status=403)
    with served(receiver.app()) as url:
        await bot.set_webhook(f"{url}/hook", secret_token=SECRET)
        await control.post(f"/_emulator/users/{USER}/messages", json={"text": "hello"})
        await eventually(lambda: len(receiver.received) >= 1)
        await asyncio.sleep(0.1)
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1
        assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
        receiver.status = 200
        await eventually(lambda: len(receiver.received) >= 2, seconds=8)
        await eventually(lambda: not emulator_server.emulator.updates)
        assert (await bot.get_webhook_info()).pending_update_count == 0
        assert {body["update_id"] for _, body in receiver.received} == {
            receiver.received[0][1]["update_id"]
        }


async def test_webhook_settings_are_validated(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("ftp://example.invalid/hook")
    with pytest.raises(BadRequest, match="unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="no spaces allowed")
