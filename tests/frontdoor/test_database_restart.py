"""PostgreSQL crashed and started again under the real Telegram front end (`python -m bot
telegram` beside the emulator, under the devstack's supervisor), on a PostgreSQL server of the
test's own. No Rasa is started, so the front end answers every message itself (999 routes and
"I can't reach the rest of the assistant"): one answer per message, easy to count. While the
database is down it gives that answer too, once, though it can record nothing
(bot/frontdoor/db_down.py)."""

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
    # The front door answers at once, though it can record nothing: 999 and "nothing lost"
    someone.wait_for(
        lambda chat: sum(down in (m["text"] or "") for m in bot_messages(chat)) >= 2,
        "the front door's own answer while the database is down",
    )
    told_after = time.monotonic() - crashed_at
    time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - crashed_at)))
    told_while_down = answers(someone, down) - 1
    server.start()
    back_at = time.monotonic()
    someone.wait_for(
        lambda chat: (
            sum(down in (m["text"] or "") for m in bot_messages(chat))
            >= 1 + told_while_down + MESSAGES
        ),
        "an answer to each message written while the database was down",
    )
    answered_after = time.monotonic() - back_at
    time.sleep(SETTLE_SECONDS)
    total = answers(someone, down)
    said = [m["text"] for m in someone.chat()["messages"] if m["from"] == "user"]
    print(
        f"\nfigures: database down {back_at - crashed_at:.1f} s; told while down: "
        f"{told_while_down} ({told_after:.1f} s after the crash); every message answered "
        f"{answered_after:.1f} s after it was back; answers {total} for {1 + MESSAGES} "
        f"messages; front end restarts {front_end.restarts} (same process: "
        f"{front_end.process is process})"
    )
    assert said == ["hello", *(f"message {n}" for n in range(MESSAGES))]
    # Once per outage, not once per message written into it
    assert told_while_down == 1
    # Every message answered once it was back, none twice
    assert total == 1 + told_while_down + MESSAGES

    # And the quick exit afterwards removes the answer sent while nothing could be recorded
    someone.press(catalogue(ENGLISH).say("quick_exit_button"))
    someone.wait_for(
        lambda chat: not any(down in (m["text"] or "") for m in bot_messages(chat)),
        "every answer gone after the quick exit, the one sent while the database was down too",
    )
