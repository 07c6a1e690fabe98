"""PostgreSQL crashed and started again under the real Telegram front end (`python -m bot
telegram` beside the emulator, under the devstack's supervisor), on a PostgreSQL server of the
test's own. No Rasa is started, so the front end answers every message itself (999 routes and
"I can't reach the rest of the assistant"): one answer per message, easy to count."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.devstack import Stack, supervise_in_background
from bot.supervisor import Supervisor
from tests.e2e.emulated import Person, bot_messages
from tests.support import free_port, set_up_local_run
from tests.support_postgres import PrivatePostgres, private_postgres

pytestmark = pytest.mark.soak

MESSAGES = 3
DOWN_SECONDS = 8.0
SETTLE_SECONDS = 10.0


@pytest.fixture
def on_postgres(tmp_path: Path) -> Iterator[tuple[Stack, str, PrivatePostgres]]:
    with private_postgres() as server:
        env = dict(os.environ, LANTERN_VAR_DIR=str(tmp_path), LANTERN_DATABASE_URL=server.url)
        set_up_local_run(load_settings(env))
        # Ports nobody listens on: this stack's Rasa is "down" from the start.
        stack = Stack(free_port(), free_port(), tmp_path / "log", Supervisor(initial_backoff=0.5))
        try:
            emulator = stack.start_telegram(env, free_port()).rstrip("/")
            supervise_in_background(stack)
            polling(tmp_path / "log")
            yield stack, emulator, server
        finally:
            stack.stop()


def polling(log_dir: Path, seconds: float = 300.0) -> None:
    """Until the front end says it is polling: minutes when other work shares the cores."""
    deadline = time.monotonic() + seconds
    while not any("front end running" in p.read_text() for p in log_dir.glob("telegram-*.log")):
        assert time.monotonic() < deadline, "the front end never started"
        time.sleep(0.5)


def answers(person: Person, down: str) -> int:
    return sum(down in (m["text"] or "") for m in bot_messages(person.chat()))


def test_messages_written_while_postgres_is_down_are_answered_once_it_is_back(
    on_postgres: tuple[Stack, str, PrivatePostgres],
) -> None:
    stack, emulator, server = on_postgres
    down = catalogue(ENGLISH).say("assistant_down")
    someone = Person(emulator)
    someone.say("hello")
    someone.wait_for_bot_text(down)
    front_end = next(s for s in stack.supervisor.servers if s.name == "telegram")
    process = front_end.process

    # PostgreSQL crashes; the person writes three messages while it is down.
    server.crash()
    crashed_at = time.monotonic()
    for number in range(MESSAGES):
        someone.say(f"message {number}")
        time.sleep(0.5)
    answered_while_down = answers(someone, down) - 1
    time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - crashed_at)))
    server.start()
    back_at = time.monotonic()
    someone.wait_for(
        lambda chat: sum(down in (m["text"] or "") for m in bot_messages(chat)) >= 1 + MESSAGES,
        "an answer to each message written while the database was down",
    )
    answered_after = time.monotonic() - back_at
    time.sleep(SETTLE_SECONDS)
    total = answers(someone, down)
    said = [m["text"] for m in someone.chat()["messages"] if m["from"] == "user"]
    print(
        f"\nfigures: database down {back_at - crashed_at:.1f} s; answered while down: "
        f"{answered_while_down}; every message answered {answered_after:.1f} s after it was "
        f"back; answers {total} for {1 + MESSAGES} messages; front end restarts "
        f"{front_end.restarts} (same process: {front_end.process is process})"
    )
    assert said == ["hello", *(f"message {n}" for n in range(MESSAGES))]
    assert total == 1 + MESSAGES  # every message answered, none twice
