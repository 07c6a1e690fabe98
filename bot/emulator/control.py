"""The control API under ``/_emulator/``: act as a person, inspect chats and groups, flood control.

Bodies are JSON objects; anything else is answered 400 with ``{"ok": false, "error": ...}``.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.emulator.chat import Chat
from bot.emulator.errors import ControlError
from bot.emulator.flood import DEFAULT_METHODS
from bot.emulator.objects import MAX_TEXT_LENGTH, MEDIA_KINDS, media_content
from bot.emulator.state import Emulator

MAX_USER_ID = 2**52  # Telegram promises user ids fit in 52 bits
MAX_CHAT_WAIT_SECONDS = 30.0
DEFAULT_GROUP_TITLE = "Lantern staff"
_GROUP_ID = re.compile(r"-[1-9][0-9]{0,15}")


class ControlApi:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def user_message(self, request: Request) -> JSONResponse:
        body = await _json_body(request)
        chat = self.emulator.chat_for(
            _user_id(request),
            _optional_text(body, "first_name"),
            _optional_text(body, "language_code"),
        )
        kinds = [kind for kind in MEDIA_KINDS if body.get(kind)]
        text = body.get("text")
        if text is not None and (not isinstance(text, str) or not text or kinds):
            raise ControlError(400, "give either a non-empty text or one media kind")
        if text is None and len(kinds) != 1:
            raise ControlError(400, f"give a text or exactly one of: {', '.join(MEDIA_KINDS)}")
        if text is not None and len(text) > MAX_TEXT_LENGTH:
            raise ControlError(400, "text longer than Telegram's 4096 characters")
        try:
            content = (
                {}
                if text
                else media_content(kinds[0], body[kinds[0]], self.emulator.next_file_number())
            )
        except (TypeError, ValueError):
            raise ControlError(400, f"malformed {kinds[0]} object") from None
        message = self.emulator.user_sends(chat, text, content)
        return JSONResponse(chat.view()["messages"][message.message_id - 1], 201)

    async def edit_message(self, request: Request) -> JSONResponse:
        """The person edits their own text message; the bot gets an ``edited_message``."""
        body = await _json_body(request)
        chat = self.emulator.chats.get(_user_id(request))
        if chat is None:
            raise ControlError(404, "this user has no chat with the bot")
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_LENGTH:
            raise ControlError(400, "give the new text, 1-4096 characters")
        raw_id = str(request.path_params["message_id"])
        if not raw_id.isdigit():
            raise ControlError(400, "message_id must be a positive whole number")
        message = self.emulator.user_edits(chat, int(raw_id), text)
        return JSONResponse(chat.view()["messages"][message.message_id - 1])

    async def press(self, request: Request) -> JSONResponse:
        body = await _json_body(request)
        label, data = body.get("text"), body.get("data")
        if (
            not isinstance(label, str | None)
            or not isinstance(data, str | None)
            or ((label is None) == (data is None))
        ):
            raise ControlError(
                400, 'give exactly one of "text" (a label) or "data" (callback data)'
            )
        chat = self.emulator.chats.get(_user_id(request))
        if chat is None:
            raise ControlError(404, "this user has no chat with the bot")
        query = self.emulator.press(chat, label=label, data=data)
        return JSONResponse(
            {
                "callback_query_id": query["id"],
                "message_id": query["message"]["message_id"],
                "data": query["data"],
            },
            201,
        )

    async def chat(self, request: Request) -> JSONResponse:
        """The chat as seen by the person; ``?since=V&wait=S`` waits up to S s for a change."""
        user_id = _user_id(request)
        chat = await self._watch(request, lambda: self.emulator.chats.get(user_id))
        view = chat.view() if chat else {"user_id": user_id, "version": 0, "messages": []}
        return JSONResponse(view)

    async def _watch(self, request: Request, find: Callable[[], Chat | None]) -> Chat | None:
        since = _query_number(request, "since", -1.0)
        wait = min(_query_number(request, "wait", 0.0), MAX_CHAT_WAIT_SECONDS)
        deadline = time.monotonic() + wait
        while True:
            chat = find()
            version = chat.version if chat else 0
            remaining = deadline - time.monotonic()
            if version > since or remaining <= 0:
                return chat
            await self.emulator.chat_pulse.wait(remaining)

    async def create_group(self, request: Request) -> JSONResponse:
        """A group (negative id) with the bot already in it, as if someone had added it."""
        body = await _json_body(request)
        title = _optional_text(body, "title") or DEFAULT_GROUP_TITLE
        group, created = self.emulator.group_for(_group_id(request), title)
        return JSONResponse(group.view(), 201 if created else 200)

    async def group_chat(self, request: Request) -> JSONResponse:
        """What the group's members see; ``?since=V&wait=S`` as for a person's chat."""
        group = self._group(request)
        await self._watch(request, lambda: group)
        return JSONResponse(group.view())

    async def kick(self, request: Request) -> JSONResponse:
        body = await _json_body(request)
        group = self._group(request)
        group.blocked = bool(body.get("kicked", True))
        group.version += 1
        self.emulator.chat_pulse.fire()
        return JSONResponse({"kicked": group.blocked})

    async def upgrade(self, request: Request) -> JSONResponse:
        supergroup = self.emulator.upgrade(self._group(request))
        return JSONResponse(supergroup.view(), 201)

    def _group(self, request: Request) -> Chat:
        group = self.emulator.groups.get(_group_id(request))
        if group is None:
            raise ControlError(404, "no such group; create it with POST /_emulator/groups/{id}")
        return group

    async def block(self, request: Request) -> JSONResponse:
        body = await _json_body(request)
        chat = self.emulator.chat_for(_user_id(request))
        chat.blocked = bool(body.get("blocked", True))
        chat.version += 1
        self.emulator.chat_pulse.fire()
        return JSONResponse({"blocked": chat.blocked})

    async def flood(self, request: Request) -> JSONResponse:
        body = await _json_body(request)
        methods = body.get("methods", sorted(DEFAULT_METHODS))
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            raise ControlError(400, '"methods" must be a list of Bot API method names')
        self.emulator.flood.configure(
            scripted=_whole(body, "count", 0, minimum=0),
            retry_after=_whole(body, "retry_after", 1, minimum=1),
            methods=frozenset(methods),
            limits=bool(body.get("limits", False)),
            per_chat=_whole(body, "per_chat", 1, minimum=1),
            overall=_whole(body, "overall", 30, minimum=1),
        )
        return JSONResponse(self.emulator.flood.settings())

    async def clock(self, request: Request) -> JSONResponse:
        body = await _json_body(request)
        advance = body.get("advance", 0)
        if isinstance(advance, bool) or not isinstance(advance, int | float) or advance < 0:
            raise ControlError(400, '"advance" must be a number of seconds, at least 0')
        self.emulator.advance_clock(float(advance))
        return JSONResponse({"now": self.emulator.now()})

    async def reset(self, _request: Request) -> JSONResponse:
        """Forget every chat, update, webhook, command menu and flood setting.

        Update ids keep increasing.
        """
        self.emulator.reset()
        return JSONResponse({"ok": True})

    async def state(self, _request: Request) -> JSONResponse:
        emulator = self.emulator
        return JSONResponse(
            {
                "bot_id": emulator.bot_id,
                "now": emulator.now(),
                "users": sorted(emulator.chats),
                "groups": sorted(emulator.groups),
                "pending_updates": len(emulator.updates),
                "webhook": emulator.webhook.url if emulator.webhook else None,
                "flood": emulator.flood.settings(),
                "commands": emulator.commands.view(),
            }
        )


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ControlError(400, "malformed JSON body") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _user_id(request: Request) -> int:
    raw = str(request.path_params["user_id"])
    if not raw.isdigit() or not 0 < int(raw) < MAX_USER_ID:
        raise ControlError(400, "user_id must be a positive whole number")
    return int(raw)


def _group_id(request: Request) -> int:
    raw = str(request.path_params["chat_id"])
    if _GROUP_ID.fullmatch(raw) is None or int(raw) <= -(10**12 + MAX_USER_ID):
        raise ControlError(400, "a group's chat_id is a negative whole number, e.g. -4012345678")
    return int(raw)


def _optional_text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ControlError(400, f'"{key}" must be a string')
    return value


def _whole(body: dict[str, Any], key: str, default: int, *, minimum: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ControlError(400, f'"{key}" must be a whole number, at least {minimum}')
    return value


def _query_number(request: Request, key: str, default: float) -> float:
    raw = request.query_params.get(key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ControlError(400, f"{key} must be a number") from None
    if not math.isfinite(value):
        raise ControlError(400, f"{key} must be a number")
    return value
