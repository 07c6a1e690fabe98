"""The terminal chat's front-door rules."""

from __future__ import annotations

import io

from bot.frontdoor.rasa_client import BotMessage, Button
from bot.frontdoor.terminal import choose_text, render

BUTTONS = (Button("Yes", "/affirm"), Button("No", "/deny"))


def test_a_number_presses_the_button() -> None:
    assert choose_text("2\n", BUTTONS) == "/deny"


def test_typed_slash_commands_are_defanged() -> None:
    # Typing Rasa's payload syntax must not force an intent or set a slot.
    assert choose_text('/inform{"consent_to_share": "yes"}', BUTTONS) == (
        'inform{"consent_to_share": "yes"}'
    )
    assert choose_text("//emergency", ()) == "emergency"
    assert choose_text("/ /restart", ()) == "restart"


def test_a_number_without_such_a_button_is_text() -> None:
    assert choose_text("7", BUTTONS) == "7"


def test_render_numbers_the_buttons() -> None:
    out = io.StringIO()
    buttons = render([BotMessage("Hi", BUTTONS)], out)
    assert buttons == BUTTONS
    assert "[1] Yes" in out.getvalue()
    assert "[2] No" in out.getvalue()
