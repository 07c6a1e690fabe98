"""Each row of docs/SUPPORT.md's table end to end: a person in the Telegram Bot API emulator, the
real front end, Rasa and the action server. They write what the row says (as a frightened
person writes, typos and all), ask for support if the assistant has not offered it yet, and the
services on the cards must fit them; the unfit ones (women-only for a man, the FGM line when FGM
was never named, a perpetrator line for a victim) must not appear.

The test runs at whatever hour it is, so it asserts what the table promises at every hour: the
services listed both by day and by night are all shown, nothing outside the two lists is, and
the first card is one of the two first choices.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.directory import default_directory
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from tests.e2e.emulated import FrontEnd, Person, bot_messages
from tests.support_table import Row, table_rows, unfit

SERVICES_INTRO = "Here are services that can help."
ROWS = table_rows()
Message = dict[str, Any]

QUICK_EXIT = catalogue(ENGLISH).say("quick_exit_button")


def _labels(message: Message) -> list[str]:
    return [button["text"] for row in message["buttons"] for button in row]


def assert_way_out(turn: list[Message]) -> None:
    """Every reply ends with emergency help, a person and the quick exit: never a dead end."""
    last = _labels(turn[-1])
    assert "Emergency help" in last, last
    assert "Talk to a person" in last, last
    assert QUICK_EXIT in last, last


class Asker:
    """One person in the emulator, reading the assistant's reply turn by turn."""

    def __init__(self, telegram: FrontEnd) -> None:
        self.person = Person(telegram.emulator)
        self.seen = 0

    def _turn(self) -> list[Message]:
        # A turn's last message carries the quick exit; the ones before it come first, one a
        # second, so the turn is complete once that message has arrived.
        def complete(chat: dict[str, Any]) -> bool:
            return any(QUICK_EXIT in _labels(m) for m in bot_messages(chat)[self.seen :])

        chat = self.person.wait_for(complete, "the end of the assistant's turn")
        messages = bot_messages(chat)
        end = next(i for i in range(self.seen, len(messages)) if QUICK_EXIT in _labels(messages[i]))
        turn, self.seen = messages[self.seen : end + 1], end + 1
        assert_way_out(turn)
        return turn

    def say(self, text: str) -> list[Message]:
        self.person.say(text)
        return self._turn()

    def press(self, label: str) -> list[Message]:
        self.person.press(label)
        return self._turn()


def _text(turn: list[Message]) -> str:
    return "\n".join(m["text"] or "" for m in turn)


def ask_for_support(asker: Asker, turn: list[Message]) -> list[Message]:
    """What a person does to get to the services from where the assistant left them."""
    for _ in range(3):
        if SERVICES_INTRO in _text(turn):
            return turn
        labels = _labels(turn[-1])
        if "Find support" in labels:
            turn = asker.press("Find support")
        elif "Find support for them" in labels:
            turn = asker.press("Find support for them")
        elif "Skip" in labels:
            # The report began with what they wrote; the question says "type stop" to leave it.
            turn = asker.say("stop")
        else:
            turn = asker.say("where can i get help")
    assert SERVICES_INTRO in _text(turn), _text(turn)
    return turn


@pytest.mark.parametrize("row", ROWS, ids=[row.need for row in ROWS])
def test_the_services_offered_fit_the_person(telegram: FrontEnd, row: Row) -> None:
    asker = Asker(telegram)
    directory = default_directory()
    by_name = {service.name: service for service in directory.services}

    # When the person writes what the row says and asks for support
    turn = ask_for_support(asker, asker.say(row.wrote))

    # Then the cards are the services the table lists for them, as many as it lists
    cards = [m["text"] or "" for m in turn]
    shown = [card.split("\n")[0] for card in cards if card.split("\n")[0] in by_name]
    assert shown, _text(turn)
    assert set(shown) <= {*row.daytime, *row.night}, shown
    assert set(row.daytime) & set(row.night) <= set(shown), shown
    assert shown[0] in {row.daytime[0], row.night[0]}, shown
    assert len(shown) in {len(row.daytime), len(row.night)}, shown
    # And each card carries the service's own number, so the person can call it
    text = _text(turn)
    for name in shown:
        for route in by_name[name].contact:
            if route.kind == "phone":
                assert route.value in text, (name, route.value)
    # And nothing unfit for them is there, whatever the hour
    for service in unfit(row, directory):
        assert service.name not in text, service.name
