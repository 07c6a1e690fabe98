"""The devstack's own servers under its supervisor: the emulator killed with SIGKILL beside the
real Telegram front end (`python -m bot telegram`). No Rasa is started, so the front end answers
every message itself (999 routes and "I can't reach the rest of the assistant"), which is
enough to count answers: every message sent after the restart must get one."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.core.config import load_settings
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.devstack import Stack, supervise_in_background
from bot.supervisor import Supervisor
from tests.e2e.emulated import Person, bot_messages
from tests.support import free_port, set_up_local_run

# Also run by `make soak`, with the fuzz.
pytestmark = pytest.mark.soak

MESSAGES = 4


@pytest.fixture
def telegram_only(tmp_path: Path) -> Iterator[tuple[Stack, str]]:
    env = dict(os.environ, LANTERN_VAR_DIR=str(tmp_path))
    set_up_local_run(load_settings(env))
    # Ports nobody listens on: this stack's Rasa is "down" from the start.
    stack = Stack(free_port(), free_port(), tmp_path / "log", Supervisor(initial_backoff=0.5))
    try:
        emulator = stack.start_telegram(env, free_port()).rstrip("/")
        supervise_in_background(stack)
        yield stack, emulator
    finally:
        stack.stop()


def test_a_restarted_emulator_loses_no_message_sent_after_it(
    telegram_only: tuple[Stack, str],
) -> None:
    stack, emulator = telegram_only
    down = catalogue(ENGLISH).say("assistant_down")
    before = Person(emulator)
    before.say("hello")
    before.wait_for_bot_text(down)
    server = next(s for s in stack.supervisor.servers if s.name == "emulator")
    front_end = next(s for s in stack.supervisor.servers if s.name == "telegram").process
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while server.restarts == 0 or not _answers(f"{emulator}/_emulator/state"):
        assert time.monotonic() < deadline, "the emulator did not come back"
        time.sleep(0.1)
    # At once, while the front end may still be backing off from the broken long poll.
    after = Person(emulator)
    for number in range(MESSAGES):
        after.say(f"message {number}")
    chat = after.wait_for(lambda chat: len(bot_messages(chat)) >= MESSAGES, "an answer each")
    assert all(down in (m["text"] or "") for m in bot_messages(chat))
    # The front end was not restarted: it kept its offset across the emulator's restart.
    assert next(s for s in stack.supervisor.servers if s.name == "telegram").process is front_end


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
