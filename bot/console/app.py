"""The console's web application: Starlette, Jinja2 templates, no JavaScript build.

``create_app(settings)`` builds everything from the settings it is given; nothing connects at
import. Sessions live in memory (``bot.console.sessions``); each form carries a CSRF token and
a POST without the right one is refused with 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.console import pages
from bot.console.cases import CaseActionRefusedError, CaseNotFoundError, Cases
from bot.console.sessions import ABSOLUTE_LIFETIME, IDLE_TIMEOUT
from bot.console.web import (
    HERE,
    Console,
    CsrfRefusedError,
    SignInRequiredError,
    security_headers,
)
from bot.core.config import PROJECT_ROOT, ConsoleSettings
from bot.core.crypto import FrontEndPublicKey
from bot.core.db.database import Database
from bot.core.db.keys import UnpinnedKeyError
from bot.core.db.migrations import create_engine_for
from bot.core.directory import Directory
from bot.core.log_hygiene import install_log_hygiene

# The servers' logging, hygiene filter included: uvicorn would otherwise install its own config,
# whose tracebacks quote exception messages (a database error quotes its parameters).
LOG_CONFIG = PROJECT_ROOT / "logging.yml"
_UNPINNED = (
    "Nothing was saved: your organisation's current key is not one this deployment trusts. "
    "Tell your administrator (the key pins file)."
)


def create_app(
    settings: ConsoleSettings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] | None = None,
    secure_cookies: bool = True,
    idle: timedelta = IDLE_TIMEOUT,
    lifetime: timedelta = ABSOLUTE_LIFETIME,
    directory: Directory | None = None,
) -> Starlette:
    """The console for ``settings``; tests pass their own engine, clock and directory.

    A missing public key or pins file fails here, at start-up, not at the first reply."""
    now = clock or (lambda: datetime.now(timezone.utc))
    front_end = FrontEndPublicKey.from_hex(settings.front_end_public_key_hex())
    pins = settings.organisation_key_pins()
    db = Database(engine or create_engine_for(settings), clock=now, key_pins=pins)
    directory = directory or Directory.from_file(settings.data_dir / "services" / "directory.yml")
    cases = Cases(db, front_end, directory)
    app = Starlette(
        routes=[
            *pages.routes(),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ],
        exception_handlers={
            SignInRequiredError: _to_sign_in,
            CsrfRefusedError: _refused(403, "This form has expired. Go back and try again."),
            CaseNotFoundError: _refused(404, "There is no such case."),
            CaseActionRefusedError: _refused(409, None),
            # Nothing was sealed or stored; the page says so rather than failing blank.
            UnpinnedKeyError: _refused(503, _UNPINNED),
        },
    )
    app.state.console = Console(
        db,
        cases,
        directory,
        clock=now,
        secure_cookies=secure_cookies,
        idle=idle,
        lifetime=lifetime,
    )
    app.add_middleware(_SecurityHeaders, headers=security_headers(secure_cookies))
    return app


async def _to_sign_in(request: Request, _error: Exception) -> Response:
    return RedirectResponse("/sign-in", status_code=303)


def _refused(status: int, message: str | None) -> Callable[[Request, Exception], Any]:
    async def handler(request: Request, error: Exception) -> Response:
        console: Console = request.app.state.console
        text = message or str(error)
        return console.render(request, "error.html", {"message": text}, status)

    return handler


class _SecurityHeaders:
    def __init__(self, app: ASGIApp, headers: list[tuple[bytes, bytes]]) -> None:
        self.app, self.headers = app, headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)


def serve(settings: ConsoleSettings, host: str, port: int, *, secure_cookies: bool = True) -> int:
    """``python -m bot console``: one process, because sessions and keys live in its memory."""
    import uvicorn

    install_log_hygiene()
    Database(create_engine_for(settings)).migrate()
    uvicorn.run(
        create_app(settings, secure_cookies=secure_cookies),
        host=host,
        port=port,
        workers=1,
        access_log=False,
        server_header=False,
        log_config=str(LOG_CONFIG),
    )
    return 0


__all__ = ["Console", "create_app", "serve"]
