"""Bot API objects (User, Chat, Message parts, inline keyboards) built the way Telegram shapes them.

Only what python-telegram-bot 22 reads is filled in; optional fields Telegram omits when empty
are omitted here too, so ``Message.de_json`` sees the same keys it would see from Telegram.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from bot.emulator.errors import bad_request

JsonDict = dict[str, Any]
Keyboard = list[list[JsonDict]]

BOT_USERNAME = "lantern_local_bot"
BOT_FIRST_NAME = "Lantern (local)"
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
PARSE_MODES = frozenset({"HTML", "Markdown", "MarkdownV2"})
# Bot API ids of supergroups (and channels) are -(10**12 + n): they read "-100..." in decimal.
SUPERGROUP_IDS_BELOW = -(10**12)
# Telegram recognises a command as a slash at the start of a word, 1-32 word characters and an
# optional @botname; PTB's CommandHandler relies on the resulting ``bot_command`` entity.
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_TAG = re.compile(r"<[^>]*>")
_BUTTON_ACTIONS = ("callback_data", "url", "switch_inline_query", "copy_text", "web_app", "pay")


def bot_user(bot_id: int, *, full: bool = False) -> JsonDict:
    user: JsonDict = {
        "id": bot_id,
        "is_bot": True,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
    }
    if full:  # getMe adds the bot's capabilities; message senders carry only the basics.
        user |= {
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
    return user


def person(user_id: int, first_name: str, language_code: str | None) -> JsonDict:
    user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def private_chat(user: JsonDict) -> JsonDict:
    return {"id": user["id"], "first_name": user["first_name"], "type": "private"}


def group_chat(chat_id: int, title: str) -> JsonDict:
    """A group's ``Chat``: ids from -1 to -999999999999 are basic groups, "-100..." supergroups."""
    kind = "supergroup" if chat_id < SUPERGROUP_IDS_BELOW else "group"
    return {"id": chat_id, "title": title, "type": kind}


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[JsonDict]:
    """``bot_command`` entities with offsets in UTF-16 code units, as Telegram counts them."""
    return [
        {
            "type": "bot_command",
            "offset": _utf16_length(text[: match.start()]),
            "length": _utf16_length(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


def outgoing_text(raw: object, parse_mode: object) -> str:
    """The text a bot message shows: HTML markup is removed as Telegram does; Markdown is kept."""
    if not isinstance(raw, str):
        raise bad_request("message text is empty")
    if parse_mode is not None and parse_mode != "" and parse_mode not in PARSE_MODES:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    text = html.unescape(_TAG.sub("", raw)) if parse_mode == "HTML" else raw
    # Telegram measures 1-4096 after entity parsing: "<b> </b>" is empty, markup is free.
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return text


def parse_reply_markup(raw: object) -> Keyboard | None:
    """An inline keyboard from ``reply_markup`` (JSON text or object); other markups give None.

    Reply keyboards and ForceReply are accepted but, as on Telegram, never appear on the
    returned Message; an empty inline keyboard means "no keyboard".
    """
    if raw is None or raw == "":
        return None
    markup = _json_object(raw)
    if "inline_keyboard" not in markup:
        if not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            raise bad_request("can't parse reply keyboard markup JSON object")
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Array'
        )
    keyboard = [[_button(button) for button in row] for row in rows if row]
    return keyboard or None


def _json_object(raw: object) -> JsonDict:
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return value


def _button(raw: object) -> JsonDict:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    actions = [key for key in _BUTTON_ACTIONS if key in raw]
    if len(actions) != 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used"
        )
    data = raw.get("callback_data")
    if "callback_data" in actions and (
        not isinstance(data, str) or not data or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    return {"text": raw["text"], actions[0]: raw[actions[0]]}


_FILE_FIELDS: dict[str, JsonDict] = {
    "voice": {"duration": 3, "mime_type": "audio/ogg", "file_size": 9000},
    "video": {"width": 640, "height": 360, "duration": 5, "file_size": 200_000},
    "sticker": {
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "🙂",
    },
    "document": {"file_name": "file.pdf", "mime_type": "application/pdf", "file_size": 30_000},
}
MEDIA_KINDS = ("photo", *_FILE_FIELDS, "location", "contact")


def media_content(kind: str, spec: object, file_number: int) -> JsonDict:
    """Plausible minimal content for a message a person sends that is not plain text.

    ``spec`` is ``true`` or an object overriding fields (``latitude``, ``phone_number``...).
    """
    details = spec if isinstance(spec, dict) else {}
    file = {"file_id": f"emulated-{kind}-{file_number}", "file_unique_id": f"u{file_number}"}
    if kind == "photo":  # Telegram sends every size it made, smallest first
        sizes = [(90, 60, 1200), (800, 533, 48_000)]
        return {"photo": [file | {"width": w, "height": h, "file_size": n} for w, h, n in sizes]}
    if kind == "location":
        latitude, longitude = details.get("latitude", 51.5007), details.get("longitude", -0.1246)
        return {"location": {"latitude": float(latitude), "longitude": float(longitude)}}
    if kind == "contact":
        phone, name = details.get("phone_number", "+447700900123"), details.get("first_name", "Ann")
        return {"contact": {"phone_number": str(phone), "first_name": str(name)}}
    fields = _FILE_FIELDS[kind] | {k: v for k, v in details.items() if k == "file_name"}
    return {kind: file | fields}
