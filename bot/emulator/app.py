"""The emulator's web application: Bot API, control API and the chat page, on one port."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.emulator.botapi import BotApi
from bot.emulator.control import ControlApi
from bot.emulator.errors import ControlError
from bot.emulator.state import Emulator
from bot.emulator.webhook import WebhookPusher

STATIC_DIR = Path(__file__).parent / "static"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]

logger = logging.getLogger(__name__)


def create_app(emulator: Emulator | None = None, *, host: str = "127.0.0.1") -> Starlette:
    """The ASGI app; pass an ``Emulator`` to share its state (and clock) with a test."""
    state = emulator or Emulator()
    pusher = WebhookPusher(state)
    bot_api, control = BotApi(state, pusher), ControlApi(state)

    async def reset(request: Request) -> Response:
        pusher.stop()
        return await control.reset(request)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await pusher.aclose()

    users = "/_emulator/users/{user_id}"
    groups = "/_emulator/groups/{chat_id}"
    routes = [
        Route("/bot{token}/{method}", bot_api.endpoint, methods=["GET", "POST"]),
        Route(f"{users}/messages", control.user_message, methods=["POST"]),
        Route(f"{users}/messages/{{message_id}}/edit", control.edit_message, methods=["POST"]),
        Route(f"{users}/press", control.press, methods=["POST"]),
        Route(f"{users}/chat", control.chat, methods=["GET"]),
        Route(f"{users}/block", control.block, methods=["POST"]),
        Route(groups, control.create_group, methods=["POST"]),
        Route(f"{groups}/chat", control.group_chat, methods=["GET"]),
        Route(f"{groups}/kick", control.kick, methods=["POST"]),
        Route(f"{groups}/upgrade", control.upgrade, methods=["POST"]),
        Route("/_emulator/flood", control.flood, methods=["POST"]),
        Route("/_emulator/clock", control.clock, methods=["POST"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/state", control.state, methods=["GET"]),
        Route("/_emulator/{rest:path}", _no_such_control, methods=["GET", "POST"]),
        Mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="page"),
    ]
    # A web page elsewhere must not reach this server by DNS rebinding; loopback names only.
    allowed_hosts = ["*"] if host in ("0.0.0.0", "::") else [*LOOPBACK_HOSTS, host]  # noqa: S104
    return Starlette(
        routes=routes,
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)],
        exception_handlers={
            ControlError: _control_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )


async def _no_such_control(_request: Request) -> Response:
    raise ControlError(404, "no such control endpoint; see docs/EMULATOR.md")


async def _control_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, ControlError)  # noqa: S101 - Starlette routes by type
    return JSONResponse({"ok": False, "error": error.message}, status_code=error.status)


async def _http_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)  # noqa: S101 - Starlette routes by type
    return JSONResponse({"ok": False, "error": error.detail}, status_code=error.status_code)


async def _server_error(_request: Request, error: Exception) -> Response:
    # The class name only: a message or traceback could carry text a person typed.
    logger.error("emulator error: %s", error.__class__.__name__)
    return JSONResponse({"ok": False, "error": "internal error"}, status_code=500)


def serve(host: str = "127.0.0.1", port: int = 8081) -> None:
    """Run the emulator in the foreground until interrupted."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(
        f"Bot API emulator: chat page http://{host}:{port}/ , base_url http://{host}:{port}/bot",
        flush=True,
    )
    # uvicorn's access log would print request paths, which carry the token and user ids.
    uvicorn.run(
        create_app(host=host),
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        lifespan="on",
    )
