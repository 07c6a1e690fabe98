"""The front door's test helpers: a person in the emulator, the real front end started on it,
a Rasa stand-in that keeps trackers as Rasa does, and ways to wait and read a chat."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from telegram.ext import Application

from bot.core.config import Settings, load_settings
from bot.core.crypto import KdfParams, OrganisationPrivateKey
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.local_setup import create_local_setup
from bot.core.db.organisations import Credentials, create_organisation
from bot.core.db.store import Database, create_engine_for
from bot.core.key_pins import pin_key
from bot.core.locale import LEFT_TO_RIGHT_ISOLATE, POP_DIRECTIONAL_ISOLATE
from bot.core.message_metadata import UPDATE_ID_KEY
from bot.core.tracker_vault import tracker_vault_for
from bot.frontdoor import telegram_app
from bot.frontdoor.telegram_frontend import FrontEnd
from tests.emulator.support import TOKEN, Running

Chat = dict[str, Any]
PASSPHRASE = "admin passphrase for tests"
WAIT_SECONDS = 15.0
RASA_TIMEOUT_SECONDS = 2
# Telegram user ids: one run for the ``person`` fixture and the tests beside it
# (test_telegram_frontend.py), one for the tests that restart the front end.
person_ids = iter(range(5_000_001, 6_000_000))
restart_user_ids = iter(range(7_000_001, 8_000_000))


def bot_messages(chat: Chat) -> list[dict[str, Any]]:
    return [m for m in chat["messages"] if m["from"] == "bot" and not m["deleted"]]


def plain(text: str | None) -> str:
    """Without the isolates that keep numbers upright in right-to-left text."""
    return (text or "").replace(LEFT_TO_RIGHT_ISOLATE, "").replace(POP_DIRECTIONAL_ISOLATE, "")


@dataclass
class Person:
    """One Telegram user in the emulator, and the front end's view of them."""

    user_id: int
    control: httpx.AsyncClient
    front_end: FrontEnd

    @property
    def pseudonym(self) -> str:
        return self.front_end.pseudonym(self.user_id)

    def queued(self) -> list[str]:
        """What the front end holds for Rasa, in the order it will send it."""
        return self.front_end.state.waiting_texts(self.pseudonym)

    async def send(self, **content: object) -> None:
        sent = await self.control.post(f"/_emulator/users/{self.user_id}/messages", json=content)
        assert sent.status_code == 201, sent.text

    async def say(self, text: str) -> None:
        await self.send(text=text)

    async def press(self, label: str) -> None:
        pressed = await self.control.post(
            f"/_emulator/users/{self.user_id}/press", json={"text": label}
        )
        assert pressed.status_code == 201, pressed.text

    async def chat(self) -> Chat:
        answer: Chat = (await self.control.get(f"/_emulator/users/{self.user_id}/chat")).json()
        return answer

    async def wait_for(self, done: Callable[[Chat], bool], what: str) -> Chat:
        deadline = time.monotonic() + WAIT_SECONDS
        chat = await self.chat()
        while not done(chat):
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {chat}"
            reply = await self.control.get(
                f"/_emulator/users/{self.user_id}/chat",
                params={"since": chat["version"], "wait": 2},
            )
            chat = reply.json()
        return chat

    async def answers(self, count: int) -> list[dict[str, Any]]:
        """The bot's messages once there are ``count`` of them."""
        chat = await self.wait_for(lambda c: len(bot_messages(c)) >= count, f"{count} answers")
        return bot_messages(chat)


@contextlib.asynccontextmanager
async def front_end_on(emulator: Running, var_dir: Path, rasa_url: str) -> AsyncIterator[FrontEnd]:
    """The real front end on the emulator, a var/ as ``make keys`` leaves it, Rasa at
    ``rasa_url`` given two seconds to answer."""
    settings = load_settings(
        {
            "LANTERN_VAR_DIR": str(var_dir),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "LANTERN_TELEGRAM_BASE_URL": emulator.base_url,
            "LANTERN_RASA_URL": rasa_url,
            "LANTERN_RASA_TIMEOUT_SECONDS": str(RASA_TIMEOUT_SECONDS),
        }
    )
    create_local_setup(settings)
    app = telegram_app.create_app(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(telegram_app.serve(app, settings, stop))
    try:
        yield telegram_app.front_end_of(app)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=15)


@dataclass
class FakeRasa:
    """Rasa's frontdoor channel as the front end sees it, keeping trackers as Rasa's store
    does: sealed in the same vault, the update_id in the user event's metadata."""

    settings: Settings
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def webhook(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.calls.append(body)
        vault = tracker_vault_for(self.settings)
        earlier = vault.get(body["sender"])
        events = json.loads(earlier)["events"] if earlier else []
        # "in parts: ..." gets an answer of three messages, as many of Rasa's turns are.
        parts = ("first", "second", "third") if body["message"].startswith("in parts") else ("",)
        answers = [f"{part} answer to {body['message']}".lstrip() for part in parts]
        metadata = {UPDATE_ID_KEY: body["update_id"]} if "update_id" in body else {}
        events += [{"event": "user", "text": body["message"], "metadata": metadata}]
        events += [{"event": "bot", "text": answer, "data": {}} for answer in answers]
        vault.put(body["sender"], json.dumps({"events": events}).encode())
        return JSONResponse([{"text": answer} for answer in answers])

    def asked(self, message: str) -> int:
        return sum(1 for call in self.calls if call["message"] == message)


def settings_for(emulator: Running, var_dir: Path, rasa_url: str) -> Settings:
    return load_settings(
        {
            "LANTERN_VAR_DIR": str(var_dir),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "LANTERN_TELEGRAM_BASE_URL": emulator.base_url,
            "LANTERN_RASA_URL": rasa_url,
            "LANTERN_RASA_TIMEOUT_SECONDS": "2",
        }
    )


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[Application, FrontEnd]]:  # type: ignore[type-arg]
    create_local_setup(settings)
    app = telegram_app.create_app(settings)
    stop = asyncio.Event()
    serving = asyncio.create_task(telegram_app.serve(app, settings, stop))
    try:
        # Started once the replay of what the last one left has run and polling is on.
        deadline = time.monotonic() + 15
        while not app.running:
            assert time.monotonic() < deadline, "the front end did not start"
            await asyncio.sleep(0.05)
        yield app, telegram_app.front_end_of(app)
    finally:
        stop.set()
        await asyncio.wait_for(serving, timeout=15)


async def until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 15
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def texts_of(chat: dict[str, Any]) -> list[str]:
    return [plain(message["text"]) for message in bot_messages(chat)]


def pinned_partner(settings: Settings) -> tuple[str, dict[str, OrganisationPrivateKey]]:
    """A partner charity whose key this deployment pins, made before the front end starts, as
    `python -m bot staff create-organisation` does (the front end reads its pins at start-up)."""
    create_local_setup(settings)
    db = Database(create_engine_for(settings))
    with db.transaction() as session:
        org = create_organisation(
            session, "Partner", Credentials("partner", PASSPHRASE), db.now(), kdf=KdfParams(8, 1, 1)
        )
    pin_key(settings.organisation_key_pins_file, org.organisation_id, org.key_id)
    with db.transaction() as session:
        keys = unlock_organisation_keys(session, org.admin.staff_id, PASSPHRASE)
    return org.organisation_id, keys
