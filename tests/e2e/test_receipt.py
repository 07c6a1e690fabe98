"""The receipt end to end (issue 12) on the real stack: the emulator, the real front end and a
real Rasa. One account shares a case and asks for a receipt, wipes its chat with /exit, and a
second account comes back with the words: the caseworker's reply reaches the second account's
chat and its answer reaches the case. A wrong receipt is refused and the limit bites."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.console.demo import demo_account
from bot.core.config import Settings, load_settings
from bot.core.crypto import FrontEndPublicKey
from bot.core.db import relay
from bot.core.db.audit import Actor
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.models import Author, Organisation
from bot.core.db.receipts import PER_PERSON_TRIES
from bot.core.db.store import Database, HandoffFields, create_engine_for
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.core.pseudonym import pseudonym_for
from bot.devstack import MODEL_PATH, Stack
from tests.e2e.emulated import FrontEnd, Person, bot_messages, bot_text
from tests.support import free_port, set_up_local_run
from tests.support_cases import open_case, read_thread

EN = catalogue(ENGLISH)
CASEWORKER = Actor("caseworker")
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


@dataclass
class Charity:
    """The demo charity's side, acting on the shared database as the console would."""

    settings: Settings
    db: Database

    def case_for(self, someone: Person) -> str:
        pseudonym = pseudonym_for(someone.user_id, self.settings.pseudonym_key())
        with self.db.transaction() as session:
            first = session.query(Organisation.id).order_by(Organisation.created_at).first()
        assert first is not None
        return open_case(
            self.db, pseudonym, first[0], HandoffFields(consent=True), {"report_account": "x"}
        )

    def reply(self, handoff_id: str, text: str) -> None:
        # What the console holds: the public key file `make keys` wrote, nothing more.
        key = FrontEndPublicKey.from_hex(self.settings.for_console().front_end_public_key_hex())
        with self.db.transaction() as session:
            relay.reply_to_person(
                session,
                handoff_id,
                text,
                key,
                CASEWORKER,
                now=self.db.now(),
                firewall=self.db.firewall,
            )

    def person_said(self, handoff_id: str) -> list[str]:
        admin = demo_account(self.settings, "admin")
        with self.db.transaction() as session:
            keys = unlock_organisation_keys(session, admin.staff_id, admin.passphrase)
        thread = read_thread(self.db, handoff_id, keys, CASEWORKER)
        return [text for author, _, text in thread if author is Author.PERSON]


@pytest.fixture
def charity(e2e_var_dir: Path) -> Charity:
    settings = load_settings({"LANTERN_VAR_DIR": str(e2e_var_dir)})
    return Charity(settings, Database(create_engine_for(settings)))


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
