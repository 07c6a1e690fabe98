"""Console sessions, held in this process's memory only, with the unlocked organisation keys.

Nothing here is ever written to disk: a restart signs everybody out and drops every unwrapped
key, which is the point. A session ends after ``idle`` without a request, ``lifetime`` after
sign-in however busy (a stolen cookie is not good forever), on sign-out, when the same staff
member signs in again, or when their ``session_version`` moves on (sign out everywhere,
password reset).
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.console.accounts import SignedIn
from bot.core.crypto import OrganisationPrivateKey
from bot.core.db.audit import Actor
from bot.core.db.models import Role

IDLE_TIMEOUT = timedelta(minutes=15)
# A long shift, not longer: the cookie and the server-side session end together.
ABSOLUTE_LIFETIME = timedelta(hours=12)


@dataclass
class ConsoleSession:
    token: str = field(repr=False)
    staff_id: str
    organisation_id: str
    role: Role
    version: int
    csrf: str = field(repr=False)
    keys: Mapping[str, OrganisationPrivateKey] = field(repr=False)
    started: datetime
    last_seen: datetime

    @property
    def actor(self) -> Actor:
        return Actor(self.role.value, self.staff_id)

    @property
    def supervises(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    def csrf_matches(self, offered: str | None) -> bool:
        return offered is not None and same_token(offered, self.csrf)


class SessionRegistry:
    def __init__(
        self, idle: timedelta = IDLE_TIMEOUT, lifetime: timedelta = ABSOLUTE_LIFETIME
    ) -> None:
        self.idle, self.lifetime = idle, lifetime
        self._sessions: dict[str, ConsoleSession] = {}
        self._lock = threading.Lock()

    def start(self, signed_in: SignedIn, now: datetime) -> ConsoleSession:
        """A new session; the staff member's older ones end, so a forgotten browser elsewhere
        (or a copied cookie) stops working the moment its owner signs in again."""
        session = ConsoleSession(
            token=secrets.token_urlsafe(32),
            staff_id=signed_in.staff_id,
            organisation_id=signed_in.organisation_id,
            role=signed_in.role,
            version=signed_in.session_version,
            csrf=secrets.token_urlsafe(32),
            keys=dict(signed_in.keys),
            started=now,
            last_seen=now,
        )
        with self._lock:
            self._end_all_for(signed_in.staff_id)
            self._sessions[session.token] = session
        return session

    def get(self, token: str | None, now: datetime) -> ConsoleSession | None:
        """The live session for ``token``, touched; an idle or too old one is ended and None
        returned."""
        if not token:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.last_seen > self.idle or now - session.started > self.lifetime:
                del self._sessions[token]
                return None
            session.last_seen = now
            return session

    def end(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def end_all_for(self, staff_id: str) -> None:
        with self._lock:
            self._end_all_for(staff_id)

    def _end_all_for(self, staff_id: str) -> None:
        for token in [t for t, s in self._sessions.items() if s.staff_id == staff_id]:
            del self._sessions[token]


def same_token(offered: str, expected: str) -> bool:
    """In constant time, as bytes: compare_digest raises on a str holding anything but ASCII,
    which turned a form with a made-up non-ASCII token into a 500 instead of a refusal."""
    return hmac.compare_digest(
        offered.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )
