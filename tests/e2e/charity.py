"""The demo charity's side of the e2e tests, acting on the shared database as the console would:
it holds only what the console holds (the front end's public key file, never its secret)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.console.demo import demo_account
from bot.core.config import Settings, load_settings
from bot.core.crypto import FrontEndKey, FrontEndPublicKey
from bot.core.db import relay
from bot.core.db.audit import Actor
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.models import Author, Organisation
from bot.core.db.store import Database, HandoffFields, create_engine_for
from bot.core.pseudonym import pseudonym_for
from tests.e2e.emulated import Person
from tests.support_cases import open_case, read_thread

CASEWORKER = Actor("caseworker")


@dataclass
class Charity:
    settings: Settings
    db: Database

    @classmethod
    def on(cls, var_dir: Path) -> Charity:
        settings = load_settings({"LANTERN_VAR_DIR": str(var_dir)})
        return cls(settings, Database(create_engine_for(settings)))

    def case_for(self, someone: Person) -> str:
        """A case shared by ``someone`` with the first (demo) organisation; its handoff id."""
        pseudonym = pseudonym_for(someone.user_id, self.settings.pseudonym_key())
        with self.db.transaction() as session:
            first = session.query(Organisation.id).order_by(Organisation.created_at).first()
        assert first is not None
        return open_case(
            self.db,
            pseudonym,
            first[0],
            HandoffFields(consent=True),
            {"report_account": "x"},
            key=FrontEndKey(self.settings.front_end_key()),
        )

    def reply(self, handoff_id: str, text: str) -> None:
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
