"""The Telegram front end's turn handling while the assistant cannot answer.

The real front end (``telegram_app.create_app`` and ``serve``) polls the Bot API emulator, with
its real Rasa client pointed at a loopback port nobody listens on: every turn here is one the
front end answers by itself. What Rasa would be sent is read off the waiting room, whose
messages the real client sends, in order, once Rasa is back (``FrontEnd.drain``).
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.core.message_metadata import PERSON_PAYLOAD
from bot.frontdoor.telegram_frontend import GREET_PAYLOAD
from bot.frontdoor.telegram_render import EMERGENCY, QUICK_EXIT
from tests.emulator.support import Running
from tests.frontdoor.support import (
    RASA_TIMEOUT_SECONDS,
    Person,
    front_end_on,
    person_ids,
    plain,
)

EN = catalogue(ENGLISH)


def callback_data(message: dict[str, Any]) -> list[str]:
    return [button["callback_data"] for row in message["buttons"] for button in row]


def assert_way_out(message: dict[str, Any], *, person_too: bool = True) -> None:
    data = callback_data(message)
    assert data[-1] == QUICK_EXIT, data
    assert EMERGENCY in data or "/emergency" in data, data
    if person_too:
        assert PERSON_PAYLOAD in data, data


async def test_danger_typed_while_the_assistant_is_down_gets_999_and_is_kept(
    person: Person,
) -> None:
    """Given Rasa down, When someone types a danger, Then the front end answers at once with
    the emergency routes and that it will be back, every way out under it, and keeps the
    message for Rasa."""
    await person.say("he has a knife")
    (answer,) = await person.answers(1)
    assert EN.say("emergency_routes") in plain(answer["text"])
    assert "999" in plain(answer["text"])
    assert EN.say("assistant_down") in plain(answer["text"])
    assert_way_out(answer)
    assert person.queued() == ["he has a knife"]


async def test_he_is_back_gets_the_short_line_alone_while_the_assistant_is_down(
    person: Person,
) -> None:
    await person.say("gtg he's back")
    (answer,) = await person.answers(1)
    assert plain(answer["text"]) == plain(EN.say("not_safe"))
    assert EN.say("assistant_down") not in plain(answer["text"])
    assert_way_out(answer)


async def test_messages_wait_in_order_and_typed_slashes_never_reach_rasa(
    person: Person,
) -> None:
    """Given Rasa down, When someone types Rasa's payload syntax, with or without a space
    before the slash, Then what is kept for Rasa has no slash to force an intent with."""
    typed = [
        "I want to report what my husband does",
        " /restart",
        '/inform{"consent_to_share": "yes"}',
        "/ /emergency",
    ]
    for count, text in enumerate(typed, start=1):
        await person.say(text)
        await person.answers(count)
    assert person.queued() == [
        "I want to report what my husband does",
        "restart",
        'inform{"consent_to_share": "yes"}',
        "emergency",
    ]


@pytest.mark.parametrize("exit_command", ["/exit", "/exit please", "/EXIT", " /exit@Bot now"])
async def test_every_exit_wipes_the_chat_and_what_waited_for_rasa(
    person: Person, exit_command: str
) -> None:
    """Given a chat with a message waiting for Rasa and a language chosen, When the person
    sends /exit in any of its forms, Then every message goes, their own too, and nothing of
    the conversation is left in the front end's memory.

    English typed after choosing Polish makes the front end offer English, a message still on
    its way (Telegram's one a second per chat) when the exit comes: it must not be left
    behind in the wiped chat."""
    await person.say("/start")
    await person.answers(1)
    await person.press("Polski")
    await person.answers(2)
    await person.say("he takes my money")
    await person.answers(3)
    assert person.queued() == [GREET_PAYLOAD, "he takes my money"]

    await person.say(exit_command)
    chat = await person.wait_for(
        lambda c: all(m["deleted"] for m in c["messages"]), "every message deleted"
    )
    # Three of theirs, three answers, and the offer of English when it left before the exit
    # came (then deleted with the rest) rather than after it (then never shown).
    assert len(chat["messages"]) in {6, 7}
    assert person.queued() == []
    assert person.front_end.language(person.user_id) is None
    await asyncio.sleep(1.5)  # longer than a flood wait: anything late would be here
    after = (await person.chat())["messages"]
    assert all(m["deleted"] for m in after), [m for m in after if not m["deleted"]]


async def test_exit_not_at_the_start_is_words_for_the_assistant(person: Person) -> None:
    await person.say("please /exit")
    (answer,) = await person.answers(1)
    assert not answer["deleted"]
    assert person.queued() == ["please /exit"]


async def test_a_language_button_answers_in_that_language_even_with_the_assistant_down(
    person: Person,
) -> None:
    """Given /start's language list, When Polish is pressed, Then the safety question is
    asked of Rasa (kept until it is back) and the front end's own answer is in Polish, its
    standing buttons too."""
    polish = catalogue("pl")
    await person.say("/start")
    (languages,) = await person.answers(1)
    assert EN.say("choose_language") in plain(languages["text"])
    assert_way_out(languages)
    await person.press("Polski")
    answer = (await person.answers(2))[-1]
    assert polish.say("emergency_routes") in plain(answer["text"])
    assert polish.say("assistant_down") in plain(answer["text"])
    titles = [button["text"] for row in answer["buttons"] for button in row]
    assert titles == [
        polish.say("emergency_button"),
        polish.say("person_button"),
        polish.say("quick_exit_button"),
    ]
    assert person.front_end.language(person.user_id) == "pl"
    assert person.queued() == [GREET_PAYLOAD]

    # Chosen again later, from /language: said in the language, nothing asked of Rasa.
    await person.say("/language")
    await person.answers(3)
    await person.press("English")
    answer = (await person.answers(4))[-1]
    assert plain(answer["text"]) == EN.say("language_chosen")
    assert person.queued() == [GREET_PAYLOAD]


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document", "video"])
async def test_what_is_not_text_gets_a_kind_word_and_nothing_goes_to_rasa(
    person: Person, kind: str
) -> None:
    await person.send(**{kind: True})
    (answer,) = await person.answers(1)
    assert plain(answer["text"]) == EN.say("unsupported")
    assert_way_out(answer)
    assert person.queued() == []


async def test_the_longest_message_telegram_allows_is_read_to_its_end(person: Person) -> None:
    """Given 4096 characters whose last words are a danger, Then the 999 answer still comes,
    and the whole message waits for Rasa."""
    ending = " he has a knife"
    longest = "x" * (4096 - len(ending)) + ending
    await person.say(longest)
    (answer,) = await person.answers(1)
    assert EN.say("emergency_routes") in plain(answer["text"])
    assert person.queued() == [longest]


async def test_the_emergency_and_exit_buttons_work_without_the_assistant(person: Person) -> None:
    await person.say("hello")
    await person.answers(1)
    await person.press(EN.say("emergency_button"))
    answer = (await person.answers(2))[-1]
    assert plain(answer["text"]) == plain(EN.say("emergency_routes"))
    assert_way_out(answer)
    assert person.queued() == ["hello"]  # the button asked nothing of Rasa
    await person.press(EN.say("quick_exit_button"))
    await person.wait_for(
        lambda c: all(m["deleted"] for m in c["messages"]), "every message deleted"
    )
    assert person.queued() == []


async def test_every_answer_the_front_end_gives_alone_leaves_a_way_out(person: Person) -> None:
    """Help, the languages, text with the assistant down, something not text: each ends with
    emergency help, a person and the quick exit; the erasure question keeps its own two
    answers and the quick exit."""
    sent: list[dict[str, object]] = [
        {"text": "/help"},
        {"text": "/language"},
        {"text": "hello"},
        {"sticker": True},
        {"text": "/forget"},
    ]
    for count, content in enumerate(sent, start=1):
        await person.send(**content)
        answers = await person.answers(count)
    assert plain(answers[0]["text"]) == EN.say("help")
    for answer in answers[:-1]:
        assert_way_out(answer)
    erase = answers[-1]
    assert plain(erase["text"]) == EN.say("forget_question")
    assert callback_data(erase)[-1] == QUICK_EXIT
    assert len(callback_data(erase)) == 3


async def test_an_exit_while_the_assistant_hangs_leaves_nothing_behind(
    emulator_server: Running,
    control: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    """Given Rasa that takes a message and never answers, and a person who chose Polish,
    When they write in English and press /exit while Rasa is still being asked, Then once
    Rasa times out nothing lands in the wiped chat (neither the 999 answer nor the offer to
    carry on in English) and nothing is kept to be sent to Rasa after its restart."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # connections are taken by the kernel, never answered
        rasa_url = f"http://127.0.0.1:{hung.getsockname()[1]}"
        async with front_end_on(emulator_server, tmp_path / "var", rasa_url) as front_end:
            person = Person(next(person_ids), control, front_end)
            await person.say("/language")
            await person.answers(1)
            await person.press("Polski")
            await person.answers(2)
            await person.say("he takes my money every week")
            await asyncio.sleep(RASA_TIMEOUT_SECONDS / 4)
            await person.say("/exit")
            await person.wait_for(
                lambda c: len(c["messages"]) >= 5 and all(m["deleted"] for m in c["messages"]),
                "every message deleted",
            )
            # the turn's timeout, then the exit's own restart sent to the same Rasa
            await asyncio.sleep(RASA_TIMEOUT_SECONDS * 2 + 1)
            left = [m for m in (await person.chat())["messages"] if not m["deleted"]]
            assert left == []
            assert person.queued() == []
