"""The emulator keeps the facts of ../shared/reference/telegram.md, driven by a real PTB ``Bot``.

One test per fact the front end's "nothing lost, nothing twice" work relies on (issue 12).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.emulator import Emulator
from bot.emulator.queries import QUERY_LIFETIME_SECONDS
from tests.emulator.support import Running

USER = 515151
TWO_DAYS = 48 * 3600
BUTTON = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="/affirm")]])


async def user_says(control: httpx.AsyncClient, text: str, user: int = USER) -> int:
    response = await control.post(f"/_emulator/users/{user}/messages", json={"text": text})
    assert response.status_code == 201, response.text
    return int(response.json()["message_id"])


async def deleted_flags(control: httpx.AsyncClient) -> list[bool]:
    view = (await control.get(f"/_emulator/users/{USER}/chat")).json()
    return [bool(m["deleted"]) for m in view["messages"]]


async def test_one_undeletable_message_fails_the_whole_batch_and_deletes_nothing(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    """Given a chat whose first two messages are over 48 hours old (aged by the control
    endpoint), When deleteMessages names them with newer ones and unknown ids, Then 400
    "message can't be deleted for everyone" and every message stays."""
    await user_says(control, "an old message")
    await bot.send_message(USER, "an old reply")
    aged = await control.post("/_emulator/clock", json={"advance": TWO_DAYS + 60})
    assert aged.status_code == 200
    newer = [await user_says(control, "new"), (await bot.send_message(USER, "reply")).message_id]
    with pytest.raises(BadRequest, match=r"^Message can't be deleted for everyone$"):
        await bot.delete_messages(USER, [1, 2, *newer, 77, 78])
    assert await deleted_flags(control) == [False, False, False, False]
    # Unknown ids alone are skipped, not an error, and the newer ones go on their own.
    assert await bot.delete_messages(USER, [*newer, 77])
    assert await deleted_flags(control) == [False, False, True, True]


async def test_a_batch_over_100_ids_is_refused(bot: Bot, control: httpx.AsyncClient) -> None:
    await user_says(control, "hi")
    with pytest.raises(BadRequest, match="Too many message identifiers"):
        await bot.delete_messages(USER, list(range(1, 102)))
    assert await deleted_flags(control) == [False]


async def test_a_callback_query_answered_after_150_seconds_is_too_old(
    bot: Bot, control: httpx.AsyncClient, emulator_server: Running
) -> None:
    """Given two button presses, When one is answered within 150 s and the other after, Then
    the late answer fails with "query is too old ... or query ID is invalid"."""
    await user_says(control, "hi")
    await bot.send_message(USER, "Safe?", reply_markup=BUTTON)
    for _ in range(2):
        await control.post(f"/_emulator/users/{USER}/press", json={"text": "Yes"})
    first, second = [u.callback_query for u in await bot.get_updates(timeout=5)][-2:]
    assert first is not None and second is not None
    emulator_server.clock.offset += QUERY_LIFETIME_SECONDS - 5
    assert await bot.answer_callback_query(first.id)
    emulator_server.clock.offset += 10
    with pytest.raises(BadRequest, match="Query is too old and response timeout expired"):
        await bot.answer_callback_query(second.id)


async def test_answer_text_is_at_most_200_characters(bot: Bot, control: httpx.AsyncClient) -> None:
    await user_says(control, "hi")
    await bot.send_message(USER, "Safe?", reply_markup=BUTTON)
    for _ in range(2):
        await control.post(f"/_emulator/users/{USER}/press", json={"text": "Yes"})
    first, second = [u.callback_query for u in await bot.get_updates(timeout=5)][-2:]
    assert first is not None and second is not None
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(first.id, text="x" * 201)
    assert await bot.answer_callback_query(second.id, text="x" * 200)


async def test_unknown_chats_are_not_found_and_blockers_forbidden(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(USER, "nobody here yet")
    await user_says(control, "hi")
    blocked = await control.post(f"/_emulator/users/{USER}/block", json={"blocked": True})
    assert blocked.json() == {"blocked": True}
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(USER, "are you there?")
    await control.post(f"/_emulator/users/{USER}/block", json={"blocked": False})
    assert await bot.send_message(USER, "welcome back")


async def test_a_person_edits_a_message_and_the_bot_gets_edited_message(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    message_id = await user_says(control, "he hit me yesterday")
    (first,) = await bot.get_updates(timeout=5)
    edited = await control.post(
        f"/_emulator/users/{USER}/messages/{message_id}/edit", json={"text": "he hit me today"}
    )
    assert edited.status_code == 200 and edited.json()["edited"] is True
    (update,) = await bot.get_updates(offset=first.update_id + 1, timeout=5)
    assert update.message is None and update.edited_message is not None
    assert update.edited_message.message_id == message_id
    assert update.edited_message.text == "he hit me today"
    assert update.edited_message.edit_date is not None
    # Only the person's own live text can be edited, and only to something different.
    bot_message = await bot.send_message(USER, "reply")
    for target, body, status in (
        (bot_message.message_id, {"text": "forged"}, 404),
        (99, {"text": "x"}, 404),
        (message_id, {"text": "he hit me today"}, 400),
        (message_id, {"text": ""}, 400),
    ):
        refused = await control.post(f"/_emulator/users/{USER}/messages/{target}/edit", json=body)
        assert refused.status_code == status, (target, body)


@pytest.mark.parametrize(
    ("text", "parse_mode", "error"),
    [
        ("<b> </b>", "HTML", "Message text is empty"),
        ("x" * 4097, None, "Message is too long"),
    ],
)
async def test_text_is_1_to_4096_characters_after_entity_parsing(
    bot: Bot, control: httpx.AsyncClient, text: str, parse_mode: str | None, error: str
) -> None:
    await user_says(control, "hi")
    with pytest.raises(BadRequest, match=error):
        await bot.send_message(USER, text, parse_mode=parse_mode)
    # Markup does not count: 4096 characters of text inside tags is allowed.
    sent = await bot.send_message(USER, f"<b>{'y' * 4096}</b>", parse_mode="HTML")
    assert sent.text == "y" * 4096


async def test_callback_data_over_64_bytes_is_refused(bot: Bot, control: httpx.AsyncClient) -> None:
    await user_says(control, "hi")
    # 32 two-byte letters are 64 bytes: allowed; one more byte is not.
    fits = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])
    assert await bot.send_message(USER, "fits", reply_markup=fits)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("no", callback_data="é" * 32 + "x")]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "too long", reply_markup=too_long)


async def test_flood_limits_30_a_second_overall_with_retry_after(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    users = list(range(USER, USER + 31))
    for user in users:
        await user_says(control, "hi", user)
    await control.post("/_emulator/flood", json={"limits": True})
    sent = await asyncio.gather(
        *(bot.send_message(user, "hello") for user in users), return_exceptions=True
    )
    refused = [answer for answer in sent if isinstance(answer, RetryAfter)]
    # Each of the 31 chats gets its first message this second, but only 30 are allowed in all.
    assert len(refused) == 1 and "Retry in 1 seconds" in str(refused[0])
    state = (await control.get("/_emulator/state")).json()
    assert state["flood"]["refused"] == 1


async def test_an_update_not_confirmed_by_a_higher_offset_is_delivered_again(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    """Long polling is at-least-once: a poller that dies before asking for a higher offset
    gets the same update (same id) again; asking for a higher offset confirms it for good."""
    await user_says(control, "first")
    await user_says(control, "second")
    delivered = await bot.get_updates(timeout=5)
    again = await bot.get_updates(timeout=0)  # no offset: nothing confirmed
    assert [u.update_id for u in again] == [u.update_id for u in delivered]
    assert len(again) == 2
    # The same offset as the first id confirms nothing either.
    assert len(await bot.get_updates(offset=delivered[0].update_id, timeout=0)) == 2
    after_first = await bot.get_updates(offset=delivered[0].update_id + 1, timeout=0)
    assert [u.update_id for u in after_first] == [delivered[1].update_id]
    assert await bot.get_updates(offset=delivered[1].update_id + 1, timeout=0) == ()


async def test_a_restarted_emulator_never_reuses_update_ids_below_a_pollers_offset() -> None:
    """The supervisor restarts a crashed emulator; the front end keeps its offset. Ids of the
    new run start above the old run's, so no new update is confirmed (lost) unseen."""
    now = [1_780_000_000.0]
    before = Emulator(clock=lambda: now[0])
    chat = before.chat_for(USER)
    for _ in range(5):
        before.user_sends(chat, "hi", {})
    offset = before.updates[-1]["update_id"] + 1
    now[0] += 1  # restarted a second later
    after = Emulator(clock=lambda: now[0])
    after.user_sends(after.chat_for(USER), "after the restart", {})
    assert after.updates[0]["update_id"] >= offset
    assert await after.get_updates(offset=offset, limit=100, timeout=0, allowed=None) != []
