"""The Telegram front end's state in the database, so that a restart loses nothing (issue 12).

Before this, the exit trail, the waiting room, who talks with a caseworker, the chosen language
and long button payloads lived in memory: after a restart people told "Nothing you wrote has
been lost" lost it, and /exit deleted nothing sent earlier. Everything is keyed by pseudonym,
and every Telegram id and every word is sealed under the front end's key, bound to its row, so a
seized database without that key says who talked, roughly when, and nothing more.

Calls are short single-row transactions; the front end makes them inline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.core.db.frontdoor_inbox import DONE, FrontDoorInbox
from bot.core.db.frontdoor_models import (
    ButtonPayload,
    FrontDoorPerson,
    InboxUpdate,
    TrailMessage,
    WaitingMessage,
)
from bot.core.db.models import new_id
from bot.core.errors import LanternError
from bot.core.pseudonym import is_pseudonym

# Telegram refuses to delete a message older than 48 hours, and one such id fails a whole
# deleteMessages batch (../shared/reference/telegram.md); an hour's margin covers clock skew
# and a slow exit.
DELETABLE_FOR = timedelta(hours=47)
# A long button payload outlives any keyboard anyone could still press.
KEEP_BUTTONS_FOR = timedelta(days=30)

_TRAIL = "frontdoor.trail"


class FrontDoorStateError(LanternError):
    """A state call was given a raw id instead of a pseudonym."""


@dataclass(frozen=True)
class Waiting:
    """A message the assistant could not take yet; answered, in order, when it is back."""

    id: str
    chat_id: int
    pseudonym: str
    text: str
    # The update it came in, so that a crash after Rasa answered it does not ask Rasa twice.
    update_id: int | None = None


@dataclass(frozen=True)
class TrailEntry:
    message_id: int
    sent_at: datetime


class FrontDoorState(FrontDoorInbox):
    """All durable front-end state; one instance per process, on the store's engine."""

    # --- per person ------------------------------------------------------------------------

    def _person(self, session: Session, pseudonym: str) -> FrontDoorPerson:
        _require(pseudonym)
        person = session.get(FrontDoorPerson, pseudonym)
        if person is None:
            person = FrontDoorPerson(
                pseudonym=pseudonym, with_caseworker=False, starting=False, undeletable=0
            )
            session.add(person)
        return person

    def language(self, pseudonym: str) -> str | None:
        with self._sessions() as session:
            person = session.get(FrontDoorPerson, pseudonym)
            if person is None or person.sealed_language is None:
                return None
            return str(self._open(person.sealed_language, pseudonym, "frontdoor.language"))

    def choose_language(self, pseudonym: str, code: str | None) -> None:
        with self._sessions.begin() as session:
            person = self._person(session, pseudonym)
            person.sealed_language = (
                None if code is None else self._seal(code, pseudonym, "frontdoor.language")
            )

    def with_caseworker(self, pseudonym: str) -> bool:
        with self._sessions() as session:
            person = session.get(FrontDoorPerson, pseudonym)
            return person is not None and person.with_caseworker

    def set_with_caseworker(self, pseudonym: str, value: bool) -> None:
        with self._sessions.begin() as session:
            self._person(session, pseudonym).with_caseworker = value

    def starting(self, pseudonym: str) -> bool:
        with self._sessions() as session:
            person = session.get(FrontDoorPerson, pseudonym)
            return person is not None and person.starting

    def set_starting(self, pseudonym: str, value: bool) -> None:
        with self._sessions.begin() as session:
            self._person(session, pseudonym).starting = value

    # --- the exit trail ----------------------------------------------------------------------

    def remember_message(
        self,
        pseudonym: str,
        message_id: int,
        sent_at: datetime,
        shown: tuple[int, int] | None = None,
    ) -> None:
        """On the exit trail; with ``shown`` (update_id, n), also "n messages of that update's
        answer were sent", in the same transaction, so the two never disagree."""
        _require(pseudonym)
        row_id = new_id()
        sealed = self._seal(message_id, row_id, _TRAIL)
        with self._sessions.begin() as session:
            session.add(
                TrailMessage(
                    id=row_id, pseudonym=pseudonym, sealed_message_id=sealed, sent_at=sent_at
                )
            )
            if shown is not None:
                update = session.get(InboxUpdate, shown[0])
                if update is not None:
                    update.shown = shown[1]
            session.flush()
            self._purge_aged(session)

    def _purge_aged(self, session: Session) -> None:
        """Ids past deleting are of no use, and saying less is better: for everyone, not only
        for whoever is writing now, only their number is kept, for the exit to say so."""
        cutoff = self._too_old()
        aged = session.execute(
            select(TrailMessage.pseudonym, func.count())
            .where(TrailMessage.sent_at <= cutoff)
            .group_by(TrailMessage.pseudonym)
        ).all()
        for pseudonym, count in aged:
            self._person(session, pseudonym).undeletable += count
        if aged:
            session.execute(delete(TrailMessage).where(TrailMessage.sent_at <= cutoff))

    def take_trail(self, pseudonym: str) -> tuple[list[TrailEntry], int]:
        """Every deletable message of the chat, oldest first, and how many were too old;
        forgets them all."""
        with self._sessions.begin() as session:
            rows = session.scalars(
                select(TrailMessage).where(TrailMessage.pseudonym == pseudonym)
            ).all()
            session.execute(delete(TrailMessage).where(TrailMessage.pseudonym == pseudonym))
            person = session.get(FrontDoorPerson, pseudonym)
            aged = 0 if person is None else person.undeletable
            if person is not None:
                person.undeletable = 0
        oldest = self._too_old()
        entries = [
            TrailEntry(int(str(self._open(row.sealed_message_id, row.id, _TRAIL))), row.sent_at)
            for row in rows
        ]
        fresh = sorted((e for e in entries if e.sent_at > oldest), key=lambda e: e.message_id)
        return fresh, aged + len(entries) - len(fresh)

    def trail_count(self, pseudonym: str) -> int:
        with self._sessions() as session:
            return len(
                session.scalars(
                    select(TrailMessage.id).where(TrailMessage.pseudonym == pseudonym)
                ).all()
            )

    def _too_old(self) -> datetime:
        return self.now() - DELETABLE_FOR

    # --- the waiting room ---------------------------------------------------------------------

    def hold(self, chat_id: int, pseudonym: str, text: str, update_id: int | None = None) -> None:
        _require(pseudonym)
        row_id = new_id()
        body = {"chat": chat_id, "text": text, "update": update_id}
        sealed = self._seal(body, row_id, "frontdoor.waiting")
        with self._sessions.begin() as session:
            session.add(
                WaitingMessage(
                    id=row_id, pseudonym=pseudonym, sealed_body=sealed, created_at=self.now()
                )
            )

    def first_waiting(self, pseudonym: str) -> Waiting | None:
        with self._sessions() as session:
            row = session.scalars(
                select(WaitingMessage)
                .where(WaitingMessage.pseudonym == pseudonym)
                .order_by(WaitingMessage.seq)
                .limit(1)
            ).first()
        if row is None:
            return None
        body = self._open(row.sealed_body, row.id, "frontdoor.waiting")
        assert isinstance(body, dict)  # noqa: S101 - sealed by hold() above, bound to its row
        update = body.get("update")
        return Waiting(
            row.id,
            int(body["chat"]),
            pseudonym,
            str(body["text"]),
            update if isinstance(update, int) else None,
        )

    def is_waiting(self, pseudonym: str) -> bool:
        return self.first_waiting(pseudonym) is not None

    def waiting_done(self, item: Waiting) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(WaitingMessage).where(WaitingMessage.id == item.id))

    def waiting_texts(self, pseudonym: str) -> list[str]:
        """What is held for one person, in order (for tests and the people who run Lantern)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(WaitingMessage)
                .where(WaitingMessage.pseudonym == pseudonym)
                .order_by(WaitingMessage.seq)
            ).all()
        texts = []
        for row in rows:
            body = self._open(row.sealed_body, row.id, "frontdoor.waiting")
            assert isinstance(body, dict)  # noqa: S101 - sealed by hold() above
            texts.append(str(body["text"]))
        return texts

    def waiting_people(self) -> list[str]:
        with self._sessions() as session:
            return sorted(set(session.scalars(select(WaitingMessage.pseudonym)).all()))

    # --- long button payloads ------------------------------------------------------------------

    def remember_button(self, short_id: str, payload: str) -> None:
        sealed = self._seal(payload, short_id, "frontdoor.button")
        with self._sessions.begin() as session:
            session.merge(
                ButtonPayload(short_id=short_id, sealed_payload=sealed, used_at=self.now())
            )
            cutoff = self.now() - KEEP_BUTTONS_FOR
            session.execute(delete(ButtonPayload).where(ButtonPayload.used_at < cutoff))

    def button(self, short_id: str) -> str | None:
        with self._sessions() as session:
            row = session.get(ButtonPayload, short_id)
        if row is None:
            return None
        return str(self._open(row.sealed_payload, short_id, "frontdoor.button"))

    # --- forgetting ------------------------------------------------------------------------------

    def forget(self, pseudonym: str) -> None:
        """Quick exit: language, caseworker state, waiting messages and held updates go; the
        trail went when the exit took it, and done update ids stay (they hold no one's words)."""
        with self._sessions.begin() as session:
            session.execute(delete(FrontDoorPerson).where(FrontDoorPerson.pseudonym == pseudonym))
            session.execute(delete(WaitingMessage).where(WaitingMessage.pseudonym == pseudonym))
            session.execute(delete(TrailMessage).where(TrailMessage.pseudonym == pseudonym))
            for row in session.scalars(
                select(InboxUpdate).where(InboxUpdate.pseudonym == pseudonym)
            ):
                row.sealed_update, row.pseudonym, row.state = None, None, DONE


def _require(pseudonym: str) -> None:
    if not is_pseudonym(pseudonym):
        raise FrontDoorStateError("expected a pseudonym from bot.core.pseudonym, not a raw id")
