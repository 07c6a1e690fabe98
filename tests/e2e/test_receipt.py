"""The receipt end to end (issue 12) on the real stack: the emulator, the real front end and a
real Rasa. One account shares a case and asks for a receipt, wipes its chat with /exit, and a
second account comes back with the words: the caseworker's reply reaches the second account's
chat and its answer reaches the case. A wrong receipt is refused and the limit bites."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.db.receipts import PER_PERSON_TRIES
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.devstack import MODEL_PATH, Stack
from tests.e2e.charity import Charity
from tests.e2e.emulated import FrontEnd, Person, bot_messages, bot_text
from tests.support import free_port, set_up_local_run

EN = catalogue(ENGLISH)
# On a machine shared with other test runs Rasa took longer than the usual 300 s to load its
# model (twice, at a load average of 12 on 2 cores); only the wait is longer.
START_SECONDS = 1200.0


@pytest.fixture(scope="module")
def stack(e2e_var_dir: Path) -> Iterator[Stack]:
    if not MODEL_PATH.exists():
        pytest.fail("no trained model: run `make train` (make test does) before the e2e tests")
    env = dict(os.environ, LANTERN_VAR_DIR=str(e2e_var_dir))
    set_up_local_run(load_settings(env))
    running = Stack(free_port(), free_port(), e2e_var_dir / "log")
    try:
        running.start(env, timeout_seconds=START_SECONDS)
        yield running
    finally:
        running.stop()


@pytest.fixture
def charity(e2e_var_dir: Path) -> Charity:
    return Charity.on(e2e_var_dir)


def receipt_in(text: str) -> str:
    before, _, after = EN.say("receipt_given", receipt="\0").partition("\0")
    start = text.index(before) + len(before)
    return text[start : text.index(after, start)]


def test_a_second_account_comes_back_to_the_case_with_the_receipt_after_exit(
    telegram: FrontEnd, charity: Charity
) -> None:
    first = Person(telegram.emulator)
    first.start()  # the chat link a reply needs is made on the first message to Rasa
    first.wait_for_bot_text("safe to talk")
    handoff_id = charity.case_for(first)

    first.say("/receipt")
    words = receipt_in(bot_text(first.wait_for_bot_text("Write these words down")))
    assert len(words.split()) == 7
    first.say("/exit")
    first.wait_for(lambda chat: not bot_messages(chat), "the first chat wiped, receipt too")

    second = Person(telegram.emulator)
    second.say("/resume " + words.title())
    chat = second.wait_for_bot_text(EN.say("resumed"))
    assert all(m["deleted"] for m in chat["messages"] if m["from"] != "bot")

    charity.reply(handoff_id, "Hello, this is Sam. Are you safe to talk?")
    second.wait_for_bot_text("Your caseworker wrote:\n\nHello, this is Sam.")
    second.say("Yes, I am on a friend's phone now")
    second.wait_for_bot_text(EN.say("relayed"))

    assert charity.person_said(handoff_id) == ["Yes, I am on a friend's phone now"]
    assert "Hello, this is Sam" not in bot_text(first.chat())


def test_a_wrong_receipt_is_refused_and_the_limit_bites(
    telegram: FrontEnd, charity: Charity
) -> None:
    owner = Person(telegram.emulator)
    owner.start()
    owner.wait_for_bot_text("safe to talk")
    handoff_id = charity.case_for(owner)
    owner.say("/receipt")
    words = receipt_in(bot_text(owner.wait_for_bot_text("Write these words down")))

    guesser = Person(telegram.emulator)
    for number in range(1, PER_PERSON_TRIES + 1):
        guesser.say(f"/resume apple bread crane daisy eagle fabric {number}")
        guesser.wait_for(
            lambda chat, n=number: bot_text(chat).count(EN.say("resume_refused")) == n,
            f"refusal {number}",
        )
    guesser.say("/resume " + words)
    guesser.wait_for_bot_text(EN.say("resume_too_many"))

    charity.reply(handoff_id, "Still here for you.")
    owner.wait_for_bot_text("Still here for you.")
    assert "Still here for you." not in bot_text(guesser.chat())
