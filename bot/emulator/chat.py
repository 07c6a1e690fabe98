"""One chat of the bot's: private with a person, or a group; its messages and how they render.

Message ids are counted per chat from 1, as in a private chat on Telegram. A deleted message
keeps its id and date but loses its content, as it does on Telegram's servers. In a group only
the bot writes here (the emulator has no group members who send messages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.emulator.errors import bad_request
from bot.emulator.objects import JsonDict, Keyboard, bot_user, command_entities

# Telegram: "A message can only be deleted if it was sent less than 48 hours ago."
DELETE_WINDOW_SECONDS = 48 * 3600


@dataclass
class ChatMessage:
    message_id: int
    from_bot: bool
    date: int
    text: str | None = None
    content: JsonDict = field(default_factory=dict)
    keyboard: Keyboard | None = None
    deleted: bool = False
    edit_date: int | None = None

    @property
    def kind(self) -> str:
        return next(iter(self.content), "text")


@dataclass
class Chat:
    # The Bot API ``Chat`` every message in it carries (objects.private_chat or group_chat).
    info: JsonDict
    # The person, in a private chat; None in a group.
    user: JsonDict | None = None
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    # Private: the person blocked the bot. Group: the bot was removed from it.
    blocked: bool = False
    version: int = 0
    last_answer: JsonDict | None = None
    # A basic group upgraded to a supergroup: the supergroup's id; the old id takes no calls.
    migrated_to: int | None = None

    @property
    def chat_id(self) -> int:
        return int(self.info["id"])

    @property
    def is_group(self) -> bool:
        return self.user is None

    def add(
        self,
        *,
        from_bot: bool,
        date: int,
        text: str | None = None,
        content: JsonDict | None = None,
        keyboard: Keyboard | None = None,
    ) -> ChatMessage:
        message = ChatMessage(len(self.messages) + 1, from_bot, date, text, content or {}, keyboard)
        self.messages[message.message_id] = message
        self.version += 1
        return message

    def live(self, message_id: int) -> ChatMessage | None:
        message = self.messages.get(message_id)
        return None if message is None or message.deleted else message

    def deletable(self, message: ChatMessage, now: float) -> bool:
        return now - message.date < DELETE_WINDOW_SECONDS

    def delete_all(self, message_ids: list[int], now: float, *, skip_missing: bool) -> int:
        """Delete all of these messages or none; how many were deleted.

        As on Telegram, ids not found are skipped in a batch, but one message past the 48-hour
        window fails the whole call and nothing in the batch is deleted.
        """
        found = {m.message_id: m for m in map(self.live, message_ids) if m is not None}
        if not found and not skip_missing:
            raise bad_request("message to delete not found")
        if any(not self.deletable(message, now) for message in found.values()):
            raise bad_request("message can't be deleted for everyone")
        for message in found.values():
            self.delete(message)
        return len(found)

    def delete(self, message: ChatMessage) -> None:
        message.deleted = True
        message.text, message.content, message.keyboard = None, {}, None
        self.version += 1

    def editable_by_bot(self, message_id: int) -> ChatMessage:
        message = self.live(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def render(self, message: ChatMessage, bot_id: int) -> JsonDict:
        """The Bot API ``Message`` object for ``message``."""
        sender = bot_user(bot_id) if message.from_bot else self.user
        rendered: JsonDict = {
            "message_id": message.message_id,
            "from": sender,
            "chat": self.info,
            "date": message.date,
        }
        if message.edit_date is not None:
            rendered["edit_date"] = message.edit_date
        if message.text is not None:
            rendered["text"] = message.text
            entities = [] if message.from_bot else command_entities(message.text)
            if entities:
                rendered["entities"] = entities
        rendered |= message.content
        if message.keyboard:
            rendered["reply_markup"] = {"inline_keyboard": message.keyboard}
        return rendered

    def view(self) -> JsonDict:
        """The control API's plain view of the chat, oldest message first."""
        messages = [_view(message) for message in self.messages.values()]
        if self.is_group:
            return {
                "chat_id": self.chat_id,
                "type": self.info["type"],
                "title": self.info["title"],
                "version": self.version,
                "kicked": self.blocked,
                "migrated_to": self.migrated_to,
                "messages": messages,
            }
        return {
            "user_id": self.chat_id,
            "version": self.version,
            "blocked": self.blocked,
            "last_answer": self.last_answer,
            "messages": messages,
        }


def _view(message: ChatMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "from": "bot" if message.from_bot else "user",
        "kind": message.kind,
        "text": message.text,
        "buttons": [[dict(button) for button in row] for row in message.keyboard or []],
        "deleted": message.deleted,
        "edited": message.edit_date is not None,
        "date": message.date,
    }
