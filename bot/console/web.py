"""Shared state of one console process: database, cases, sessions, templates and cookies."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from bot.console.cases import CaseNotFoundError, Cases
from bot.console.kdf_pool import KdfPool
from bot.console.sessions import ConsoleSession, SessionRegistry
from bot.core.db.database import Database
from bot.core.db.models import Staff
from bot.core.directory import Directory
from bot.core.errors import LanternError

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "lantern_session"
SIGN_IN_CSRF_COOKIE = "lantern_sign_in"
# Browsers only accept a __Host- cookie that is Secure, Path=/ and has no Domain, so a sibling
# subdomain or a plain-http page cannot plant or overwrite it (session fixation).
HOST_PREFIX = "__Host-"
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    # Case pages hold decrypted reports: never keep them in a browser or proxy cache.
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
]
# Only sent over https (secure cookies): a browser that once reached the console never again
# tries plain http, where a network attacker could strip TLS. No includeSubDomains: the
# charity's other sites under the same domain are not ours to force.
HSTS_HEADER = (b"strict-transport-security", b"max-age=31536000")


def security_headers(secure: bool) -> list[tuple[bytes, bytes]]:
    return [*SECURITY_HEADERS, HSTS_HEADER] if secure else list(SECURITY_HEADERS)


class SignInRequiredError(LanternError):
    """No live session: never signed in, idle too long, or signed out everywhere."""


class CsrfRefusedError(LanternError):
    """A form arrived without the session's CSRF token."""


class Console:
    """Reached from handlers as ``request.app.state.console``."""

    def __init__(
        self,
        db: Database,
        cases: Cases,
        directory: Directory,
        *,
        clock: Callable[[], datetime],
        secure_cookies: bool,
        idle: timedelta,
        lifetime: timedelta,
    ) -> None:
        self.db, self.cases, self.directory = db, cases, directory
        self.clock = clock
        self.secure_cookies = secure_cookies
        prefix = HOST_PREFIX if secure_cookies else ""
        self.session_cookie = prefix + SESSION_COOKIE
        self.sign_in_cookie = prefix + SIGN_IN_CSRF_COOKIE
        self.sessions = SessionRegistry(idle, lifetime)
        # Argon2id off the event loop, at most two at once (see bot.console.kdf_pool).
        self.kdf_pool = KdfPool()
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))

    def current(self, request: Request) -> ConsoleSession:
        """The live session, after checking it was not revoked from another process (sign out
        everywhere, a passphrase change, or an admin disabling or removing the person)."""
        token = request.cookies.get(self.session_cookie)
        session = self.sessions.get(token, self.clock())
        if session is None:
            raise SignInRequiredError("sign in")
        with self.db.transaction() as db:
            staff = db.get(Staff, session.staff_id)
            if (
                staff is None
                or staff.session_version != session.version
                or staff.disabled_at is not None
            ):
                self.sessions.end(session.token)
                raise SignInRequiredError("sign in")
        return session

    def current_supervisor(self, request: Request) -> ConsoleSession:
        """The signed-in supervisor or admin. Anyone else gets the same "not found" as for a
        missing page: no hint of what exists."""
        me = self.current(request)
        if not me.supervises:
            raise CaseNotFoundError("supervisors only")
        return me

    async def form(self, request: Request, session: ConsoleSession) -> FormData:
        form = await request.form()
        offered = form.get("csrf")
        if not session.csrf_matches(offered if isinstance(offered, str) else None):
            raise CsrfRefusedError("missing or wrong CSRF token")
        return form

    def render(
        self, request: Request, template: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        return self.templates.TemplateResponse(request, template, context, status_code=status)

    def set_cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            samesite="strict",
            secure=self.secure_cookies,
            path="/",
        )

    def delete_cookie(self, response: Response, name: str) -> None:
        # The same attributes as when set: a __Host- cookie is only replaced by a Secure one.
        response.delete_cookie(
            name, path="/", secure=self.secure_cookies, httponly=True, samesite="strict"
        )


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)
