"""A group chat the bot is in (e.g. a staff group), driven by a real python-telegram-bot ``Bot``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden

from tests.emulator.support import TOKEN

GROUP = -4012345678


async def make_group(control: httpx.AsyncClient, chat_id: int = GROUP) -> dict[str, object]:
    response = await control.post(f"/_emulator/groups/{chat_id}", json={"title": "Staff"})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def group_messages(control: httpx.AsyncClient, chat_id: int = GROUP) -> list[Any]:
    response = await control.get(f"/_emulator/groups/{chat_id}/chat")
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


async def test_the_bot_writes_into_a_group_and_the_message_says_so(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    """Given a group made through the control API, When the bot sends to its negative id, Then
    Telegram's Message comes back with a group chat, and the control API lists it."""
    created = await make_group(control)
    assert created == {
        "chat_id": GROUP,
        "type": "group",
        "title": "Staff",
        "version": 0,
        "kicked": False,
        "migrated_to": None,
        "messages": [],
    }

    sent = await bot.send_message(GROUP, "2 new handoffs in the queue")

    assert (sent.chat.id, sent.chat.type, sent.chat.title) == (GROUP, "group", "Staff")
    assert sent.from_user is not None and sent.from_user.is_bot
    messages = await group_messages(control)
    assert [(m["from"], m["text"]) for m in messages] == [("bot", "2 new handoffs in the queue")]
    state = (await control.get("/_emulator/state")).json()
    assert state["groups"] == [GROUP] and state["users"] == []


async def test_a_group_view_waits_for_the_bots_next_message(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    await make_group(control)
    waiting = asyncio.create_task(
        control.get(f"/_emulator/groups/{GROUP}/chat", params={"since": 0, "wait": 5})
    )
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await bot.send_message(GROUP, "ping")
    answer = await asyncio.wait_for(waiting, timeout=5)
    assert answer.json()["version"] == 1


async def test_an_id_starting_minus_100_is_a_supergroup(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    await make_group(control, -1001234567890)
    sent = await bot.send_message(-1001234567890, "hello")
    assert sent.chat.type == "supergroup"


async def test_unknown_and_kicked_groups_fail_as_on_telegram(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    """A group the bot is not in: "chat not found"; removed from it: 403 until it is back."""
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(GROUP, "hello")
    await make_group(control)
    kicked = await control.post(f"/_emulator/groups/{GROUP}/kick", json={})
    assert kicked.json() == {"kicked": True}

    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(GROUP, "hello")

    await control.post(f"/_emulator/groups/{GROUP}/kick", json={"kicked": False})
    assert (await bot.send_message(GROUP, "back")).text == "back"


async def test_an_upgraded_group_answers_with_its_new_id(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    """Given a basic group upgraded to a supergroup, When the bot sends to the old id, Then
    Telegram's 400 carries migrate_to_chat_id (PTB's ChatMigrated) and the new id works."""
    await make_group(control)
    upgraded = await control.post(f"/_emulator/groups/{GROUP}/upgrade")
    assert upgraded.status_code == 201
    new_id = upgraded.json()["chat_id"]
    assert str(new_id).startswith("-100") and upgraded.json()["type"] == "supergroup"

    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(GROUP, "hello")

    assert migrated.value.new_chat_id == new_id
    assert (await bot.send_message(new_id, "hello")).chat.type == "supergroup"
    raw = await control.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": GROUP, "text": "x"})
    assert raw.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": new_id},
    }
    again = await control.post(f"/_emulator/groups/{GROUP}/upgrade")
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/_emulator/groups/42", 400),
        ("POST", "/_emulator/groups/-0", 400),
        ("POST", "/_emulator/groups/abc", 400),
        ("GET", f"/_emulator/groups/{GROUP}/chat", 404),
        ("POST", f"/_emulator/groups/{GROUP}/kick", 404),
        ("POST", f"/_emulator/groups/{GROUP}/upgrade", 404),
    ],
)
async def test_bad_group_requests_get_json_errors(
    control: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await control.request(method, path, json={})
    assert response.status_code == status
    assert response.json()["ok"] is False


async def test_making_a_group_twice_keeps_it_and_reset_forgets_it(
    bot: Bot, control: httpx.AsyncClient
) -> None:
    await make_group(control)
    await bot.send_message(GROUP, "kept")
    again = await control.post(f"/_emulator/groups/{GROUP}", json={"title": "Other"})
    assert again.status_code == 200
    assert again.json()["title"] == "Staff" and len(again.json()["messages"]) == 1
    await control.post("/_emulator/reset")
    assert (await control.get(f"/_emulator/groups/{GROUP}/chat")).status_code == 404
