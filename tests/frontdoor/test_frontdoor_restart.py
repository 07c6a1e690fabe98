"""Issue 12 on the real front end and the emulator: a restart loses nothing, a turn runs once.

Each test builds a FrontEnd (``telegram_app.create_app`` and ``serve``), does things, stops it,
and builds a new one on the same var/ (the same database and tracker vault), as a restart or a
crash does. A crash is a named exception raised at one step of a turn: the update is left
unfinished, as when the process dies there.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.core.config import Settings, load_settings
from bot.core.db.local_setup import create_local_setup
from bot.core.db.store import Delivery
from bot.core.message_metadata import UPDATE_ID_KEY
from bot.core.tracker_vault import tracker_vault_for
from bot.frontdoor import telegram_app
from bot.frontdoor.rasa_client import WEBHOOK_PATH
from bot.frontdoor.telegram_frontend import GREET_PAYLOAD, FrontEnd

# The emulator's fixtures, served in-process (tests/emulator/conftest.py).
from tests.emulator.conftest import (  # noqa: F401 - pytest fixtures, found by name
    TOKEN,
    Running,
    control,
    emulator_server,
    served,
)
from tests.frontdoor.test_telegram_frontend import Person, bot_messages, plain
from tests.support import free_port

LONG_PAYLOAD = '/inform{"help_type": "safe_place_to_stay", "contact_time": "weekday_morning"}'
_next_user = iter(range(7_000_001, 8_000_000))
# One send time for every copy of a crafted update: Telegram redelivers an update unchanged.
SENT_AT = int(time.time())


class InjectedCrashError(Exception):
    """Raised at one step of a turn to stand for the process dying there."""


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
        answer = f"answer to {body['message']}"
        metadata = {UPDATE_ID_KEY: body["update_id"]} if "update_id" in body else {}
        events += [
            {"event": "user", "text": body["message"], "metadata": metadata},
            {"event": "bot", "text": answer, "data": {}},
        ]
        vault.put(body["sender"], json.dumps({"events": events}).encode())
        return JSONResponse([{"text": answer}])

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


@pytest.fixture
def rasa_down(emulator_server: Running, tmp_path: Path) -> Settings:  # noqa: F811
    # Nothing listens there: the real client fails as it does when Rasa is stopped.
    return settings_for(emulator_server, tmp_path / "var", f"http://127.0.0.1:{free_port()}")


@pytest.fixture
def rasa(emulator_server: Running, tmp_path: Path) -> Any:  # noqa: F811
    settings = settings_for(emulator_server, tmp_path / "var", "http://127.0.0.1:1")
    fake = FakeRasa(settings)
    app = Starlette(routes=[Route(WEBHOOK_PATH, fake.webhook, methods=["POST"])])
    with served(app) as url:
        fake.settings = dataclasses.replace(settings, rasa_url=url)
        yield fake


async def until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 15
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def texts_of(chat: dict[str, Any]) -> list[str]:
    return [plain(message["text"]) for message in bot_messages(chat)]


async def test_after_a_restart_the_waiting_room_trail_relay_language_and_buttons_carry_on(
    rasa_down: Settings,
    control: httpx.AsyncClient,  # noqa: F811 - the fixture imported above, by name
) -> None:
    """Given a person who chose Polish, wrote while the assistant was down and was written to
    by their caseworker, When the front end restarts, Then what waited is still waiting, in
    order, the language and the caseworker conversation hold, a long button still works, and
    /exit deletes every message, those sent before the restart too."""
    async with running(rasa_down) as (app, first):
        person = Person(next(_next_user), control, first)
        await person.say("/start")
        await person.answers(1)
        await person.press("Polski")
        await person.answers(2)
        await person.say("on zabiera mi pieniądze")
        await person.answers(3)
        short = first.codec.encode(LONG_PAYLOAD)
        delivery = Delivery("d1", person.pseudonym, "Dzień dobry", from_caseworker=True)
        assert await first.deliver(app.bot, person.user_id, delivery) is not None
    before = (await person.chat())["messages"]
    assert len(before) == 6 and not any(m["deleted"] for m in before)

    async with running(rasa_down) as (app, second):
        person.front_end = second
        assert person.queued() == [GREET_PAYLOAD, "on zabiera mi pieniądze"]
        assert second.language(person.user_id) == "pl"
        assert second.state.with_caseworker(person.pseudonym)
        assert second.codec.decode(short) == LONG_PAYLOAD
        await person.say("/exit")
        chat = await person.wait_for(
            lambda c: len(c["messages"]) == 7 and all(m["deleted"] for m in c["messages"]),
            "every message deleted, those from before the restart too",
        )
        assert person.queued() == []
        assert second.language(person.user_id) is None
        assert not second.state.with_caseworker(person.pseudonym)
        assert second.state.trail_count(person.pseudonym) == 0
        assert len(chat["messages"]) == 7


def update_from(user_id: int, update_id: int, text: str, app: Application) -> Update:  # type: ignore[type-arg]
    sender = {"id": user_id, "is_bot": False, "first_name": "A"}
    message = {
        "message_id": 10_000 + update_id % 10_000,
        "date": SENT_AT,
        "chat": {"id": user_id, "type": "private"},
        "from": sender,
        "text": text,
    }
    return Update.de_json({"update_id": update_id, "message": message}, app.bot)


async def test_the_same_update_delivered_twice_is_one_turn_even_across_a_restart(
    rasa: FakeRasa,
    control: httpx.AsyncClient,  # noqa: F811 - the fixture imported above, by name
) -> None:
    async with running(rasa.settings) as (app, first):
        person = Person(next(_next_user), control, first)
        await person.say("hi")  # opens the chat in the emulator
        await person.answers(1)
        again = update_from(person.user_id, 900_001, "hello", app)
        # What polling and the webhook both do with an update: put it on the queue.
        await app.update_queue.put(again)
        await app.update_queue.put(again)
        await person.answers(2)
        await asyncio.sleep(0.5)
    async with running(rasa.settings) as (app, _second):
        await app.update_queue.put(update_from(person.user_id, 900_001, "hello", app))
        await asyncio.sleep(0.5)
    assert rasa.asked("hello") == 1
    assert texts_of(await person.chat()).count("answer to hello") == 1
    assert rasa.calls[-1]["update_id"] == 900_001


@pytest.mark.parametrize("step", ["before_rasa", "after_rasa_answered"])
async def test_a_crash_mid_turn_loses_nothing_and_repeats_nothing(
    rasa: FakeRasa,
    control: httpx.AsyncClient,  # noqa: F811 - the fixture imported above, by name
    step: str,
) -> None:
    """Given a turn that dies before Rasa is asked, or after Rasa answered but before the
    answer was sent, When the front end starts again, Then the turn is finished from the
    inbox: Rasa is asked exactly once and the answer is shown exactly once."""
    async with running(rasa.settings) as (_app, first):
        person = Person(next(_next_user), control, first)
        if step == "before_rasa":

            async def crash_before(*_args: object, **_kwargs: object) -> Any:
                raise InjectedCrashError

            first.rasa.send = crash_before  # type: ignore[method-assign]
        else:

            async def crash_after(*_args: object, **_kwargs: object) -> None:
                raise InjectedCrashError

            first.send_turn = crash_after  # type: ignore[method-assign]
        await person.say("hello")
        await until(lambda: bool(first.state.unfinished()), "the turn left unfinished")
        expected_calls = 1 if step == "after_rasa_answered" else 0
        await until(lambda: rasa.asked("hello") == expected_calls, "the crash")
        assert texts_of(await person.chat()) == []

    async with running(rasa.settings) as (_app, second):
        person.front_end = second
        chat = await person.wait_for(lambda c: len(bot_messages(c)) >= 1, "the answer")
        await asyncio.sleep(0.5)
        assert second.state.unfinished() == []
    chat = await person.chat()
    assert texts_of(chat) == ["answer to hello"]
    assert rasa.asked("hello") == 1


async def test_an_update_that_fails_again_when_replayed_is_given_up_not_replayed_forever(
    rasa: FakeRasa,
    control: httpx.AsyncClient,  # noqa: F811 - the fixture imported above, by name
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def crash(*_args: object, **_kwargs: object) -> None:
        raise InjectedCrashError

    # Every FrontEnd built in this test fails at sending a turn.
    monkeypatch.setattr(FrontEnd, "send_turn", crash)
    async with running(rasa.settings) as (_app, first):
        person = Person(next(_next_user), control, first)
        await person.say("hello")
        await until(lambda: bool(first.state.unfinished()), "the turn left unfinished")
    async with running(rasa.settings) as (_app, second):
        # Replayed once at start-up (Rasa not asked again), failed again, given up.
        assert second.state.unfinished() == []
    assert rasa.asked("hello") == 1
