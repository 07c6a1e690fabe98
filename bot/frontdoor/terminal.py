"""``python -m bot chat``: a terminal chat that goes through the front door, not ``rasa shell``."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
from typing import TextIO

from bot.core.config import Settings
from bot.core.errors import AssistantUnavailableError
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.core.pseudonym import pseudonym_for
from bot.core.turn_rules import defang
from bot.frontdoor.rasa_client import BotMessage, Button, RasaFrontDoorClient
from bot.frontdoor.when_down import reply_when_down

# Ends the Rasa conversation (and with it every slot) before the terminal is wiped.
RESTART_PAYLOAD = "/restart"
CLEAR_SCREEN = "\033[2J\033[3J\033[H"
HINT = "(Type a message, or a button's number. /exit wipes this chat and quits.)"


def choose_text(line: str, buttons: tuple[Button, ...]) -> str:
    """A button's payload when the person typed its number; otherwise their text, defanged.

    Typed text must never start with a slash: Rasa would read it as a forced intent.
    """
    choice = line.strip()
    if choice.isdigit() and 1 <= int(choice) <= len(buttons):
        return buttons[int(choice) - 1].payload
    return defang(choice)


def render(turn: list[BotMessage], out: TextIO) -> tuple[Button, ...]:
    """Print a turn and return the buttons a number can now choose."""
    buttons: tuple[Button, ...] = ()
    for message in turn:
        if message.text:
            out.write(f"Lantern: {message.text}\n")
        if message.buttons:
            buttons = message.buttons
            for number, button in enumerate(buttons, start=1):
                out.write(f"  [{number}] {button.title}\n")
    out.flush()
    return buttons


async def chat(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    # A terminal has no account: each run is a new, unlinkable person.
    pseudonym = pseudonym_for(secrets.token_hex(16), settings.pseudonym_key())
    client = RasaFrontDoorClient(settings.rasa_url)
    buttons: tuple[Button, ...] = ()
    out.write(f"{HINT}\n")
    try:
        while True:
            out.write("You: ")
            out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                return 0
            if line.strip() == "/exit":
                await _end_session(client, pseudonym)
                out.write(CLEAR_SCREEN)
                out.flush()
                return 0
            text = choose_text(line, buttons)
            if not text:
                out.write("Lantern: Type a message, or the number of a button.\n")
                continue
            try:
                buttons = render(await client.send(pseudonym, text), out)
            except AssistantUnavailableError:
                # The developer's terminal speaks English; the Telegram front end speaks all.
                out.write(f"Lantern: {reply_when_down(None, catalogue(ENGLISH))}\n")
    finally:
        await client.aclose()


async def _end_session(client: RasaFrontDoorClient, pseudonym: str) -> None:
    # If Rasa is down the session expires on its own; the screen is wiped either way.
    with contextlib.suppress(AssistantUnavailableError):
        await client.send(pseudonym, RESTART_PAYLOAD)


def main(settings: Settings) -> int:
    return asyncio.run(chat(settings, sys.stdin, sys.stdout))
