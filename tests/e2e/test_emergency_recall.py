"""Emergency recall of the whole pipeline on held-out messages, through the real stack.

Every held-out emergency or suicidal message (tests/nlu/emergency_heldout.yml, never used in
training) must be answered with the emergency routes; suicidal ones also with Samaritans.
The behaviour is what matters, so this reads the replies, not the classifier's label.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .conftest import Conversation, text_of

HELD_OUT = Path(__file__).resolve().parents[1] / "nlu" / "emergency_heldout.yml"


def held_out(intent: str) -> list[str]:
    for block in yaml.safe_load(HELD_OUT.read_text())["nlu"]:
        if block["intent"] == intent:
            return [re.sub(r"^- ", "", line).strip() for line in block["examples"].splitlines()]
    raise AssertionError(f"no held-out examples for {intent}")


async def missed(conversation: Conversation, messages: list[str], must_say: str) -> list[str]:
    misses = []
    for message in messages:
        # Each message comes from a new person, so no earlier turn helps the prediction.
        first_message = Conversation(conversation.client)
        if must_say not in text_of(await first_message.say(message)):
            misses.append(message)
    return misses


async def test_every_held_out_emergency_gets_999(conversation: Conversation) -> None:
    messages = held_out("emergency")
    assert len(messages) >= 40
    assert await missed(conversation, messages, "call 999") == []


async def test_every_held_out_suicidal_message_gets_samaritans(
    conversation: Conversation,
) -> None:
    messages = held_out("suicidal_feelings")
    assert len(messages) >= 20
    assert await missed(conversation, messages, "116 123") == []
