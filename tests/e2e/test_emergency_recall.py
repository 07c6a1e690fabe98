"""Emergency recall of the whole pipeline on held-out messages, through the real stack.

Every held-out emergency or suicidal message (tests/nlu/emergency_heldout.yml, never used in
training) must be answered with the emergency routes; suicidal ones also with Samaritans; a
planned harm also with its service from the directory. Every not-safe message gets the short
line and nothing else. The behaviour is what matters, so this reads the replies, not the label.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.core.directory import default_directory
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.core.message_metadata import EMERGENCY_PAYLOAD, PERSON_PAYLOAD
from bot.frontdoor.rasa_client import BotMessage

from .conftest import Conversation, text_of

HELD_OUT = Path(__file__).resolve().parents[1] / "nlu" / "emergency_heldout.yml"
WAY_OUT_PAYLOADS = {EMERGENCY_PAYLOAD, PERSON_PAYLOAD}


def held_out(intent: str) -> list[tuple[str, str | None]]:
    """(message, directory id its answer must show) for every block of ``intent``."""
    cases = [
        (line.removeprefix("- ").strip(), (block.get("metadata") or {}).get("service"))
        for block in yaml.safe_load(HELD_OUT.read_text())["nlu"]
        if block["intent"] == intent
        for line in block["examples"].splitlines()
        if line.strip()
    ]
    assert cases, f"no held-out examples for {intent}"
    return cases


async def missed(
    conversation: Conversation, cases: list[tuple[str, str | None]], must_say: str
) -> list[str]:
    directory = default_directory()
    misses = []
    for message, service_id in cases:
        # Each message comes from a new person, so no earlier turn helps the prediction.
        text = text_of(await Conversation(conversation.client).say(message))
        service = directory.service(service_id) if service_id else None
        if must_say not in text or (service is not None and service.name not in text):
            misses.append(message)
        elif service is not None and text.index(must_say) > text.index(service.name):
            misses.append(f"{message} (999 not first)")
    return misses


def only_the_short_line(turn: list[BotMessage]) -> bool:
    """The short line and nothing after it: no question, only the standing way-out buttons."""
    return [message.text for message in turn] == [catalogue(ENGLISH).say("not_safe")] and all(
        button.payload in WAY_OUT_PAYLOADS for button in turn[-1].buttons
    )


async def test_every_held_out_emergency_gets_999(conversation: Conversation) -> None:
    cases = held_out("emergency")
    assert len(cases) >= 70
    assert sum(1 for _, service in cases if service) >= 12
    assert await missed(conversation, cases, "call 999") == []


async def test_every_held_out_suicidal_message_gets_samaritans(
    conversation: Conversation,
) -> None:
    cases = held_out("suicidal_feelings")
    assert len(cases) >= 20
    assert await missed(conversation, cases, "116 123") == []


async def test_every_held_out_not_safe_message_gets_the_short_line_alone(
    conversation: Conversation,
) -> None:
    cases = held_out("not_safe_to_talk")
    assert len(cases) >= 15
    wrong = []
    for message, _ in cases:
        turn = await Conversation(conversation.client).say(message)
        if not only_the_short_line(turn):
            wrong.append((message, text_of(turn)))
    assert wrong == []


async def test_he_is_back_mid_report_pauses_the_form_and_it_resumes_later(
    conversation: Conversation,
) -> None:
    # Given a report under way, its first question answered
    turn = await conversation.say("/report_abuse")
    assert "(1 of 9)" in text_of(turn)
    turn = await conversation.say("he shouts at me and breaks my things")
    assert "(2 of 9)" in text_of(turn)
    # When he walks in
    turn = await conversation.say("gtg he's back")
    # Then the short line alone, no next question
    assert only_the_short_line(turn), text_of(turn)
    # And a message after it is not taken as the form's answer: the form is paused
    turn = await conversation.say("hello")
    assert "(2 of 9)" not in text_of(turn)
    # And choosing to tell what happened again carries on where it stopped, answers kept
    turn = await conversation.say("/report_abuse")
    assert "(2 of 9)" in text_of(turn)
    assert "(1 of 9)" not in text_of(turn)
