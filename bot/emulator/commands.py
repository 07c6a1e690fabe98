"""The bot's command menus (setMyCommands, getMyCommands, deleteMyCommands), as Telegram keeps them.

One list per scope and language code. Parameters are checked in the order and with the
descriptions of the official Bot API server (tdlib/telegram-bot-api, ``get_bot_commands`` and
``get_bot_command_scope``) and of TDLib's ``set_commands``; the rules Telegram's servers add
(lowercase letters, digits and underscores; at most 100 commands) answer as they do.
"""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.params import Params

MAX_COMMANDS = 100
MAX_COMMAND_LENGTH = 32
MAX_DESCRIPTION_LENGTH = 256
_COMMAND = re.compile(r"[a-z0-9_]+")
_LANGUAGE = re.compile(r"(?:[a-z]{2})?")
_WHOLE_SCOPES = frozenset(
    {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}
)
_CHAT_SCOPES = frozenset({"chat", "chat_administrators", "chat_member"})

# A scope as a hashable key: its type, then the chat and user it names, if any.
ScopeKey = tuple[str, str, int]
DEFAULT_SCOPE: ScopeKey = ("default", "", 0)


class CommandMenus:
    def __init__(self) -> None:
        self._menus: dict[tuple[ScopeKey, str], list[dict[str, str]]] = {}

    def set(self, params: Params) -> None:
        commands = read_commands(params)
        key = _target(params)
        if commands:
            self._menus[key] = commands
        else:
            # Telegram treats an empty list as deleting the menu of that scope and language.
            self._menus.pop(key, None)

    def get(self, params: Params) -> list[dict[str, str]]:
        """Exactly the list of that scope and language: no fallback, as getMyCommands does."""
        return list(self._menus.get(_target(params), []))

    def delete(self, params: Params) -> None:
        self._menus.pop(_target(params), None)

    def clear(self) -> None:
        self._menus.clear()

    def view(self) -> list[dict[str, Any]]:
        """Every menu, for the control API's state."""
        return [
            {
                "scope": _scope_view(scope),
                "language_code": language,
                "commands": list(commands),
            }
            for (scope, language), commands in self._menus.items()
        ]


def read_commands(params: Params) -> list[dict[str, str]]:
    value = params.decoded("commands")
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request("expected an Array of BotCommand")
    commands = [_command(item) for item in value]
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    return commands


def _command(item: Any) -> dict[str, str]:
    if not isinstance(item, dict):
        raise bad_request("can't parse BotCommand: expected an Object")
    command, description = (_string_field(item, name) for name in ("command", "description"))
    command = command.strip().removeprefix("/")
    if not command:
        raise bad_request("command must be non-empty")
    if len(command) > MAX_COMMAND_LENGTH:
        raise bad_request(f"command length must not exceed {MAX_COMMAND_LENGTH}")
    description = description.strip()
    if not description:
        raise bad_request("command description must be non-empty")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise bad_request(f"command description length must not exceed {MAX_DESCRIPTION_LENGTH}")
    if _COMMAND.fullmatch(command) is None:
        raise bad_request("BOT_COMMAND_INVALID")
    return {"command": command, "description": description}


def _string_field(item: dict[str, Any], name: str) -> str:
    if name not in item:
        raise bad_request(f"can't parse BotCommand: Can't find field \"{name}\"")
    value = item[name]
    if not isinstance(value, str):
        raise bad_request(f'can\'t parse BotCommand: Field "{name}" must be of type String')
    return value


def _target(params: Params) -> tuple[ScopeKey, str]:
    scope = _scope(params)
    language = params.text("language_code") or ""
    if _LANGUAGE.fullmatch(language) is None:
        raise bad_request("invalid language code specified")
    return scope, language


def _scope(params: Params) -> ScopeKey:
    if params.raw("scope") is None:
        return DEFAULT_SCOPE
    try:
        value = params.decoded("scope")
    except ApiError:
        raise bad_request("can't parse BotCommandScope JSON object") from None
    if not isinstance(value, dict):
        raise _scope_error("BotCommandScope must be an Object")
    kind = value.get("type")
    if not isinstance(kind, str):
        raise _scope_error('Can\'t find field "type"')
    if kind in _WHOLE_SCOPES:
        return (kind, "", 0)
    if kind not in _CHAT_SCOPES:
        raise _scope_error("Unsupported type specified")
    chat_id = value.get("chat_id")
    if isinstance(chat_id, bool) or not isinstance(chat_id, str | int) or chat_id == "":
        raise _scope_error("Empty chat_id specified")
    if kind != "chat_member":
        return (kind, str(chat_id), 0)
    user_id = value.get("user_id")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
        raise _scope_error("Invalid user_id specified")
    return (kind, str(chat_id), user_id)


def _scope_error(reason: str) -> ApiError:
    return bad_request(f"can't parse BotCommandScope: {reason}")


def _scope_view(scope: ScopeKey) -> dict[str, Any]:
    kind, chat_id, user_id = scope
    view: dict[str, Any] = {"type": kind}
    if chat_id:
        view["chat_id"] = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
    if user_id:
        view["user_id"] = user_id
    return view
