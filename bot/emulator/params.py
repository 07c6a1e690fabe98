"""Reading Bot API parameters the ways Telegram accepts them: query string, form, multipart, JSON.

Form and query values arrive as text (python-telegram-bot JSON-encodes lists and objects inside
form fields), so every getter converts as Telegram does rather than trusting the body's types.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from bot.emulator.errors import bad_request


class Params:
    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def raw(self, name: str) -> Any:
        value = self._values.get(name)
        return None if value == "" else value

    def integer(self, name: str, default: int | None = None, *, empty: str | None = None) -> int:
        value = self.raw(name)
        if value is None:
            if default is None:
                raise bad_request(empty or f"{name} is empty")
            return default
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def text(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None else str(value)

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return bool(value)

    def decoded(self, name: str) -> Any:
        """A JSON-serialized parameter (list or object), given as JSON text or as the value."""
        value = self.raw(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def integer_list(self, name: str) -> list[int]:
        value = self.decoded(name)
        if not isinstance(value, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) for item in value
        ):
            raise bad_request(f"{name} must be an Array of Integer")
        return value

    def string_list(self, name: str) -> list[str] | None:
        value = self.decoded(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise bad_request(f"{name} must be an Array of String")
        return value

    def chat_id(self) -> int:
        value = self.raw("chat_id")
        if isinstance(value, str) and value.startswith("@"):
            raise bad_request("chat not found")
        return self.integer("chat_id", empty="chat_id is empty")


async def read_params(request: Request) -> Params:
    values: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await request.body()
        if body.strip():
            try:
                decoded = json.loads(body)
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(decoded, dict):
                raise bad_request("JSON object expected")
            values.update(decoded)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form()
        except HTTPException:
            raise bad_request("can't parse the request body") from None
        values.update({key: value for key, value in form.items() if isinstance(value, str)})
    return Params(values)
