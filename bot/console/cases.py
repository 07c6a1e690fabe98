"""What a caseworker does with a case: the queue, claim and release, read, reply, note, close.

Every lookup goes through ``_handoff_for``, which answers "not found" for another organisation's
case, so no page can tell a foreign case from a missing one. Free text (replies, notes) passes
the immigration firewall inside the core's repositories, before it is sealed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from bot.console.delivery_notes import not_delivered_note
from bot.console.sessions import ConsoleSession
from bot.core.crypto import FrontEndPublicKey
from bot.core.db import handoffs, relay
from bot.core.db.audit import append_audit
from bot.core.db.database import Database
from bot.core.db.directory_edits import merged_directory
from bot.core.db.handoffs import OUTCOMES
from bot.core.db.models import Author, Handoff, HandoffStatus, Staff
from bot.core.db.sealed_messages import NOTES, THREAD, open_messages, seal_message
from bot.core.directory import Directory
from bot.core.errors import LanternError
from bot.core.report_fields import Urgency
from bot.core.uk_time import uk_today

__all__ = ["OUTCOMES", "CaseActionRefusedError", "CaseNotFoundError", "CaseView", "Cases"]

MAX_TEXT_CHARS = 4000
_URGENCY_ORDER = case(
    (Handoff.urgency == Urgency.VERY_HIGH, 0), (Handoff.urgency == Urgency.HIGH, 1), else_=2
)


class CaseNotFoundError(LanternError):
    """No such case in the viewer's organisation (foreign cases look exactly like this)."""


class CaseActionRefusedError(LanternError):
    """The action does not fit the case's state or the viewer's part in it."""


@dataclass(frozen=True)
class QueueRow:
    handoff: Handoff
    claimed_by: str | None  # the claimer's login name


@dataclass(frozen=True)
class CaseView:
    handoff: Handoff
    claimed_by: str | None
    report: dict[str, Any] | None
    thread: list[tuple[Author, datetime, str]]
    notes: list[tuple[datetime, str]]
    # Beside each thread message: why a reply of ours did not reach the person, in plain words
    # (``delivery_notes``), or None; never who they are nor where they were.
    not_delivered: list[str | None] = field(default_factory=list)


