"""The emulated Telegram side of one bot: chats, the update queue, long polls and the clock."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.emulator.chat import Chat, ChatMessage
from bot.emulator.commands import CommandMenus
from bot.emulator.errors import (
    ApiError,
    ControlError,
    bad_request,
    conflict,
    forbidden,
    migrated,
)
from bot.emulator.flood import FloodControl
from bot.emulator.objects import (
    SUPERGROUP_IDS_BELOW,
    JsonDict,
    Keyboard,
    group_chat,
    person,
    private_chat,
)
from bot.emulator.pulse import Pulse
from bot.emulator.queries import OpenQueries

Clock = Callable[[], float]
# Telegram's default: every update type except these three must be asked for explicitly.
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
FIRST_UPDATE_ID = 100_000_001
# A restarted emulator (the supervisor restarts a crashed one) must hand out ids above those of
# its last run: a poller's offset above a new id would confirm that update unseen, i.e. lose it.
# Ids start 10 per second of the clock past 2026-01-01, so they stay below 2**31 until 2032.
UPDATE_ID_EPOCH = 1_767_225_600
UPDATE_IDS_PER_SECOND = 10


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class Emulator:
    """All state behind the Bot API and the control API; one bot, private chats and groups.

    ``clock`` gives Unix time in seconds; ``advance_clock`` moves the emulated time forward so a
    test can age messages past the 48-hour deletion window without waiting.
    """

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._clock_offset = 0.0
        self.bot_id = 0
        # Private chats by the person's id, groups the bot is in by their (negative) chat id.
        self.chats: dict[int, Chat] = {}
        self.groups: dict[int, Chat] = {}
        self.updates: list[JsonDict] = []
        self.allowed_updates: frozenset[str] | None = None
        self.webhook: WebhookConfig | None = None
        self.flood = FloodControl()
        self.commands = CommandMenus()
        self.updates_pulse = Pulse()
        self.chat_pulse = Pulse()
        elapsed = max(int(clock()) - UPDATE_ID_EPOCH, 0)
        self._update_ids = itertools.count(FIRST_UPDATE_ID + elapsed * UPDATE_IDS_PER_SECOND)
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._file_numbers = itertools.count(1)
        self._open_queries = OpenQueries()
        self._poll_generation = 0

    def reset(self) -> None:
        self.chats.clear()
        self.groups.clear()
        self.updates.clear()
        self.allowed_updates = None
        self.webhook = None
        self.flood = FloodControl()
        self.commands.clear()
        self._open_queries.clear()
        self._clock_offset = 0.0
        self.updates_pulse.fire()
        self.chat_pulse.fire()

    # -- time -------------------------------------------------------------------------------
    def now(self) -> float:
        return self._clock() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        self._clock_offset += seconds

    # -- the person's side (control API) ----------------------------------------------------
    def chat_for(
        self, user_id: int, first_name: str | None = None, language_code: str | None = None
    ) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            user = person(user_id, first_name or "Test", language_code or "en")
            chat = Chat(private_chat(user), user)
            self.chats[user_id] = chat
        return chat

    # -- groups the bot is a member of (control API) ----------------------------------------
    def group_for(self, chat_id: int, title: str) -> tuple[Chat, bool]:
        """The group with this id, made with the bot in it on first use; True if just made."""
        group = self.groups.get(chat_id)
        if group is not None:
            return group, False
        group = self.groups[chat_id] = Chat(group_chat(chat_id, title))
        self.chat_pulse.fire()
        return group, True

    def upgrade(self, group: Chat) -> Chat:
        """Telegram's migration of a basic group to a supergroup, which gets a new id."""
        if group.info["type"] != "group" or group.migrated_to is not None:
            raise ControlError(400, "only a basic group can be upgraded, and only once")
        new_id = SUPERGROUP_IDS_BELOW + group.chat_id
        supergroup = Chat(group_chat(new_id, group.info["title"]), blocked=group.blocked)
        self.groups[new_id] = supergroup
        group.migrated_to = new_id
        group.version += 1
        self.chat_pulse.fire()
        return supergroup

    def next_file_number(self) -> int:
        return next(self._file_numbers)

    def user_sends(self, chat: Chat, text: str | None, content: JsonDict) -> ChatMessage:
        message = chat.add(from_bot=False, date=int(self.now()), text=text, content=content)
        chat.blocked = False  # writing to a bot unblocks it, as in the Telegram apps
        self._enqueue("message", chat.render(message, self.bot_id))
        self.chat_pulse.fire()
        return message

    def user_edits(self, chat: Chat, message_id: int, text: str) -> ChatMessage:
        """The person edits a text they sent: Telegram sends ``edited_message``, same id."""
        message = chat.live(message_id)
        if message is None or message.from_bot or message.text is None:
            raise ControlError(404, "this person sent no live text message with that id")
        if text == message.text:
            raise ControlError(400, "the edit must change the text")
        message.text, message.edit_date = text, int(self.now())
        chat.version += 1
        self._enqueue("edited_message", chat.render(message, self.bot_id))
        self.chat_pulse.fire()
        return message

    def press(self, chat: Chat, *, label: str | None, data: str | None) -> JsonDict:
        """The person presses the newest live bot button matching ``label`` or ``data``."""
        for message in reversed(list(chat.messages.values())):
            if message.deleted or not message.from_bot:
                continue
            for button in (b for row in message.keyboard or [] for b in row):
                if "callback_data" in button and (
                    button["text"] == label
                    if label is not None
                    else button["callback_data"] == data
                ):
                    return self._callback_query(chat, message, str(button["callback_data"]))
        raise ControlError(404, "no live bot message has that button")

    def _callback_query(self, chat: Chat, message: ChatMessage, data: str) -> JsonDict:
        query_id = str(next(self._query_ids))
        self._open_queries.add(query_id, chat.chat_id, self.now())
        query = {
            "id": query_id,
            "from": chat.user,
            "message": chat.render(message, self.bot_id),
            "chat_instance": f"{chat.chat_id * 7919 % 10**12}",
            "data": data,
        }
        self._enqueue("callback_query", query)
        return query

    def _enqueue(self, kind: str, payload: JsonDict) -> None:
        wanted = self.allowed_updates
        if kind in NOT_DEFAULT_UPDATES if wanted is None else kind not in wanted:
            return
        self.updates.append({"update_id": next(self._update_ids), kind: payload})
        self.updates_pulse.fire()

    # -- the bot's side (Bot API) -----------------------------------------------------------
    def chat_of(self, chat_id: int) -> Chat:
        chat = self.chats.get(chat_id) if chat_id > 0 else self.groups.get(chat_id)
        if chat is None:
            # A person who never wrote to the bot, an unknown id or a group the bot is not in.
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise migrated(chat.migrated_to)
        return chat

    def writable_chat(self, chat_id: int) -> Chat:
        chat = self.chat_of(chat_id)
        if chat.blocked:
            raise forbidden(
                f"bot was kicked from the {chat.info['type']} chat"
                if chat.is_group
                else "bot was blocked by the user"
            )
        return chat

    def admit(self, method: str, chat_id: int) -> None:
        self.flood.admit(method, chat_id, self.now())

    def bot_sends(self, chat: Chat, text: str, keyboard: Keyboard | None) -> ChatMessage:
        message = chat.add(from_bot=True, date=int(self.now()), text=text, keyboard=keyboard)
        self.chat_pulse.fire()
        return message

    def edit(
        self, chat: Chat, message: ChatMessage, text: str | None, keyboard: Keyboard | None
    ) -> None:
        new_text = message.text if text is None else text
        if new_text == message.text and keyboard == message.keyboard:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message.text, message.keyboard = new_text, keyboard
        message.edit_date = int(self.now())
        chat.version += 1
        self.chat_pulse.fire()

    def delete(self, chat: Chat, message_ids: list[int], *, batch: bool) -> None:
        """``deleteMessage`` (one id, strict) or ``deleteMessages`` (missing ids skipped)."""
        deleted = chat.delete_all(message_ids, self.now(), skip_missing=batch)
        if deleted:
            self.chat_pulse.fire()

    def answer_callback(self, query_id: str, text: str | None, show_alert: bool) -> None:
        chat_id = self._open_queries.take(query_id, text, self.now())
        self.chats[chat_id].last_answer = {"text": text, "show_alert": show_alert} if text else None
        self.chats[chat_id].version += 1
        self.chat_pulse.fire()

    async def get_updates(
        self, offset: int, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[JsonDict]:
        """Long poll: confirm updates below ``offset``, then wait up to ``timeout`` for more."""
        if allowed is not None:
            self.allowed_updates = frozenset(allowed) or None
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self.updates_pulse.fire()  # an older poll still waiting must end, as on Telegram
        deadline = time.monotonic() + timeout
        while True:
            if self.webhook is not None:
                raise conflict(
                    "can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first"
                )
            if generation != self._poll_generation:
                raise conflict(
                    "terminated by other getUpdates request; "
                    "make sure that only one bot instance is running"
                )
            if self.updates or time.monotonic() >= deadline:
                return self.updates[:limit]
            await self.updates_pulse.wait(deadline - time.monotonic())

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self.updates = self.updates[offset:]
        elif offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def drop_pending(self) -> None:
        self.updates.clear()

    def set_webhook(self, config: WebhookConfig | None) -> None:
        self.webhook = config
        self.updates_pulse.fire()

    def check_token(self, token: str) -> None:
        number, _, secret = token.partition(":")
        if not number.isdigit() or not secret:
            raise ApiError(404, "Not Found")
        self.bot_id = int(number)
