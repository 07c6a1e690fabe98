"""Edits, stale button presses and /exit against real Telegram's deleting rules (issue 12)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from telegram import Update
from telegram.error import BadRequest, TelegramError

from bot.core.config import Settings
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.frontdoor.telegram_render import EMERGENCY
from bot.frontdoor.wipe import DELETE_BATCH, delete_all
from tests.frontdoor.support import (
    Person,
    bot_messages,
    restart_user_ids,
    running,
    texts_of,
    until,
)

EN = catalogue(ENGLISH)


async def test_an_edit_is_refused_kindly_and_its_words_never_stored(
    rasa_down: Settings,
    control: httpx.AsyncClient,
) -> None:
    async with running(rasa_down) as (app, front_end):
        person = Person(next(restart_user_ids), control, front_end)
        await person.say("hi")
        await person.answers(1)
        sender = {"id": person.user_id, "is_bot": False, "first_name": "A"}
        edited = {
            "message_id": 1,
            "date": int(time.time()) - 5,
            "edit_date": int(time.time()),
            "chat": {"id": person.user_id, "type": "private"},
            "from": sender,
            "text": "my address is 12 Elm Road",
        }
        await app.update_queue.put(
            Update.de_json({"update_id": 910_001, "edited_message": edited}, app.bot)
        )
        chat = await person.wait_for(lambda c: len(bot_messages(c)) >= 2, "the kind word")
        assert texts_of(chat)[-1] == EN.say("edit_not_read")
        # Not sent on to Rasa: what waits for it is the first message only.
        assert person.queued() == ["hi"]
        # Done: the inbox holds no update of it any more (and kept the edit without its text).
        await until(lambda: front_end.state.unfinished() == [], "the edit done")


async def test_an_edit_that_tells_of_danger_gets_the_emergency_routes_first(
    rasa_down: Settings,
    control: httpx.AsyncClient,
) -> None:
    """Given a person who edits "hi" into a message that says he has a knife,
    when the edit arrives, then the emergency routes come first and the kind word after, and
    the edit still goes nowhere near Rasa."""
    async with running(rasa_down) as (app, front_end):
        person = Person(next(restart_user_ids), control, front_end)
        await person.say("hi")
        await person.answers(1)
        edited = {
            "message_id": 1,
            "date": int(time.time()) - 5,
            "edit_date": int(time.time()),
            "chat": {"id": person.user_id, "type": "private"},
            "from": {"id": person.user_id, "is_bot": False, "first_name": "A"},
            "text": "he has a knife",
        }
        await app.update_queue.put(
            Update.de_json({"update_id": 910_101, "edited_message": edited}, app.bot)
        )
        chat = await person.wait_for(lambda c: len(bot_messages(c)) >= 3, "the routes")
        assert texts_of(chat)[-2:] == [EN.say("emergency_routes"), EN.say("edit_not_read")]
        assert person.queued() == ["hi"]


async def test_a_press_too_old_to_answer_still_runs_its_turn(
    rasa_down: Settings,
    control: httpx.AsyncClient,
) -> None:
    """Telegram refuses to answer a callback query after about 150 s (and the emulator any
    query id it never issued): the emergency numbers must be sent all the same."""
    async with running(rasa_down) as (app, front_end):
        person = Person(next(restart_user_ids), control, front_end)
        await person.say("hi")
        (first,) = await person.answers(1)
        sender = {"id": person.user_id, "is_bot": False, "first_name": "A"}
        query = {
            "id": "stale-query",
            "from": sender,
            "chat_instance": "1",
            "data": EMERGENCY,
            "message": {
                "message_id": first["message_id"],
                "date": int(time.time()) - 200,
                "chat": {"id": person.user_id, "type": "private"},
                "text": "x",
            },
        }
        await app.update_queue.put(
            Update.de_json({"update_id": 910_002, "callback_query": query}, app.bot)
        )
        chat = await person.wait_for(lambda c: len(bot_messages(c)) >= 2, "the numbers")
        assert texts_of(chat)[-1] == EN.say("emergency_routes")


async def test_the_exit_button_is_answered_before_the_chat_is_wiped(
    rasa_down: Settings,
    control: httpx.AsyncClient,
) -> None:
    async with running(rasa_down) as (_app, front_end):
        person = Person(next(restart_user_ids), control, front_end)
        answered: list[str | None] = []
        real_delete = delete_all

        async def watching(*args: Any) -> tuple[int, int]:
            answered.append(((await person.chat()).get("last_answer") or {}).get("text"))
            return await real_delete(*args)

        import bot.frontdoor.frontend_core as frontend_module

        frontend_module.delete_all = watching  # type: ignore[assignment]
        try:
            await person.say("hi")
            await person.answers(1)
            await person.press(EN.say("quick_exit_button"))
            await person.wait_for(
                lambda c: all(m["deleted"] for m in c["messages"]), "the chat wiped"
            )
        finally:
            frontend_module.delete_all = real_delete
        assert answered == [EN.say("exit_toast")]


class StrictBot:
    """deleteMessages as real Telegram does it: one undeletable id fails the whole batch."""

    def __init__(self, undeletable: set[int]) -> None:
        self.undeletable, self.deleted, self.calls = undeletable, set[int](), 0

    async def delete_messages(self, chat_id: int, message_ids: list[int]) -> bool:
        self.calls += 1
        assert len(message_ids) <= DELETE_BATCH
        if self.undeletable & set(message_ids):
            raise BadRequest("Message can't be deleted for everyone")
        self.deleted |= set(message_ids)
        return True


async def test_one_old_message_never_keeps_a_whole_batch_on_the_phone() -> None:
    bot = StrictBot(undeletable={7, 150})
    ids = list(range(1, 251))
    deleted, failed = await delete_all(bot, 1, ids)  # type: ignore[arg-type]
    assert (deleted, failed) == (248, 2)
    assert bot.deleted == set(ids) - {7, 150}
    # Halving finds each bad id in about log2(100) calls, not one call per id.
    assert bot.calls < 40


async def test_a_batch_that_fails_for_another_reason_is_counted_not_split() -> None:
    class DownBot:
        calls = 0

        async def delete_messages(self, chat_id: int, message_ids: list[int]) -> bool:
            self.calls += 1
            raise TelegramError("network")

    bot = DownBot()
    assert await delete_all(bot, 1, list(range(1, 151))) == (0, 150)  # type: ignore[arg-type]
    assert bot.calls == 2


async def test_the_exit_says_honestly_how_many_older_messages_it_could_not_remove(
    rasa_down: Settings,
    control: httpx.AsyncClient,
) -> None:
    async with running(rasa_down) as (_app, front_end):
        person = Person(next(restart_user_ids), control, front_end)
        await person.say("hi")
        await person.answers(1)
        # A message of this chat from two days ago: past what Telegram lets a bot delete.
        two_days_ago = datetime.now(timezone.utc) - timedelta(days=2)
        front_end.state.remember_message(person.pseudonym, 9_999, two_days_ago)
        await person.say("/exit")
        chat = await person.wait_for(
            lambda c: len(bot_messages(c)) == 1 and len(c["messages"]) == 4, "the honest note"
        )
        (note,) = bot_messages(chat)
        assert texts_of(chat) == [EN.say("exit_some_left", count="1")]
        assert [m["deleted"] for m in chat["messages"]] == [True, True, True, False]
        # The note is in the trail: the next exit removes it too.
        await person.say("/exit")
        await person.wait_for(lambda c: all(m["deleted"] for m in c["messages"]), "all gone")
        assert note["message_id"]


async def test_an_exit_after_two_days_wipes_all_telegram_still_allows(
    rasa_down: Settings,
    control: httpx.AsyncClient,
) -> None:
    """Given "hello" and its answer, then two days on Telegram's clock (the front end's own
    clock does not move, so it still thinks them young), then "hello again": when the person
    exits, Telegram refuses any batch holding the old pair, and the front end still wipes
    everything else and says how many it could not remove (the emulator refuses as Telegram
    does: the whole batch fails)."""
    async with running(rasa_down) as (_app, front_end):
        person = Person(next(restart_user_ids), control, front_end)
        await person.say("hello")
        await person.answers(1)
        aged = await control.post("/_emulator/clock", json={"advance": 48 * 3600 + 60})
        assert aged.status_code == 200
        await person.say("hello again")
        await person.answers(2)
        await person.say("/exit")
        chat = await person.wait_for(
            lambda c: texts_of(c)[-1:] == [EN.say("exit_some_left", count="2")], "the note"
        )
        left = [m for m in chat["messages"] if not m["deleted"]]
        # The old pair, and the honest note about them.
        assert [m.get("text") for m in left][:1] == ["hello"]
        assert len(left) == 3
