"""What a caseworker does with a case: the queue, claim and release, read, reply, note, close.

Every lookup goes through :meth:`Cases.handoff_for`, which answers "not found" for another
organisation's case, so no page can tell a foreign case from a missing one. Free text (replies,
notes) passes the immigration firewall before it is sealed, here or inside the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, select

from bot.console.sessions import ConsoleSession
from bot.core.crypto import (
    Binding,
    FrontEndKey,
    open_as_organisation,
    seal_for_organisation,
)
from bot.core.db.audit import append_audit
from bot.core.db.directory_edits import merged_directory
from bot.core.db.keys import active_organisation_key
from bot.core.db.models import Author, CaseNote, Handoff, HandoffStatus, Staff, new_id
from bot.core.db.store import Store, caseworker_reply_key
from bot.core.directory import Directory
from bot.core.errors import LanternError
from bot.core.report_fields import Urgency
from bot.core.uk_time import uk_today

OUTCOMES = {
    "advice_given": "Advice given",
    "referred": "Referred to a named service",
    "no_contact": "No contact",
    "withdrawn": "Withdrawn by the person",
}
NOTE_FORMAT = 1
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


class Cases:
    def __init__(self, store: Store, front_end_key: FrontEndKey, directory: Directory) -> None:
        self.store = store
        self.front_end_key = front_end_key
        # The shipped file; supervisors' edits are applied on every read (current_directory).
        self.directory = directory

    def current_directory(self) -> Directory:
        """The file with supervisors' edits, read fresh: the table is small and one query per
        page means a referral or a directory page never offers a service late."""
        with self.store.transaction() as session:
            return merged_directory(self.directory, session, uk_today(self.store.now()))

    def queue(self, viewer: ConsoleSession) -> list[QueueRow]:
        """Open and claimed cases of the viewer's organisation, most urgent then oldest first."""
        with self.store.transaction() as session:
            rows = session.execute(
                select(Handoff, Staff.login_name)
                .outerjoin(Staff, Staff.id == Handoff.claimed_by)
                .where(Handoff.organisation_id == viewer.organisation_id)
                .where(Handoff.status.in_([HandoffStatus.OPEN, HandoffStatus.CLAIMED]))
                .order_by(_URGENCY_ORDER, Handoff.created_at)
            ).all()
            append_audit(session, viewer.actor, "console.queue_view", self.store.now())
            return [QueueRow(handoff, login) for handoff, login in rows]

    def handoff_for(self, viewer: ConsoleSession, handoff_id: str) -> tuple[Handoff, str | None]:
        with self.store.transaction() as session:
            handoff = session.get(Handoff, handoff_id)
            if (
                handoff is None
                or handoff.organisation_id != viewer.organisation_id
                or handoff.status is HandoffStatus.DRAFT
            ):
                raise CaseNotFoundError("no such case")
            claimer = session.get(Staff, handoff.claimed_by) if handoff.claimed_by else None
            return handoff, claimer.login_name if claimer else None

    def claim(self, viewer: ConsoleSession, handoff_id: str) -> None:
        handoff, _ = self.handoff_for(viewer, handoff_id)
        if handoff.status is not HandoffStatus.OPEN:
            raise CaseActionRefusedError("this case is not open to claim")
        self.store.set_handoff_status(
            handoff_id, HandoffStatus.CLAIMED, viewer.actor, claimed_by=viewer.staff_id
        )

    def release(self, viewer: ConsoleSession, handoff_id: str) -> None:
        handoff, _ = self.handoff_for(viewer, handoff_id)
        if handoff.claimed_by != viewer.staff_id and not viewer.supervises:
            raise CaseActionRefusedError("only the caseworker who claimed it can release it")
        self.store.set_handoff_status(handoff_id, HandoffStatus.OPEN, viewer.actor)

    def view(self, viewer: ConsoleSession, handoff_id: str) -> CaseView:
        """Decrypts the report, thread and notes with the session's keys; each read is audited."""
        handoff, claimer = self.handoff_for(viewer, handoff_id)
        if handoff.status is HandoffStatus.WITHDRAWN:
            return CaseView(handoff, claimer, None, [], [])
        report = self.store.read_report(handoff_id, viewer.keys, viewer.actor)
        thread = self.store.read_thread(handoff_id, viewer.keys, viewer.actor)
        return CaseView(handoff, claimer, report, thread, self._notes(viewer, handoff))

    def reply(self, viewer: ConsoleSession, handoff_id: str, text: str) -> None:
        """Into the thread (sealed for the organisation) and the outbox (sealed for the front
        end, which delivers it to the person's chat); the caseworker never sees a chat id."""
        handoff = self._own_claim(viewer, handoff_id)
        if handoff.pseudonym is None:
            raise CaseActionRefusedError("the person withdrew; a reply cannot reach them")
        text = _bounded(text)
        message_id = self.store.add_thread_message(handoff_id, Author.STAFF, text, viewer.actor)
        self.store.enqueue_delivery(
            handoff.pseudonym,
            caseworker_reply_key(message_id),
            text,
            self.front_end_key,
            viewer.actor,
        )

    def add_note(self, viewer: ConsoleSession, handoff_id: str, text: str) -> None:
        handoff, _ = self.handoff_for(viewer, handoff_id)
        redacted = self.store.firewall.redact(_bounded(text)).text
        now = self.store.now()
        with self.store.transaction() as session:
            note = CaseNote(
                id=new_id(), handoff_id=handoff_id, staff_id=viewer.staff_id, created_at=now
            )
            note.sealed_body = seal_for_organisation(
                redacted.encode("utf-8"),
                active_organisation_key(session, handoff.organisation_id),
                _note_binding(note.id, handoff.organisation_id),
            )
            session.add(note)
            append_audit(session, viewer.actor, "note.add", now, handoff_id)

    def close(
        self, viewer: ConsoleSession, handoff_id: str, outcome: str, service_id: str | None
    ) -> None:
        self._own_claim(viewer, handoff_id)
        if outcome not in OUTCOMES:
            raise CaseActionRefusedError("choose one of the listed outcomes")
        if outcome == "referred" and self.current_directory().service(service_id or "") is None:
            raise CaseActionRefusedError("a referral names a service from the directory")
        self.store.set_handoff_status(handoff_id, HandoffStatus.CLOSED, viewer.actor)
        with self.store.transaction() as session:
            handoff = session.get(Handoff, handoff_id)
            if handoff is not None:
                handoff.outcome = outcome
                handoff.outcome_service = service_id if outcome == "referred" else None
                append_audit(session, viewer.actor, "handoff.outcome", self.store.now(), handoff_id)

    def _own_claim(self, viewer: ConsoleSession, handoff_id: str) -> Handoff:
        handoff, _ = self.handoff_for(viewer, handoff_id)
        if handoff.status is not HandoffStatus.CLAIMED or handoff.claimed_by != viewer.staff_id:
            raise CaseActionRefusedError("claim the case first")
        return handoff

    def _notes(self, viewer: ConsoleSession, handoff: Handoff) -> list[tuple[datetime, str]]:
        with self.store.transaction() as session:
            rows = session.scalars(
                select(CaseNote)
                .where(CaseNote.handoff_id == handoff.id)
                .order_by(CaseNote.created_at)
            ).all()
            notes = [
                (
                    row.created_at,
                    open_as_organisation(
                        row.sealed_body,
                        viewer.keys,
                        _note_binding(row.id, handoff.organisation_id),
                    ).decode("utf-8"),
                )
                for row in rows
            ]
            append_audit(session, viewer.actor, "note.read", self.store.now(), handoff.id)
        return notes


def _bounded(text: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_TEXT_CHARS:
        raise CaseActionRefusedError(f"write between 1 and {MAX_TEXT_CHARS} characters")
    return text


def _note_binding(note_id: str, organisation_id: str) -> Binding:
    return Binding(note_id, "case_note.body", organisation_id, NOTE_FORMAT)
