"""Supervisors' versions of advice services, kept in ``directory_entries`` on top of the file.

An edit is stored in exactly the file's entry shape and checked by the file's own validator
(``directory_file.parse_service``), so nothing the file would refuse arrives this way either. An
edit replaces the file's service of the same id, or adds a new service. Emergency routes (999,
Silent Solution...) are never edited here: a typo in them is too dangerous, so they change only
through the reviewed file.

Staff type this text, so it also meets the immigration firewall: text the firewall would redact
is refused, unless the version being edited already holds it word for word. That keeps the
reviewed file's own wording (LAWA's name says "Latin American") editable around, while no new
immigration wording can be typed in.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.core.db.audit import Actor, append_audit
from bot.core.db.models import DirectoryEntry, Staff
from bot.core.directory import Directory, DirectoryEntryError, Service, parse_service
from bot.core.errors import LanternError
from bot.core.firewall import Firewall, default_firewall
from bot.core.uk_time import uk_today

logger = logging.getLogger(__name__)

AUDIT_ACTION = "directory.edit"
ORIGIN = "console"
EMERGENCY_ROUTES_FIXED = (
    "Emergency routes (999, Silent Solution and the others) cannot be changed in the console: "
    "a typo in one could cost a life. They change only through a reviewed edit of "
    "data/services/directory.yml, and a service cannot take one of their ids."
)
IMMIGRATION_WORDING = (
    "This reads as immigration status or a sign of it (visa, leave to remain, documents, "
    "no recourse to public funds, asylum, nationality or country of origin). Lantern stores "
    "none of that anywhere, not even about a service, so please say it without those words. "
    'To show that a service gives immigration advice, use the "Gives immigration advice" '
    "choice instead."
)


class DirectoryEditRefusedError(LanternError):
    """A supervisor's edit cannot be saved. ``field`` is the entry field at fault (as in
    ``DirectoryEntryError``); the message is written for the person who typed it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NoSuchServiceError(DirectoryEditRefusedError):
    """The edit names a service that is in neither the file nor the database."""


def audit_object_id(service_id: str) -> str:
    """The audit log holds record ids only (32 hex digits), so a service is named by the first
    32 hex digits of sha256("directory:" + its id): every edit of one service shares it, and
    anyone holding the directory can tell which service an entry is about."""
    return hashlib.sha256(f"directory:{service_id}".encode()).hexdigest()[:32]


def stored_edits(session: Session) -> list[DirectoryEntry]:
    return list(session.scalars(select(DirectoryEntry).order_by(DirectoryEntry.service_id)))


def edit_marks(session: Session) -> dict[str, tuple[datetime.datetime, str | None]]:
    """For each edited service: when it was last changed in the console, and by whom (login)."""
    rows = session.execute(
        select(DirectoryEntry.service_id, DirectoryEntry.updated_at, Staff.login_name).outerjoin(
            Staff, Staff.id == DirectoryEntry.updated_by
        )
    )
    return {service_id: (at, login) for service_id, at, login in rows}


def merged_directory(
    base: Directory, session: Session, today: datetime.date | None = None
) -> Directory:
    """``base`` (the file) with every stored edit applied. An edit that no longer passes the
    validator, or that uses an emergency route's id, is left out (the file's version stays)
    and counted in the log, never shown in part."""
    reserved = {route.id for route in base.emergency_routes}
    edits, left_out = [], 0
    for row in stored_edits(session):
        try:
            service = parse_service(row.entry, ORIGIN, today or uk_today())
        except DirectoryEntryError:
            left_out += 1
            continue
        if service.id != row.service_id or service.id in reserved:
            left_out += 1
            continue
        edits.append(service)
    if left_out:
        logger.error("%d stored directory edit(s) failed validation and were left out", left_out)
    return base.with_edits(edits, ORIGIN)


