"""The emulator driven by a real python-telegram-bot ``Bot``, as the front end will drive it."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import BadRequest, Conflict, Forbidden, RetryAfter

from tests.emulator.support import TOKEN, Running

USER = 424242
TWO_DAYS = 48 * 3600
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Yes", callback_data="/affirm")],
        [InlineKeyboardButton("No", callback_data="/deny")],
    ]
)


async def user_says(control: httpx.AsyncClient, body: dict[str, object]) -> dict[str, object]:
    response = await control.post(f"/_emulator/users/{USER}/messages", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def chat(control: httpx.AsyncClient) -> list[dict[str, object]]:
    response = await control.get(f"/_emulator/users/{USER}/chat")
    return list(response.json()["messages"])


async def test_get_me_describes_a_bot_named_by_the_token(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "lantern_local_bot"
    assert me.id == int(TOKEN.split(":")[0])


async def test_long_poll_waits_for_a_message_then_a_button_press(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    """Given a long poll in progress, When the person writes /start, Then it returns at once
    with a message carrying a bot_command entity; a pressed button arrives as a callback query."""
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.3)
    assert not poll.done()
    await user_says(control, {"text": "/start please"})
    updates = await asyncio.wait_for(poll, timeout=5)
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start please"
    assert message.chat.id == USER and message.chat.type == "private"
    assert message.parse_entities(["bot_command"]) == {message.entities[0]: "/start"}

    sent = await bot.send_message(USER, "Are you safe?", reply_markup=KEYBOARD)
    assert sent.reply_markup == KEYBOARD
    pressed = await control.post(f"/_emulator/users/{USER}/press", json={"text": "No"})
    assert pressed.status_code == 201
    updates = await bot.get_updates(offset=updates[0].update_id + 1, timeout=5)
    query = updates[0].callback_query
    assert query is not None and query.data == "/deny"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.from_user.id == USER
    assert await bot.answer_callback_query(query.id, text="Noted")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    # The offset confirms what was received: nothing is delivered twice.
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_chat_view_lists_both_sides_with_keyboard_rows(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    await user_says(control, {"text": "hello"})
    await bot.send_message(
        USER, "<b>Hi</b> &amp; welcome", parse_mode="HTML", reply_markup=KEYBOARD
    )
    messages = await chat(control)
    assert [(m["from"], m["text"]) for m in messages] == [
        ("user", "hello"),
        ("bot", "Hi & welcome"),
    ]
    assert messages[1]["buttons"] == [
        [{"text": "Yes", "callback_data": "/affirm"}],
        [{"text": "No", "callback_data": "/deny"}],
    ]
    missing = await control.post(f"/_emulator/users/{USER}/press", json={"data": "/other"})
    assert missing.status_code == 404
    assert "error" in missing.json()


async def test_delete_messages_marks_the_whole_chat_deleted(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    await user_says(control, {"text": "something private"})
    await bot.send_message(USER, "reply one")
    await bot.send_message(USER, "reply two", reply_markup=KEYBOARD)
    ids = [int(str(m["message_id"])) for m in await chat(control)]
    assert await bot.delete_messages(USER, [*ids, 999])  # unknown ids are skipped
    messages = await chat(control)
    assert all(m["deleted"] and m["text"] is None and m["buttons"] == [] for m in messages)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, ids[0])
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("edited", USER, ids[1])


async def test_messages_older_than_48_hours_cannot_be_deleted(
    bot: Bot, control: httpx.AsyncClient, emulator_server: Running
) -> None:
    """Given a message sent just over 48 hours ago, When the bot deletes it, alone or in a batch
    with newer ones, Then Telegram's "message can't be deleted for everyone" comes back and
    nothing in the batch is deleted; a batch of only newer ones goes."""
    await user_says(control, {"text": "old"})
    old = await bot.send_message(USER, "old reply")
    emulator_server.clock.offset += TWO_DAYS + 1
    fresh = await bot.send_message(USER, "new reply")
    with pytest.raises(BadRequest, match="Message can't be deleted for everyone"):
        await bot.delete_message(USER, old.message_id)
    with pytest.raises(BadRequest, match="Message can't be deleted for everyone"):
        await bot.delete_messages(USER, [1, old.message_id, fresh.message_id, 999])
    assert [m["deleted"] for m in await chat(control)] == [False, False, False]
    assert await bot.delete_messages(USER, [fresh.message_id, 999])
    assert [m["deleted"] for m in await chat(control)] == [False, False, True]


async def test_clock_control_ages_messages(bot: Bot, control: httpx.AsyncClient) -> None:
    sent_by_user = await user_says(control, {"text": "hi"})
    moved = await control.post("/_emulator/clock", json={"advance": TWO_DAYS - 60})
    assert moved.status_code == 200
    assert await bot.delete_message(USER, int(str(sent_by_user["message_id"])))


async def test_scripted_flood_raises_retry_after(bot: Bot, control: httpx.AsyncClient) -> None:
    await user_says(control, {"text": "hi"})
    switched = await control.post("/_emulator/flood", json={"retry_after": 3, "count": 2})
    assert switched.json()["count"] == 2
    for _ in range(2):
        # PTB puts retry_after in the message; reading the attribute is deprecated in 22.2+.
        with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
            await bot.send_message(USER, "too fast")
    await bot.send_message(USER, "now it goes")
    assert [m["text"] for m in await chat(control)] == ["hi", "now it goes"]


async def test_rate_limit_mode_allows_one_message_per_second_per_chat(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    await user_says(control, {"text": "hi"})
    await control.post("/_emulator/flood", json={"limits": True})
    await bot.send_message(USER, "first")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "second, too soon")
    await asyncio.sleep(1.05)
    await bot.send_message(USER, "second, after a pause")


async def test_edits_replace_text_and_drop_or_keep_the_keyboard(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    await user_says(control, {"text": "hi"})
    sent = await bot.send_message(USER, "Choose", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text("Chosen: yes", USER, sent.message_id)
    assert isinstance(edited, object) and getattr(edited, "edit_date", None) is not None
    assert (await chat(control))[1]["buttons"] == []
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="can't be edited"):
        await bot.edit_message_text("not mine", USER, 1)


async def test_location_contact_and_media_arrive_as_telegram_objects(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    await user_says(control, {"location": {"latitude": 53.48, "longitude": -2.24}})
    await user_says(control, {"contact": True})
    for kind in ("photo", "voice", "sticker", "document"):
        await user_says(control, {kind: True})
    messages = [update.message for update in await bot.get_updates(timeout=1)]
    assert all(message is not None for message in messages)
    first, second, photo, voice, sticker, document = messages
    assert first is not None and first.location is not None and first.location.latitude == 53.48
    assert second is not None and second.contact is not None and second.contact.phone_number
    assert photo is not None and len(photo.photo) == 2
    assert voice is not None and voice.voice is not None
    assert sticker is not None and sticker.sticker is not None
    assert document is not None and document.document is not None
    assert await bot.delete_message(USER, first.message_id)
    assert (await chat(control))[0] == (await chat(control))[0] | {"deleted": True, "kind": "text"}


async def test_allowed_updates_filters_new_updates(bot: Bot, control: httpx.AsyncClient) -> None:
    await bot.get_updates(timeout=0, allowed_updates=["message"])
    await user_says(control, {"text": "hi"})
    await bot.send_message(USER, "Choose", reply_markup=KEYBOARD)
    await control.post(f"/_emulator/users/{USER}/press", json={"data": "/affirm"})
    updates = await bot.get_updates(timeout=0)
    assert [update.message is not None for update in updates] == [True]


async def test_a_second_bot_instance_ends_the_first_long_poll_with_conflict(
    bot: Bot, emulator_server: Running
) -> None:
    """Given one instance long-polling, When a second instance polls with the same token,
    Then the first poll ends with Telegram's Conflict, as when two front ends run at once."""
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.3)
    async with Bot(TOKEN, base_url=emulator_server.base_url) as other:
        second = asyncio.create_task(other.get_updates(timeout=1))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, timeout=5)
        assert await second == ()


async def test_writing_to_strangers_or_blockers_fails_as_on_telegram(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    # Telegram: a user who never started the bot, or an unknown id, is "chat not found".
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(USER + 1, "hello stranger")
    await user_says(control, {"text": "hi"})
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, " ")
    await control.post(f"/_emulator/users/{USER}/block", json={"blocked": True})
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(USER, "still there?")


async def test_command_menus_are_kept_per_scope_and_language(bot: Bot) -> None:

    menu = [BotCommand("exit", "Quick exit"), BotCommand("help", "How this works")]
    assert await bot.set_my_commands(menu)
    assert await bot.set_my_commands([BotCommand("aide", "Aide")], language_code="fr")
    assert [c.command for c in await bot.get_my_commands()] == ["exit", "help"]
    assert [c.command for c in await bot.get_my_commands(language_code="fr")] == ["aide"]
    # No fallback: another scope has its own, empty, list.
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Exit", "Quick exit")])
    with pytest.raises(BadRequest, match="description must be non-empty"):
        await bot.set_my_commands([BotCommand("exit", " ")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
