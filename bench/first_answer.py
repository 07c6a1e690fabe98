"""How long `make run` takes, on a set-up machine, from start to its first answer (issue 14:
at most 60 s). Starts exactly what `make run` starts (``python -m bot.devstack``) on its default
ports, in a fresh scratch var directory, and the moment the chat page answers, a new person in
the Bot API emulator says "hello"; the clock stops when the whole turn has arrived.

    .venv/bin/python bench/first_answer.py                     # one worker, as `make run`
    LANTERN_WORKERS=2 .venv/bin/python bench/first_answer.py   # the scaled-out stack

A benchmark, never a timed test: it prints the figure and whether it is within the limit.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The path line above makes the checkout importable when run as a script.
from bench.load_targets import TelegramPath
from bot.core.config import PROJECT_ROOT
from bot.devstack import (
    APP_PYTHON,
    DEFAULT_ACTION_PORT,
    DEFAULT_CONSOLE_PORT,
    DEFAULT_EMULATOR_PORT,
    DEFAULT_RASA_PORT,
    LOOPBACK,
    ensure_port_free,
)
from bot.scale import workers_from

LIMIT_SECONDS = 60.0
GIVE_UP_SECONDS = 900.0
EMULATOR = f"http://{LOOPBACK}:{DEFAULT_EMULATOR_PORT}"


async def first_answer(started: float, stack: subprocess.Popen[bytes]) -> tuple[float, float]:
    """(seconds until the chat page answered, seconds until the first whole turn arrived)."""
    async with httpx.AsyncClient(timeout=30.0) as client:
        while True:
            if stack.poll() is not None:
                raise RuntimeError(f"`make run`'s process ended early (exit {stack.returncode})")
            if time.monotonic() - started > GIVE_UP_SECONDS:
                raise TimeoutError(f"the chat page did not answer in {GIVE_UP_SECONDS:g} s")
            try:
                if (await client.get(f"{EMULATOR}/_emulator/state")).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
        page_up = time.monotonic() - started
        person = TelegramPath(client, EMULATOR)
        await person.send(person.start(), "hello")
        return page_up, time.monotonic() - started


def main() -> int:
    workers = workers_from(os.environ)
    for port in (
        DEFAULT_RASA_PORT,
        DEFAULT_ACTION_PORT,
        DEFAULT_EMULATOR_PORT,
        DEFAULT_CONSOLE_PORT,
    ):
        ensure_port_free(port)  # `make run` already running would answer for us
    with tempfile.TemporaryDirectory(prefix="lantern-first-answer-") as scratch:
        env = dict(os.environ, LANTERN_VAR_DIR=scratch)
        # `make keys`, which `make run` finds done on a set-up machine.
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            [str(APP_PYTHON), "-m", "bot", "local-setup"],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        log = Path(scratch) / "run.log"
        with log.open("wb") as out:
            started = time.monotonic()
            stack = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [str(APP_PYTHON), "-m", "bot.devstack"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                page_up, answered = asyncio.run(first_answer(started, stack))
            except BaseException:
                print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
                raise
            finally:
                stack.send_signal(signal.SIGTERM)  # the devstack stops its servers on TERM
                stack.wait(timeout=120)
    verdict = "within" if answered <= LIMIT_SECONDS else "OVER"
    print(
        f"make run ({workers} worker(s)): chat page up {page_up:.1f} s, first answer "
        f"{answered:.1f} s after start ({verdict} the {LIMIT_SECONDS:g} s limit; "
        f"load average {os.getloadavg()[0]:.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