class Cases:
    """The caseworker's use cases; each is one transaction of ``db``, checks included, so a
    case cannot change between the check and the write."""

    def __init__(
        self, db: Database, front_end_public_key: FrontEndPublicKey, directory: Directory
    ) -> None:
        self.db = db
        # Only the public half: the console seals replies to the front end and opens nothing
        # of the front end's (no chat link, no outbox row).
        self.front_end_public_key = front_end_public_key
        # The shipped file; supervisors' edits are applied on every read (current_directory).
        self.directory = directory

    def current_directory(self) -> Directory:
        """The file with supervisors' edits, read fresh: the table is small and one query per
        page means a referral or a directory page never offers a service late."""
        with self.db.transaction() as session:
            return self._directory(session)

    def queue(self, viewer: ConsoleSession) -> list[QueueRow]:
        """Open and claimed cases of the viewer's organisation, most urgent then oldest first."""
        with self.db.transaction() as session:
            rows = session.execute(
                select(Handoff, Staff.login_name)
                .outerjoin(Staff, Staff.id == Handoff.claimed_by)
                .where(Handoff.organisation_id == viewer.organisation_id)
                .where(Handoff.status.in_([HandoffStatus.OPEN, HandoffStatus.CLAIMED]))
                .order_by(_URGENCY_ORDER, Handoff.created_at)
            ).all()
            append_audit(session, viewer.actor, "console.queue_view", self.db.now())
            return [QueueRow(handoff, login) for handoff, login in rows]

    def handoff_for(self, viewer: ConsoleSession, handoff_id: str) -> tuple[Handoff, str | None]:
        with self.db.transaction() as session:
            return _handoff_for(session, viewer, handoff_id)

    def claim(self, viewer: ConsoleSession, handoff_id: str) -> None:
        with self.db.transaction() as session:
            handoff, _ = _handoff_for(session, viewer, handoff_id)
            if handoff.status is not HandoffStatus.OPEN:
                raise CaseActionRefusedError("this case is not open to claim")
            handoffs.set_handoff_status(
                session,
                handoff_id,
                HandoffStatus.CLAIMED,
                viewer.actor,
                now=self.db.now(),
                claimed_by=viewer.staff_id,
            )

    def release(self, viewer: ConsoleSession, handoff_id: str) -> None:
        with self.db.transaction() as session:
            handoff, _ = _handoff_for(session, viewer, handoff_id)
            # An open or closed case has nothing to release: refused, not a 500 (found by fuzz).
            if handoff.status is not HandoffStatus.CLAIMED:
                raise CaseActionRefusedError("this case is not claimed")
            if handoff.claimed_by != viewer.staff_id and not viewer.supervises:
                raise CaseActionRefusedError("only the caseworker who claimed it can release it")
            handoffs.set_handoff_status(
                session, handoff_id, HandoffStatus.OPEN, viewer.actor, now=self.db.now()
            )

    def view(self, viewer: ConsoleSession, handoff_id: str) -> CaseView:
        """Decrypts the report, thread and notes with the session's keys; each read is audited."""
        now = self.db.now()
        with self.db.transaction() as session:
            handoff, claimer = _handoff_for(session, viewer, handoff_id)
            if handoff.status is HandoffStatus.WITHDRAWN:
                return CaseView(handoff, claimer, None, [], [])
            report = handoffs.read_report(session, handoff_id, viewer.keys, viewer.actor, now=now)
            opened = open_messages(session, THREAD, handoff, viewer.keys, viewer.actor, now=now)
            # A reply's outbox row is found by its dedupe key, one query for the whole thread.
            staff_ids = [row.id for row, _ in opened if row.author is Author.STAFF]
            problems = relay.undelivered_replies(session, staff_ids)
            notes = open_messages(session, NOTES, handoff, viewer.keys, viewer.actor, now=now)
            return CaseView(
                handoff,
                claimer,
                report,
                [(row.author, row.created_at, text) for row, text in opened],
                [(row.created_at, text) for row, text in notes],
                [not_delivered_note(problems.get(row.id)) for row, _ in opened],
            )

    def reply(self, viewer: ConsoleSession, handoff_id: str, text: str) -> None:
        """Into the thread (sealed for the organisation) and the outbox (sealed for the front
        end, which delivers it to the person's chat); the caseworker never sees a chat id."""
        with self.db.transaction() as session:
            handoff = _own_claim(session, viewer, handoff_id)
            if handoff.status is HandoffStatus.WITHDRAWN:
                raise CaseActionRefusedError("the person withdrew; a reply cannot reach them")
            relay.reply_to_person(
                session,
                handoff_id,
                _bounded(text),
                self.front_end_public_key,
                viewer.actor,
                now=self.db.now(),
                firewall=self.db.firewall,
            )

    def add_note(self, viewer: ConsoleSession, handoff_id: str, text: str) -> None:
        with self.db.transaction() as session:
            handoff, _ = _handoff_for(session, viewer, handoff_id)
            if handoff.status is HandoffStatus.WITHDRAWN:
                # The person took their words back; a note would keep something about them.
                raise CaseActionRefusedError("the person withdrew this case; it takes no notes")
            seal_message(
                session,
                NOTES,
                handoff,
                _bounded(text),
                viewer.actor,
                now=self.db.now(),
                firewall=self.db.firewall,
            )

    def close(
        self, viewer: ConsoleSession, handoff_id: str, outcome: str, service_id: str | None
    ) -> None:
        with self.db.transaction() as session:
            _own_claim(session, viewer, handoff_id)
            if outcome not in OUTCOMES:
                raise CaseActionRefusedError("choose one of the listed outcomes")
            if outcome == "referred" and self._directory(session).service(service_id or "") is None:
                raise CaseActionRefusedError("a referral names a service from the directory")
            handoffs.close_handoff(
                session, handoff_id, outcome, service_id, viewer.actor, now=self.db.now()
            )

    def _directory(self, session: Session) -> Directory:
        return merged_directory(self.directory, session, uk_today(self.db.now()))


def _handoff_for(
    session: Session, viewer: ConsoleSession, handoff_id: str
) -> tuple[Handoff, str | None]:
    handoff = session.get(Handoff, handoff_id)
    if (
        handoff is None
        or handoff.organisation_id != viewer.organisation_id
        or handoff.status is HandoffStatus.DRAFT
    ):
        raise CaseNotFoundError("no such case")
    claimer = session.get(Staff, handoff.claimed_by) if handoff.claimed_by else None
    return handoff, claimer.login_name if claimer else None


def _own_claim(session: Session, viewer: ConsoleSession, handoff_id: str) -> Handoff:
    handoff, _ = _handoff_for(session, viewer, handoff_id)
    if handoff.status is not HandoffStatus.CLAIMED or handoff.claimed_by != viewer.staff_id:
        raise CaseActionRefusedError("claim the case first")
    return handoff


def _bounded(text: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_TEXT_CHARS:
        raise CaseActionRefusedError(f"write between 1 and {MAX_TEXT_CHARS} characters")
    return text
