"""The inbox of Telegram updates: each recorded, sealed, before its turn runs (issue 12).

Polling confirms an update (by asking for a higher offset) and a webhook answers 200 only once
the update is here, so an update is never lost between Telegram and a finished turn; its
update_id is the dedupe key, so an update delivered twice gives one turn. The sealed update is
dropped once the turn is done; the bare update_id stays two days, past Telegram's 24 hours.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.core.crypto import (
    Binding,
    FrontEndKey,
    SealedDataError,
    open_as_front_end,
    seal_for_front_end,
)
from bot.core.db.frontdoor_models import InboxUpdate

logger = logging.getLogger(__name__)

# Telegram keeps an unconfirmed update for 24 hours, so a done update_id is remembered longer.
REMEMBER_UPDATES_FOR = timedelta(hours=48)
PENDING, DONE = "pending", "done"
_INBOX = "frontdoor.inbox"


class SealedState:
    """Sessions, the clock and sealing bound to a row and field, for the front end's tables."""

    def __init__(
        self,
        engine: Engine,
        key: FrontEndKey,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._key = key
        self._keys = {key.key_id: key}
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def now(self) -> datetime:
        return self._clock()

    # --- sealing -------------------------------------------------------------------------

    def _seal(self, value: object, record: str, field: str) -> bytes:
        plain = json.dumps(value, separators=(",", ":")).encode()
        return seal_for_front_end(plain, self._key, Binding(record, field))

    def _open(self, sealed: bytes, record: str, field: str) -> object:
        return json.loads(open_as_front_end(sealed, self._keys, Binding(record, field)))


class FrontDoorInbox(SealedState):
    """Record, finish and replay updates."""

    # --- the inbox (exactly-once turns) ---------------------------------------------------------

    def receive(
        self, update_id: int, pseudonym: str | None, update: dict[str, object], fingerprint: str
    ) -> bool:
        """Record an update before it is handled; False when this very update was seen before.

        ``fingerprint`` is a keyed digest of the update (``TurnKeeping.admit``): Telegram sends
        the same update again byte for byte, but an update_id can also come back for another
        update (a bot idle for a week gets a random new start; a local emulator starts again at
        the same number), and that one must not be dropped as a repeat.
        """
        sealed = self._seal(update, str(update_id), _INBOX)
        try:
            with self._sessions.begin() as session:
                earlier = session.get(InboxUpdate, update_id)
                if earlier is not None:
                    if earlier.fingerprint == fingerprint:
                        return False
                    session.delete(earlier)
                    session.flush()
                session.add(
                    InboxUpdate(
                        update_id=update_id,
                        fingerprint=fingerprint,
                        pseudonym=pseudonym,
                        sealed_update=sealed,
                        state=PENDING,
                        received_at=self.now(),
                    )
                )
        except IntegrityError:
            # The same update, recorded a moment ago by a concurrent put.
            return False
        return True

    def finish(self, update_id: int) -> None:
        """The turn is done: keep the update_id (dedupe), drop the update itself."""
        with self._sessions.begin() as session:
            row = session.get(InboxUpdate, update_id)
            if row is not None:
                row.state, row.sealed_update, row.pseudonym = DONE, None, None
            cutoff = self.now() - REMEMBER_UPDATES_FOR
            session.execute(
                delete(InboxUpdate).where(
                    InboxUpdate.state == DONE, InboxUpdate.received_at < cutoff
                )
            )

    def shown(self, update_id: int) -> int:
        """How many messages of this update's answer were sent before (a replay skips them)."""
        with self._sessions() as session:
            row = session.get(InboxUpdate, update_id)
            return 0 if row is None else row.shown

    def is_done(self, update_id: int) -> bool:
        with self._sessions() as session:
            row = session.get(InboxUpdate, update_id)
            return row is not None and row.state == DONE

    def unfinished(self) -> list[tuple[int, dict[str, object]]]:
        """Updates recorded but not done (the process stopped mid-turn), oldest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(InboxUpdate)
                .where(InboxUpdate.state == PENDING)
                .order_by(InboxUpdate.update_id)
            ).all()
        found, unreadable = [], []
        for row in rows:
            if row.sealed_update is None:
                continue
            try:
                body = self._open(row.sealed_update, str(row.update_id), _INBOX)
            except SealedDataError:
                # Sealed under a key this process no longer has: replaying it is impossible,
                # and failing the start-up over it would leave everyone without an answer.
                unreadable.append(row.update_id)
                continue
            assert isinstance(body, dict)  # noqa: S101 - sealed by receive() above
            found.append((row.update_id, body))
        for update_id in unreadable:
            logger.error("an unfinished update could not be opened and was dropped")
            self.finish(update_id)
        return found
