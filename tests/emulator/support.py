"""The emulator's helpers, shared by the emulator's and the front door's tests: the test token,
a clock the test can move, and a server thread on a free loopback port."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from bot.emulator import Emulator
from tests.support import free_port

TOKEN = "123456789:emulator-test-token"


class ManualClock:
    """Real time plus whatever the test adds, so long polls still time out normally."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Running:
    url: str
    emulator: Emulator
    clock: ManualClock

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"


@contextlib.contextmanager
def served(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
