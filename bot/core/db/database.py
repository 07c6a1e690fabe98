"""The unit of work: one engine, one clock, one firewall, and a transaction per use case.

Repositories (``handoffs``, ``relay``, ``sealed_messages``, ``erasure``) are functions that take
the caller's session and never commit, so a use case that spans several of them opens one
:meth:`Database.transaction` and either all of it happens or none of it does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.db.migrations import upgrade_database
from bot.core.db.models import Handoff
from bot.core.errors import LanternError
from bot.core.firewall import default_firewall
from bot.core.key_pins import KeyPins
from bot.core.pseudonym import is_pseudonym

__all__ = [
    "KEY_PINS",
    "REPORT_FORMAT",
    "Database",
    "Redaction",
    "Redactor",
    "StoreError",
    "require_handoff",
    "require_pseudonym",
]

REPORT_FORMAT = 1
# Where a session carries its Database's key pins, for ``keys.active_organisation_key``.
KEY_PINS = "lantern.key_pins"


class StoreError(LanternError):
    """A store operation was refused: unknown record, bad transition or a non-vocabulary value."""


class Redaction(Protocol):
    @property
    def text(self) -> str: ...


class Redactor(Protocol):
    def redact(self, text: str) -> Redaction: ...


class Database:
    """Owns the engine and its sessions; nothing connects until the first transaction.

    ``key_pins`` (from the settings) are the only organisation keys its sessions seal to; every
    process passes them. ``None`` trusts every key in the database, for tests of other things.
    """

    def __init__(
        self,
        engine: Engine,
        firewall: Redactor | None = None,
        clock: Callable[[], datetime] | None = None,
        key_pins: KeyPins | None = None,
    ) -> None:
        self.engine = engine
        self.firewall: Redactor = firewall if firewall is not None else default_firewall()
        self.key_pins = key_pins
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        # The pins ride on each session, so every repository that seals meets them without
        # each signature carrying them.
        self._sessions = sessionmaker(engine, expire_on_commit=False, info={KEY_PINS: key_pins})

    def now(self) -> datetime:
        return self._clock()

    def migrate(self) -> None:
        upgrade_database(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session


def require_pseudonym(value: str) -> None:
    if not is_pseudonym(value):
        raise StoreError("expected a pseudonym from bot.core.pseudonym, not a raw id")


def require_handoff(session: Session, handoff_id: str) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise StoreError("no such handoff")
    return handoff