def save_edit(
    session: Session,
    base: Directory,
    raw: Mapping[str, Any],
    actor: Actor,
    now: datetime.datetime,
    *,
    adding: bool,
    firewall: Firewall | None = None,
) -> Service:
    """Check ``raw`` (one service in the file's entry shape) and store it as the service's
    current version, audited as ``directory.edit`` in the caller's transaction.

    ``adding`` says whether the supervisor meant a new service: adding an id that exists, or
    editing one that does not, is refused. Raises ``DirectoryEditRefusedError`` (immigration
    wording, an emergency route, an id clash, ``NoSuchServiceError``) or ``DirectoryEntryError``
    (the validator's verdict, naming the field).
    """
    today = uk_today(now)
    service_id = raw.get("id")
    if any(route.id == service_id for route in base.emergency_routes):
        raise DirectoryEditRefusedError("id", EMERGENCY_ROUTES_FIXED)
    existing = merged_directory(base, session, today).service(str(service_id))
    if adding and existing is not None:
        raise DirectoryEditRefusedError(
            "id", "A service with this id is already in the directory: edit that one instead."
        )
    if not adding and existing is None:
        raise NoSuchServiceError("id", "There is no such service in the directory.")
    _refuse_immigration_wording(raw, existing, firewall or default_firewall())
    service = parse_service(raw, ORIGIN, today)
    entry = {key: _json_value(value) for key, value in raw.items()}
    row = session.get(DirectoryEntry, service.id)
    if row is None:
        row = DirectoryEntry(service_id=service.id)
        session.add(row)
    row.entry, row.updated_at, row.updated_by = entry, now, actor.id
    append_audit(
        session,
        actor,
        AUDIT_ACTION,
        now,
        audit_object_id(service.id),
        detail={"added": int(adding)},
    )
    return service


def _json_value(value: object) -> object:
    # The file's YAML may hold a date for `verified`; JSON holds its ISO text, which the
    # validator reads back the same way.
    return value.isoformat() if isinstance(value, datetime.date) else value


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string in an entry with the field path the validator would name it by."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _vetted_texts(service: Service | None) -> set[str]:
    if service is None:
        return set()
    texts = {service.id, service.name, service.who, service.source, service.caution or ""}
    for route in service.contact:
        texts |= {route.value, route.note or ""}
    return texts | service.regions


def _refuse_immigration_wording(
    raw: Mapping[str, Any], existing: Service | None, firewall: Firewall
) -> None:
    vetted = _vetted_texts(existing)
    for field, text in _strings(raw, ""):
        # An id reads as words too: no_recourse_public_funds would name the status.
        if text.strip() not in vetted and firewall.contains_immigration_detail(
            text.replace("_", " ")
        ):
            raise DirectoryEditRefusedError(field, IMMIGRATION_WORDING)


class LiveDirectory:
    """The directory the victim side ranks from: the file plus the stored edits, reloaded at
    most every ``max_age`` seconds.

    A reload runs on its own thread and the caller that started it waits at most ``wait``
    seconds, so a slow or unreachable database delays one answer per ``max_age`` by no more than
    that: callers then get the last directory loaded (the file's, if none was), so the 999 routes
    and services are always there. Failures log the error's type only. Loading 20 edits takes
    about 3 ms (SQLite or PostgreSQL on this machine), ranking 0.05 ms: the cache spares the
    database a query per person, not the person a wait.
    """

    def __init__(
        self,
        base: Directory,
        transaction: Callable[[], AbstractContextManager[Session]],
        *,
        max_age: float = 30.0,
        wait: float = 0.5,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self.max_age, self.wait = max_age, wait
        self._transaction = transaction
        self._monotonic = monotonic
        self._current = base
        self._loaded_at: float | None = None
        self._loading: threading.Event | None = None
        self._lock = threading.Lock()

    def current(self) -> Directory:
        started = None
        with self._lock:
            due = self._loaded_at is None or self._monotonic() - self._loaded_at >= self.max_age
            if due and self._loading is None:
                started = self._loading = threading.Event()
                threading.Thread(
                    target=self._reload, args=(started,), name="directory-edits", daemon=True
                ).start()
        # Only the caller that started the reload waits for it; while a slow one runs, everyone
        # else is answered at once from the last directory.
        if started is not None and not started.wait(self.wait):
            logger.warning("directory edits still loading; answering with the last directory")
        return self._current

    def _reload(self, done: threading.Event) -> None:
        try:
            with self._transaction() as session:
                self._current = merged_directory(self.base, session)
        # Any failure of the database or its settings; the type alone is logged (no URL, no
        # entry text), and the person is answered from the last directory loaded.
        except (SQLAlchemyError, LanternError, OSError) as error:
            logger.error("directory edits could not be loaded: %s", type(error).__name__)
        finally:
            with self._lock:
                self._loaded_at, self._loading = self._monotonic(), None
            done.set()
