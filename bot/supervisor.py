"""Keeps the local stack's servers running: one that dies is restarted, the others stay up.

Before this, ``make run`` stopped everything when one server exited, so killing Rasa also took
down the emulator and the Telegram front end, and "he has a knife" got no answer at all - not
even the 999 routes the front end gives by itself while Rasa is down (docs/RELIABILITY.md).

A crashed server is restarted after a back-off that doubles from ``initial_backoff`` up to
``max_backoff`` (a server that crashes at start-up must not spin a core), and is reset once it has
stayed up ``stable_seconds``. Each change is written to a small JSON state file that
``python -m bot health`` reads. Logs name the server and its exit code, never anything a person
typed (child output goes to the child's own log file, as before).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.config import PROJECT_ROOT
from bot.core.errors import LanternError

INITIAL_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
STABLE_SECONDS = 60.0
STOP_GRACE_SECONDS = 20.0

logger = logging.getLogger(__name__)


class SupervisorStoppedError(LanternError):
    """A server was added to a supervisor that has already stopped its servers."""


@dataclass
class Server:
    """One supervised child process and what is needed to start it again identically."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    # Shown by `python -m bot health`; ``health_url`` is what it probes (None: process only).
    url: str | None = None
    health_url: str | None = None
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    backoff: float = INITIAL_BACKOFF_SECONDS
    started_at: float = 0.0
    restart_at: float | None = None
    last_exit: int | None = None

    def spawn(self, now: float) -> None:
        with self.log_path.open("ab") as log:
            # A process group of its own: the action server (Sanic 25) serves from a worker
            # process that outlived a SIGKILL of its parent and kept the port (found by the
            # fault tests), so a crash or a stop must reach the whole group.
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.started_at, self.restart_at = now, None

    def kill_leftovers(self) -> None:
        """SIGKILL whatever is left of the server's process group once its process is gone."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def view(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pid": self.process.pid if self.process else None,
            "state": "running" if self.restart_at is None else "restarting",
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "url": self.url,
            "health_url": self.health_url,
        }


@dataclass
class Supervisor:
    """Starts servers, notices exits and restarts them; thread-safe (tests run it in a thread)."""

    state_file: Path | None = None
    initial_backoff: float = INITIAL_BACKOFF_SECONDS
    max_backoff: float = MAX_BACKOFF_SECONDS
    stable_seconds: float = STABLE_SECONDS
    clock: Callable[[], float] = time.monotonic
    servers: list[Server] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopped: threading.Event = field(default_factory=threading.Event)

    def add(self, server: Server) -> None:
        with self._lock:
            if self._stopped.is_set():
                raise SupervisorStoppedError(f"the stack is stopping; {server.name} not started")
            server.backoff = self.initial_backoff
            server.spawn(self.clock())
            self.servers.append(server)
            self._write_state()

    def check(self) -> None:
        """One round: restart servers whose back-off is over, schedule those that just exited."""
        with self._lock:
            if self._stopped.is_set():
                return
            now = self.clock()
            for server in self.servers:
                self._check_one(server, now)
            self._write_state()

    def _check_one(self, server: Server, now: float) -> None:
        if server.restart_at is not None:
            if now >= server.restart_at:
                server.restarts += 1
                server.spawn(now)
                logger.warning(
                    "supervisor: restarted %s (restart %d)", server.name, server.restarts
                )
            return
        assert server.process is not None  # noqa: S101 - spawned in add()
        code = server.process.poll()
        if code is None:
            if now - server.started_at >= self.stable_seconds:
                server.backoff = self.initial_backoff  # it recovered: the next crash is fresh
            return
        server.kill_leftovers()
        server.last_exit, server.restart_at = code, now + server.backoff
        logger.warning(
            "supervisor: %s exited with code %d; restarting in %.1f s",
            server.name,
            code,
            server.backoff,
        )
        server.backoff = min(server.backoff * 2, self.max_backoff)

    def run(self, interval: float = 0.5) -> None:
        """Check every ``interval`` seconds until ``stop`` is called."""
        while not self._stopped.wait(interval):
            self.check()

    def all_running(self) -> bool:
        with self._lock:
            return all(server.running for server in self.servers)

    def processes(self) -> list[subprocess.Popen[bytes]]:
        with self._lock:
            return [server.process for server in self.servers if server.process is not None]

    def stop(self) -> None:
        """Stop restarting, then stop every server: SIGTERM, and SIGKILL after a grace period."""
        self._stopped.set()
        with self._lock:
            running = [s.process for s in self.servers if s.process and s.process.poll() is None]
            for process in running:
                process.terminate()
            for process in running:
                try:
                    process.wait(timeout=STOP_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            for server in self.servers:
                server.kill_leftovers()
            self.servers.clear()
            if self.state_file is not None:
                self.state_file.unlink(missing_ok=True)

    def _write_state(self) -> None:
        if self.state_file is None:
            return
        state = {"supervisor_pid": os.getpid(), "servers": [s.view() for s in self.servers]}
        # Written whole and renamed, so `bot health` never reads half a file.
        partial = self.state_file.with_suffix(".tmp")
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(state, indent=1))
        partial.replace(self.state_file)
