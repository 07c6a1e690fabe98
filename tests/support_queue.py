"""A queue of cases through the real store, with a clock the test moves: for the counts and for
the staff-group ping that announces them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.core.crypto import KdfParams
from bot.core.db.audit import Actor
from bot.core.db.organisations import Credentials, create_organisation
from bot.core.db.store import HandoffFields, Store
from bot.core.pseudonym import pseudonym_for
from bot.core.report_fields import Urgency
from tests.support_cases import legacy_draft, open_case

KEY = b"pseudonym key for tests, 32 bytes+"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class Queue:
    """Partner organisations and the handoffs people open to them, through the real store."""

    def __init__(self, store: Store, kdf: KdfParams) -> None:
        self.store, self._kdf, self._people = store, kdf, 0
        self.organisations: dict[str, str] = {}
        self.staff: dict[str, Actor] = {}

    def organisation(self, name: str) -> str:
        with self.store.db.transaction() as session:
            made = create_organisation(
                session,
                name,
                Credentials(name.lower().replace(" ", "-"), "admin passphrase"),
                self.store.db.now(),
                kdf=self._kdf,
            )
        self.organisations[name] = made.organisation_id
        self.staff[name] = Actor("admin", made.admin.staff_id)
        return made.organisation_id

    def _person(self) -> str:
        self._people += 1
        return pseudonym_for(100_000 + self._people, KEY)

    def draft(self, organisation: str) -> str:
        """What the older two-step sharing left when it stopped halfway."""
        return legacy_draft(self.store.db, self._person(), self.organisations[organisation])

    def submit(self, urgency: Urgency, organisation: str, region: str = "london") -> str:
        """As the action server does, for a chosen organisation."""
        return open_case(
            self.store.db,
            self._person(),
            self.organisations[organisation],
            HandoffFields(urgency=urgency, nation="england", region=region, consent=True),
            {"story": "what happened"},
        )
