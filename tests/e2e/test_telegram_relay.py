"""Talking with a caseworker through the real Telegram front end: danger is still answered at
once, the person can go back to the assistant, and a closed case loses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.db.models import HandoffStatus
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from tests.e2e.charity import CASEWORKER, Charity
from tests.e2e.emulated import FrontEnd, Person, bot_text
from tests.support_cases import set_status

SERVICES = "Here are services that can help."


@pytest.fixture
def charity(e2e_var_dir: Path) -> Charity:
    return Charity.on(e2e_var_dir)


def started(telegram: FrontEnd) -> Person:
    someone = Person(telegram.emulator)
    someone.start()  # the chat link a reply needs is made on the first message to Rasa
    someone.wait_for_bot_text("safe to talk")
    return someone


def test_danger_while_talking_with_a_caseworker_gets_999_and_still_reaches_them(
    telegram: FrontEnd, charity: Charity
) -> None:
    someone = started(telegram)
    handoff_id = charity.case_for(someone)

    charity.reply(handoff_id, "Hello, this is Sam from the charity.")
    someone.wait_for_bot_text("Your caseworker wrote:\n\nHello, this is Sam")
    someone.say("he is outside the door with a knife. my visa is tied to him")
    chat = someone.wait_for_bot_text("Sent to your caseworker")

    assert catalogue(ENGLISH).say("emergency_routes") in bot_text(chat)
    said = charity.person_said(handoff_id)
    assert len(said) == 1 and "outside the door with a knife" in said[0]
    assert "visa" not in said[0]


def test_back_to_the_assistant_then_a_closed_case_sends_words_to_the_assistant(
    telegram: FrontEnd, charity: Charity
) -> None:
    someone = started(telegram)
    handoff_id = charity.case_for(someone)
    charity.reply(handoff_id, "Is now a good time?")
    someone.wait_for_bot_text("Is now a good time?")

    someone.press("Back to the assistant")
    someone.wait_for(lambda chat: bot_text(chat).count("safe to talk") == 2, "a new greeting")
    someone.say("where can i get help, i need a refuge")
    someone.wait_for_bot_text(SERVICES)  # the assistant answered, not the relay
    assert charity.person_said(handoff_id) == []

    charity.reply(handoff_id, "Write when you can.")
    someone.wait_for_bot_text("Write when you can.")
    set_status(charity.db, handoff_id, HandoffStatus.CLOSED, CASEWORKER)
    someone.say("where can i get help, i need a refuge")
    chat = someone.wait_for_bot_text("conversation with the caseworker has ended")

    assert charity.person_said(handoff_id) == []
    someone.wait_for(
        lambda chat: bot_text(chat).count(SERVICES) == 2, "the assistant's answer as well"
    )
    assert "Sent to your caseworker" not in bot_text(chat)
