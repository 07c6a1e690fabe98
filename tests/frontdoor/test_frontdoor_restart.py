"""Issue 12 on the real front end and the emulator: a restart loses nothing, a turn runs once.

Each test builds a FrontEnd (``telegram_app.create_app`` and ``serve``), does things, stops it,
and builds a new one on the same var/ (the same database and tracker vault), as a restart or a
crash does. A crash is a named exception raised at one step of a turn: the update is left
unfinished, as when the process dies there.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.ext import Application

from bot.core.config import Settings
from bot.core.db.store import Delivery
from bot.frontdoor.telegram_frontend import GREET_PAYLOAD, FrontEnd
from tests.frontdoor.support import (
    FakeRasa,
    Person,
    bot_messages,
    restart_user_ids,
    running,
    texts_of,
    until,
)

LONG_PAYLOAD = '/inform{"help_type": "safe_place_to_stay", "contact_time": "weekday_morning"}'
# One send time for every copy of a crafted update: Telegram redelivers an update unchanged.
SENT_AT = int(time.time())


class InjectedCrashError(Exception):
    """Raised at one step of a turn to stand for the process dying there."""


async def test_after_a_restart_the_waiting_room_trail_relay_language_and_buttons_carry_on(
    rasa_down: Settings,
    control: httpx.AsyncClient,
) -> None:
    """Given a person who chose Polish, wrote while the assistant was down and was written to
    by their caseworker, When the front end restarts, Then what waited is still waiting, in
    order, the language and the caseworker conversation hold, a long button still works, and
    /exit deletes every message, those sent before the restart too."""
    async with running(rasa_down) as (app, first):
        person = Person(next(restart_user_ids), control, first)
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
    control: httpx.AsyncClient,
) -> None:
    async with running(rasa.settings) as (app, first):
        person = Person(next(restart_user_ids), control, first)
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
    control: httpx.AsyncClient,
    step: str,
) -> None:
    """Given a turn that dies before Rasa is asked, or after Rasa answered but before the
    answer was sent, When the front end starts again, Then the turn is finished from the
    inbox: Rasa is asked exactly once and the answer is shown exactly once."""
    async with running(rasa.settings) as (_app, first):
        person = Person(next(restart_user_ids), control, first)
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


async def test_a_crash_half_way_through_an_answer_sends_only_the_rest_after_the_restart(
    rasa: FakeRasa,
    control: httpx.AsyncClient,
) -> None:
    """Given an answer of three messages, and a crash as the second is being sent, When the
    front end starts again, Then the person sees each of the three once, in order, and Rasa
    was asked once."""
    async with running(rasa.settings) as (_app, first):
        person = Person(next(restart_user_ids), control, first)
        send = first.send

        async def crash_at_the_second(*args: Any, **kwargs: Any) -> int | None:
            if kwargs.get("shown") is not None and kwargs["shown"][1] == 2:
                raise InjectedCrashError
            return await send(*args, **kwargs)

        first.send = crash_at_the_second  # type: ignore[method-assign]
        await person.say("in parts, please")
        await until(lambda: bool(first.state.unfinished()), "the turn left unfinished")
        await person.wait_for(lambda c: len(bot_messages(c)) >= 1, "the first part")

    async with running(rasa.settings) as (_app, second):
        person.front_end = second
        await person.wait_for(lambda c: len(bot_messages(c)) >= 3, "the rest of the answer")
        await asyncio.sleep(0.5)
        assert second.state.unfinished() == []
    assert texts_of(await person.chat()) == [
        "first answer to in parts, please",
        "second answer to in parts, please",
        "third answer to in parts, please",
    ]
    assert rasa.asked("in parts, please") == 1


async def test_an_update_that_fails_again_when_replayed_is_given_up_not_replayed_forever(
    rasa: FakeRasa,
    control: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def crash(*_args: object, **_kwargs: object) -> None:
        raise InjectedCrashError

    # Every FrontEnd built in this test fails at sending a turn.
    monkeypatch.setattr(FrontEnd, "send_turn", crash)
    async with running(rasa.settings) as (_app, first):
        person = Person(next(restart_user_ids), control, first)
        await person.say("hello")
        await until(lambda: bool(first.state.unfinished()), "the turn left unfinished")
    async with running(rasa.settings) as (_app, second):
        # Replayed once at start-up (Rasa not asked again), failed again, given up.
        assert second.state.unfinished() == []
    assert rasa.asked("hello") == 1
