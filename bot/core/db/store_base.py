"""What the store and the relay share: one engine, one clock, one firewall, one refusal type.

Kept apart so that ``bot.core.db.store`` can build on ``bot.core.db.relay`` without either importing
the other's internals; callers import from ``bot.core.db.store``, never from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.db.models import Handoff
from bot.core.errors import LanternError
from bot.core.firewall import default_firewall
from bot.core.pseudonym import is_pseudonym

__all__ = [
    "REPORT_FORMAT",
    "Redaction",
    "Redactor",
    "StoreBase",
    "StoreError",
    "require_handoff",
    "require_pseudonym",
]

REPORT_FORMAT = 1


class StoreError(LanternError):
    """A store operation was refused: unknown record, bad transition or a non-vocabulary value."""


class Redaction(Protocol):
    @property
    def text(self) -> str: ...


class Redactor(Protocol):
    def redact(self, text: str) -> Redaction: ...


class StoreBase:
    """Sessions, the clock and the firewall; subclasses add the operations."""

    def __init__(
        self,
        engine: Engine,
        firewall: Redactor | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.firewall: Redactor = firewall if firewall is not None else default_firewall()
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def now(self) -> datetime:
        return self._clock()

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
