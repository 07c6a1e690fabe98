"""Talking with a caseworker through the real Telegram front end: danger is still answered at
once, the person can go back to the assistant, and a closed case loses nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.console.demo import demo_account
from bot.core.config import Settings, load_settings
from bot.core.crypto import FrontEndPublicKey
from bot.core.db import relay
from bot.core.db.audit import Actor
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.models import Author, HandoffStatus, Organisation
from bot.core.db.store import Database, HandoffFields, create_engine_for
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.core.pseudonym import pseudonym_for
from tests.e2e.emulated import FrontEnd, Person, bot_text
from tests.support_cases import open_case, read_thread, set_status

CASEWORKER = Actor("caseworker")
SERVICES = "Here are services that can help."


@dataclass
class Charity:
    """The demo charity's side, acting on the shared database as the console would."""

    settings: Settings
    db: Database

    def case_for(self, someone: Person) -> tuple[str, str]:
        pseudonym = pseudonym_for(someone.user_id, self.settings.pseudonym_key())
        with self.db.transaction() as session:
            organisation_id = session.query(Organisation.id).order_by(Organisation.created_at)
            first = organisation_id.first()
        assert first is not None
        handoff_id = open_case(
            self.db,
            pseudonym,
            first[0],
            HandoffFields(consent=True),
            {"report_account": "a report"},
        )
        return handoff_id, pseudonym

    def reply(self, handoff_id: str, pseudonym: str, text: str) -> None:
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


def started(telegram: FrontEnd) -> Person:
    someone = Person(telegram.emulator)
    someone.start()  # the chat link a reply needs is made on the first message to Rasa
    someone.wait_for_bot_text("safe to talk")
    return someone


def test_danger_while_talking_with_a_caseworker_gets_999_and_still_reaches_them(
    telegram: FrontEnd, charity: Charity
) -> None:
    someone = started(telegram)
    handoff_id, pseudonym = charity.case_for(someone)

    charity.reply(handoff_id, pseudonym, "Hello, this is Sam from the charity.")
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
    handoff_id, pseudonym = charity.case_for(someone)
    charity.reply(handoff_id, pseudonym, "Is now a good time?")
    someone.wait_for_bot_text("Is now a good time?")

    someone.press("Back to the assistant")
    someone.wait_for(lambda chat: bot_text(chat).count("safe to talk") == 2, "a new greeting")
    someone.say("where can i get help, i need a refuge")
    someone.wait_for_bot_text(SERVICES)  # the assistant answered, not the relay
    assert charity.person_said(handoff_id) == []

    charity.reply(handoff_id, pseudonym, "Write when you can.")
    someone.wait_for_bot_text("Write when you can.")
    set_status(charity.db, handoff_id, HandoffStatus.CLOSED, CASEWORKER)
    someone.say("where can i get help, i need a refuge")
    chat = someone.wait_for_bot_text("conversation with the caseworker has ended")

    assert charity.person_said(handoff_id) == []
    someone.wait_for(
        lambda chat: bot_text(chat).count(SERVICES) == 2, "the assistant's answer as well"
    )
    assert "Sent to your caseworker" not in bot_text(chat)
