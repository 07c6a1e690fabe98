"""Starts and stops the local stack for ``make run`` and the tests: the action server, the Rasa
server, for Telegram the Bot API emulator with the front end polling it, and the console.

Every server binds to loopback only: Rasa's channels have no authentication. Each is a
``Server`` of the stack's ``Supervisor`` (bot/supervisor.py); ``make run`` lets it restart one
that crashes while the others stay up, tests that stop servers on purpose simply do not run it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.core.config import PROJECT_ROOT
from bot.core.errors import LanternError
from bot.health import state_file_for
from bot.scale import lock_store_endpoints, scaled_environment, worker_variables, workers_from
from bot.supervisor import Server, Supervisor

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
APP_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
MODEL_PATH = PROJECT_ROOT / "models" / "lantern.tar.gz"
# Keeps user text, ids and slot values out of both servers' logs (bot/core/log_hygiene.py).
LOGGING_CONFIG = PROJECT_ROOT / "logging.yml"
LOOPBACK = "127.0.0.1"
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTION_PORT = 5055
DEFAULT_EMULATOR_PORT = 8081
DEFAULT_CONSOLE_PORT = 8080


class StackStartError(LanternError):
    """A server of the local stack did not come up in time."""


def quiet_environment(base: Mapping[str, str]) -> dict[str, str]:
    """The environment both servers run in: no telemetry, loopback only, our code importable."""
    env = dict(base)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST=LOOPBACK,
        PYTHONPATH=str(PROJECT_ROOT),
        TF_CPP_MIN_LOG_LEVEL="3",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore",
    )
    return env


@dataclass
class Stack:
    """The processes of one running stack, stopped together."""

    rasa_port: int
    action_port: int
    log_dir: Path
    supervisor: Supervisor = field(default_factory=Supervisor)
    # LANTERN_WORKERS (bot/scale.py): Sanic workers of Rasa and of the action server.
    workers: int = 1

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        return self.supervisor.processes()

    @property
    def rasa_url(self) -> str:
        return f"http://{LOOPBACK}:{self.rasa_port}"

    def start(self, env: Mapping[str, str], timeout_seconds: float = 300.0) -> None:
        for port in (self.rasa_port, self.action_port):
            ensure_port_free(port)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        endpoints = self.log_dir / f"endpoints-{self.rasa_port}.yml"
        # The project's endpoints.yml, pointed at this stack's action server port.
        endpoints.write_text(
            (PROJECT_ROOT / "endpoints.yml")
            .read_text()
            .replace(f"{LOOPBACK}:{DEFAULT_ACTION_PORT}", f"{LOOPBACK}:{self.action_port}")
            + (lock_store_endpoints(f"lantern{self.rasa_port}") if self.workers > 1 else "")
        )
        run_env = quiet_environment(env) | worker_variables(self.workers)
        self._spawn(
            [
                str(APP_PYTHON),
                "-m",
                "rasa_sdk",
                "--actions",
                "actions",
                "--port",
                str(self.action_port),
                "--logging-config_file",
                str(LOGGING_CONFIG),
            ],
            run_env,
            "actions",
            f"http://{LOOPBACK}:{self.action_port}/health",
        )
        self._spawn(
            [
                str(RASA_PYTHON),
                "-m",
                "rasa",
                "run",
                "--interface",
                LOOPBACK,
                "--port",
                str(self.rasa_port),
                "--model",
                str(MODEL_PATH),
                "--endpoints",
                str(endpoints),
                "--logging-config-file",
                str(LOGGING_CONFIG),
                "--credentials",
                str(PROJECT_ROOT / "credentials.yml"),
            ],
            run_env,
            "rasa",
            f"{self.rasa_url}/webhooks/frontdoor/",
        )
        deadline = time.monotonic() + timeout_seconds
        wait_until_healthy(f"http://{LOOPBACK}:{self.action_port}/health", deadline, self)
        wait_until_healthy(f"{self.rasa_url}/webhooks/frontdoor/", deadline, self)

    def start_telegram(
        self, env: Mapping[str, str], emulator_port: int, timeout_seconds: float = 30.0
    ) -> str:
        """Start the emulator and the Telegram front end on this stack; returns the chat page."""
        ensure_port_free(emulator_port)
        run_env = quiet_environment(env)
        emulator = f"http://{LOOPBACK}:{emulator_port}"
        self._spawn(
            [str(APP_PYTHON), "-m", "bot", "emulator", "--port", str(emulator_port)],
            run_env,
            "emulator",
            f"{emulator}/_emulator/state",
        )
        wait_until_healthy(f"{emulator}/_emulator/state", time.monotonic() + timeout_seconds, self)
        run_env.update(LANTERN_RASA_URL=self.rasa_url, LANTERN_TELEGRAM_BASE_URL=f"{emulator}/bot")
        self._spawn([str(APP_PYTHON), "-m", "bot", "telegram"], run_env, "telegram")
        return f"{emulator}/"

    def start_console(
        self, env: Mapping[str, str], console_port: int, timeout_seconds: float = 60.0
    ) -> str:
        """Start the caseworker console on loopback; returns its address.

        Plain http on this machine, so the cookie cannot carry the Secure flag here.
        """
        ensure_port_free(console_port)
        self._spawn(
            [
                str(APP_PYTHON), "-m", "bot", "console",
                "--port", str(console_port), "--insecure-cookies",
            ],
            quiet_environment(env),
            "console",
            f"http://{LOOPBACK}:{console_port}/sign-in",
        )  # fmt: skip
        console = f"http://{LOOPBACK}:{console_port}"
        wait_until_healthy(f"{console}/sign-in", time.monotonic() + timeout_seconds, self)
        return console

    def _spawn(
        self, command: list[str], env: Mapping[str, str], name: str, health_url: str | None = None
    ) -> None:
        # The health URL's page part is dropped for display: `bot health` shows where it lives.
        url = health_url.split("/", 3)[2] if health_url else None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.supervisor.add(
            Server(
                name,
                command,
                dict(env),
                self.log_dir / f"{name}-{self.rasa_port}.log",
                url=f"http://{url}/" if url else None,
                health_url=health_url,
            )
        )

    def stop(self) -> None:
        self.supervisor.stop()

    def alive(self) -> bool:
        return self.supervisor.all_running()


def ensure_port_free(port: int) -> None:
    """Refuse to start beside another server: its health check would pass for ours."""
    with socket.socket() as probe:
        if probe.connect_ex((LOOPBACK, port)) == 0:
            raise StackStartError(f"port {port} is already in use: is Lantern already running?")


def wait_until_healthy(url: str, deadline: float, stack: Stack) -> None:
    while time.monotonic() < deadline:
        if not stack.alive():
            raise StackStartError(f"a server exited early; see the logs in {stack.log_dir}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise StackStartError(f"{url} did not answer in time; see the logs in {stack.log_dir}")


def main(argv: list[str]) -> int:
    """``make run``: start everything and serve the chat page until interrupted.

    ``--chat`` chats in this terminal instead of starting the emulator and the Telegram front end.
    """
    from bot.console.demo import sign_in_instructions
    from bot.core.config import load_settings
    from bot.frontdoor.terminal import main as chat

    # A plain SIGTERM would skip `finally` and leave both servers running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # WARNING: the supervisor's restart lines, not httpx's line per health probe.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    workers = workers_from(os.environ)
    env = scaled_environment(os.environ, workers)
    settings = load_settings(env)
    stack = Stack(
        DEFAULT_RASA_PORT,
        DEFAULT_ACTION_PORT,
        settings.var_dir / "log",
        Supervisor(state_file=state_file_for(settings.var_dir)),
        workers,
    )
    print("Starting Lantern (Rasa and the action server take about 30 seconds)...", flush=True)
    if workers > 1:
        print(
            # The scheme only: a PostgreSQL URL may carry a password.
            f"{workers} Rasa and action-server workers; locks in the local Redis, trackers in "
            f"{settings.tracker_url.split(':', 1)[0]} (give `python -m bot erase` the same "
            "LANTERN_TRACKER_URL).",
            flush=True,
        )
    try:
        stack.start(env)
        if "--chat" in argv:
            supervise_in_background(stack)
            return chat(settings)
        page = stack.start_telegram(env, DEFAULT_EMULATOR_PORT)
        console = stack.start_console(env, DEFAULT_CONSOLE_PORT)
        print(f"Lantern is running. Chat with it at {page} (Ctrl-C stops it).", flush=True)
        print("`make health` shows each server's state.", flush=True)
        print(sign_in_instructions(settings, console), flush=True)
        # Waits on the servers, not on stdin, so it also runs with no terminal attached; a
        # server that dies is restarted while the others keep serving.
        stack.supervisor.run()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def supervise_in_background(stack: Stack) -> threading.Thread:
    """Run the stack's supervisor in a daemon thread (tests); ``stack.stop()`` ends it."""
    thread = threading.Thread(target=stack.supervisor.run, args=(0.2,), daemon=True)
    thread.start()
    return thread


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
