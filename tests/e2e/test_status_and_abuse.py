"""A message with abuse and status in it gets both halves answered, through the real stack."""

from __future__ import annotations

import pytest

from .conftest import Conversation, text_of

STATUS_NOTE = "left out what you said about immigration status"


@pytest.mark.parametrize(
    "said",
    [
        "my husband hits me and took my passport, I am on a spouse visa",
        "I'm an asylum seeker and my partner beats me",
        "he controls all my money and I have pre-settled status",
    ],
)
async def test_abuse_beside_status_gets_the_note_then_the_offer_to_tell(
    conversation: Conversation, said: str
) -> None:
    # When a person opens with abuse and volunteered status in one message
    turn = await conversation.say(said)
    text = text_of(turn)
    # Then the status gets one line, and the abuse gets the normal answer
    assert STATUS_NOTE in text
    assert "Would you like to tell me what happened?" in text
    titles = [button.title for message in turn for button in message.buttons]
    assert "Tell you what happened" in titles
    assert "Find support" in titles
    # And nothing of the status comes back
    for word in ("visa", "asylum", "passport", "settled"):
        assert word not in text.casefold()


async def test_status_alone_gets_the_note_and_independent_services(
    conversation: Conversation,
) -> None:
    turn = await conversation.say("I am on a spouse visa")
    text = text_of(turn)
    assert STATUS_NOTE in text
    assert "Some independent services help" in text
    assert "What would you like to do?" in text
