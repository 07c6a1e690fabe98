"""Pure rules of the Telegram front end: what typed text Rasa may see, and how buttons travel.

Nothing here talks to Telegram or Rasa, so every rule is unit-tested on its own.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import Protocol

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.languages import BY_CODE, LANGUAGES
from bot.core.locale import Catalogue, catalogue
from bot.core.message_metadata import PERSON_PAYLOAD
from bot.core.turn_rules import defang
from bot.frontdoor.rasa_client import Button

# Telegram refuses callback_data longer than this many bytes.
CALLBACK_DATA_MAX_BYTES = 64
# Our own buttons (erasure confirmation) carry this prefix; Rasa payloads always start with "/".
OWN_PREFIX = "lantern:"
# A long Rasa payload travels as this prefix and a short digest of it.
SHORT_PREFIX = "#"
_SHORT_ID_HEX = 24
# The command menu (setMyCommands). Anyone holding the phone can open it, so every description
# is short and says nothing about abuse or reporting.
COMMANDS = ("start", "exit", "help", "forget", "language", "receipt", "resume")


def menu(texts: Catalogue) -> tuple[BotCommand, ...]:
    """The commands in Latin letters (Telegram's rule), their descriptions in the language."""
    return tuple(BotCommand(name, texts.say(f"menu_{name}")) for name in COMMANDS)


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


def command_argument(text: str) -> str:
    """What follows the command ("/resume apple bread" gives "apple bread"); "" when nothing
    does or the text starts with no command."""
    match = _COMMAND.match(text.strip())
    return "" if match is None else text.strip()[match.end() :].strip()


def neutralise(text: str) -> str:
    """Typed text without its leading slashes: Rasa reads ``/intent{...}`` as a forced intent,
    and strips the text first, so a slash after a space counts as well."""
    return defang(text)


class PayloadMemory(Protocol):
    """Where long payloads outlive the process (``bot.core.db.frontdoor_state``)."""

    def remember_button(self, short_id: str, payload: str) -> None: ...

    def button(self, short_id: str) -> str | None: ...


class CallbackCodec:
    """Turns Rasa payloads into callback_data and back, mapping long ones through a short id.

    The map holds button payloads (intent names and fixed entity ids chosen by our own domain),
    never anything a person typed. The id is a digest of the payload, so one payload always
    gets the same id and the map stays small; the oldest entries go first when it is full.
    With a ``memory`` the map is only a cache: a button sent before a restart still works.
    """

    def __init__(self, capacity: int = 10_000, memory: PayloadMemory | None = None) -> None:
        self._long_payloads: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity
        self._memory = memory

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES and not payload.startswith(
            (SHORT_PREFIX, OWN_PREFIX)
        ):
            return payload
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:_SHORT_ID_HEX]
        short = SHORT_PREFIX + digest
        if self._memory is not None and short not in self._long_payloads:
            self._memory.remember_button(short, payload)
        self._long_payloads[short] = payload
        self._long_payloads.move_to_end(short)
        while len(self._long_payloads) > self._capacity:
            self._long_payloads.popitem(last=False)
        return short

    def decode(self, data: str) -> str | None:
        """The payload a pressed button stands for; None when its short id is unknown."""
        if data.startswith(SHORT_PREFIX):
            known = self._long_payloads.get(data)
            if known is None and self._memory is not None:
                known = self._memory.button(data)
            return known
        return data

    def keyboard(self, buttons: Iterable[Button]) -> InlineKeyboardMarkup | None:
        """One button per row: titles are sentences and must stay readable on a phone."""
        rows = [
            [InlineKeyboardButton(button.title, callback_data=self.encode(button.payload))]
            for button in buttons
        ]
        return InlineKeyboardMarkup(rows) if rows else None


FORGET_YES = OWN_PREFIX + "forget"
FORGET_NO = OWN_PREFIX + "keep"
# A language button: this prefix and the language's code (bot.core.languages).
LANGUAGE_PREFIX = OWN_PREFIX + "lang:"

# Talking with a caseworker. Their words arrive through the outbox; while the person is in this
# conversation what they type goes into the case thread instead of to the assistant.
BACK_TO_ASSISTANT = OWN_PREFIX + "assistant"

# The standing buttons. Emergency help and Quick exit are our own, answered without Rasa, so
# they work when the assistant is down; Talk to a person is the assistant's (the Rasa channel
# adds it to every turn).
EMERGENCY = OWN_PREFIX + "emergency"
QUICK_EXIT = OWN_PREFIX + "exit"


def language_of_button(data: str) -> str | None:
    """The code a language button stands for, None for any other button or an unknown code."""
    if not data.startswith(LANGUAGE_PREFIX):
        return None
    code = data.removeprefix(LANGUAGE_PREFIX)
    return code if code in BY_CODE else None


def language_keyboard(texts: Catalogue, first: str | None = None) -> InlineKeyboardMarkup:
    """Every language by its own name; the phone's language (a hint only) goes first."""
    ordered = sorted(LANGUAGES, key=lambda language: language.code != first)
    rows = [
        [InlineKeyboardButton(language.endonym, callback_data=LANGUAGE_PREFIX + language.code)]
        for language in ordered
    ]
    rows.append([InlineKeyboardButton(texts.say("emergency_button"), callback_data=EMERGENCY)])
    rows.append([InlineKeyboardButton(texts.say("person_button"), callback_data=PERSON_PAYLOAD)])
    return InlineKeyboardMarkup(rows)


def offer_of(language: str) -> tuple[str, InlineKeyboardMarkup]:
    """Asked in the language someone just wrote in: carry on in it?"""
    texts, name = catalogue(language), BY_CODE[language].endonym
    button = InlineKeyboardButton(
        texts.say("offer_switch_yes", language=name), callback_data=LANGUAGE_PREFIX + language
    )
    return texts.say("offer_switch", language=name), InlineKeyboardMarkup([[button]])


def forget_keyboard(texts: Catalogue) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.say("forget_yes"), callback_data=FORGET_YES)],
            [InlineKeyboardButton(texts.say("forget_no"), callback_data=FORGET_NO)],
        ]
    )


def from_caseworker(texts: Catalogue, text: str) -> str:
    return texts.say("from_caseworker", text=text, back=texts.say("back_to_assistant"))


def relay_keyboard(texts: Catalogue) -> InlineKeyboardMarkup:
    """The way out while talking with a caseworker: both answer without Rasa."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.say("emergency_button"), callback_data=EMERGENCY)],
            [InlineKeyboardButton(texts.say("back_to_assistant"), callback_data=BACK_TO_ASSISTANT)],
        ]
    )


def with_way_out(markup: InlineKeyboardMarkup | None, texts: Catalogue) -> InlineKeyboardMarkup:
    """The last message of every turn ends with Quick exit; one without buttons gets all three.

    The assistant's turns already end with Emergency help and Talk to a person (the Rasa
    channel adds them); the relay keyboard and the erasure question keep their own buttons.
    """
    if markup is None:
        rows: list[list[InlineKeyboardButton]] = [
            [InlineKeyboardButton(texts.say("emergency_button"), callback_data=EMERGENCY)],
            [InlineKeyboardButton(texts.say("person_button"), callback_data=PERSON_PAYLOAD)],
        ]
    else:
        rows = [list(row) for row in markup.inline_keyboard]
    if all(button.callback_data != QUICK_EXIT for row in rows for button in row):
        rows.append(
            [InlineKeyboardButton(texts.say("quick_exit_button"), callback_data=QUICK_EXIT)]
        )
    return InlineKeyboardMarkup(rows)
