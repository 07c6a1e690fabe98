"""Pure rules of the Telegram front end: what typed text Rasa may see, and how buttons travel.

Nothing here talks to Telegram or Rasa, so every rule is unit-tested on its own.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot.frontdoor.rasa_client import Button
from bot.rasa_ext.turn_rules import EMERGENCY_PAYLOAD, PERSON_PAYLOAD, WAY_OUT_BUTTONS

# Telegram refuses callback_data longer than this many bytes.
CALLBACK_DATA_MAX_BYTES = 64
# Our own buttons (erasure confirmation) carry this prefix; Rasa payloads always start with "/".
OWN_PREFIX = "lantern:"
# A long Rasa payload travels as this prefix and a short digest of it.
SHORT_PREFIX = "#"
_SHORT_ID_HEX = 24
# The command menu (setMyCommands). Anyone holding the phone can open it, so every description
# is short and says nothing about abuse or reporting.
MENU = (
    BotCommand("start", "Start"),
    BotCommand("exit", "Quick exit: delete this chat"),
    BotCommand("help", "How this works"),
    BotCommand("forget", "Erase what you told me"),
    BotCommand("language", "Languages"),
)
COMMANDS = frozenset(command.command for command in MENU)
# A command as Telegram marks one (a bot_command entity): the name ends where letters, digits
# and underscores end, whatever follows it ("/exit please", "/exit@LanternBot now").
_COMMAND = re.compile(r"/(?P<name>[A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,32})?(?![A-Za-z0-9_@])")


def command_of(text: str) -> str | None:
    """The name of one of our commands when the text starts with it, else None.

    Words after the command are ignored: "/exit now" must wipe the chat as surely as "/exit",
    and "/start <payload>" is how Telegram's start links arrive.
    """
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    name = match["name"].lower()
    return name if name in COMMANDS else None


def neutralise(text: str) -> str:
    """Typed text without its leading slashes: Rasa reads ``/intent{...}`` as a forced intent."""
    return text.lstrip("/").strip()


class CallbackCodec:
    """Turns Rasa payloads into callback_data and back, mapping long ones through a short id.

    The map lives in memory only and holds button payloads (intent names and fixed entity ids
    chosen by our own domain), never anything a person typed. The id is a digest of the
    payload, so one payload always gets the same id and the map stays small; the oldest
    entries go first when it is full.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._long_payloads: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES and not payload.startswith(
            (SHORT_PREFIX, OWN_PREFIX)
        ):
            return payload
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:_SHORT_ID_HEX]
        short = SHORT_PREFIX + digest
        self._long_payloads[short] = payload
        self._long_payloads.move_to_end(short)
        while len(self._long_payloads) > self._capacity:
            self._long_payloads.popitem(last=False)
        return short

    def decode(self, data: str) -> str | None:
        """The payload a pressed button stands for; None when its short id is unknown."""
        if data.startswith(SHORT_PREFIX):
            return self._long_payloads.get(data)
        return data

    def keyboard(self, buttons: Iterable[Button]) -> InlineKeyboardMarkup | None:
        """One button per row: titles are sentences and must stay readable on a phone."""
        rows = [
            [InlineKeyboardButton(button.title, callback_data=self.encode(button.payload))]
            for button in buttons
        ]
        return InlineKeyboardMarkup(rows) if rows else None


HELP_TEXT = (
    "I'm Lantern, a private assistant. I help people in the UK who are hurt or controlled by "
    "someone close to them. Just write to me in your own words, or use the buttons.\n"
    "Quick exit (the button, or /exit) deletes this whole chat from this phone at once.\n"
    "/forget erases everything you told me (I'll ask you to confirm first).\n"
    "/language tells you which languages I speak.\n"
    "I never ask about immigration status."
)
LANGUAGE_TEXT = (
    "For now I can only talk in English, I'm sorry. Short, simple sentences are fine, and "
    "you can use the buttons. More languages are coming."
)
FORGET_QUESTION = (
    "This erases everything you have told me, including any report you have not yet sent, "
    "and withdraws any report you have shared. It can't be undone. Erase everything?"
)
FORGET_YES = OWN_PREFIX + "forget"
FORGET_NO = OWN_PREFIX + "keep"
KEPT_TEXT = "Nothing has been erased. You can carry on whenever you like."
EXPIRED_BUTTON_TEXT = "That button has expired. Please type your answer instead."
UNSUPPORTED_TEXT = (
    "I can only read text messages, so I couldn't open that. Please type what you'd like to "
    "say, or use the buttons. Nothing you sent has been kept."
)
PLACE_OR_PERSON_DELETED_TEXT = (
    "I deleted what you just shared from this chat, because a location or a contact could show "
    "where you are or who you know. I didn't keep it. You never need to share these with me."
)

# Talking with a caseworker. Their words arrive through the outbox; while the person is in this
# conversation what they type goes into the case thread instead of to the assistant.
BACK_TO_ASSISTANT = OWN_PREFIX + "assistant"
RELAYED_TEXT = "Sent to your caseworker. They will answer here. If you are in danger now, call 999."
CASE_ENDED_TEXT = (
    "Your conversation with the caseworker has ended, so I couldn't pass that on. "
    "I'm here to help instead."
)
RELAY_FAILED_TEXT = (
    "I couldn't pass your message on just now. Please send it again in a few minutes. "
    "If you are in danger now, call 999."
)
SAMARITANS_TEXT = (
    "If you are having thoughts of ending your life, Samaritans are there day and night: "
    "call 116 123, it's free. If you might act on these feelings now, please call 999."
)


# The standing buttons. Emergency help and Quick exit are our own, answered without Rasa, so
# they work when the assistant is down; Talk to a person is the assistant's (the Rasa channel
# adds it to every turn).
EMERGENCY = OWN_PREFIX + "emergency"
QUICK_EXIT = OWN_PREFIX + "exit"
_LABELS = {button["payload"]: button["title"] for button in WAY_OUT_BUTTONS}
EMERGENCY_LABEL = _LABELS[EMERGENCY_PAYLOAD]
PERSON_LABEL = _LABELS[PERSON_PAYLOAD]
# Short and neutral: someone looking over the person's shoulder may read it.
QUICK_EXIT_LABEL = "Quick exit"


def from_caseworker(text: str) -> str:
    return (
        f"Your caseworker wrote:\n\n{text}\n\n"
        "Anything you write now goes to your caseworker. "
        "To talk to me, the assistant, instead, press “Back to the assistant”."
    )


def relay_keyboard() -> InlineKeyboardMarkup:
    """The way out while talking with a caseworker: both answer without Rasa."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(EMERGENCY_LABEL, callback_data=EMERGENCY)],
            [InlineKeyboardButton("Back to the assistant", callback_data=BACK_TO_ASSISTANT)],
        ]
    )


def with_way_out(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup:
    """The last message of every turn ends with Quick exit; one without buttons gets all three.

    The assistant's turns already end with Emergency help and Talk to a person (the Rasa
    channel adds them); the relay keyboard and the erasure question keep their own buttons.
    """
    if markup is None:
        rows: list[list[InlineKeyboardButton]] = [
            [InlineKeyboardButton(EMERGENCY_LABEL, callback_data=EMERGENCY)],
            [InlineKeyboardButton(PERSON_LABEL, callback_data=PERSON_PAYLOAD)],
        ]
    else:
        rows = [list(row) for row in markup.inline_keyboard]
    if all(button.callback_data != QUICK_EXIT for row in rows for button in row):
        rows.append([InlineKeyboardButton(QUICK_EXIT_LABEL, callback_data=QUICK_EXIT)])
    return InlineKeyboardMarkup(rows)
