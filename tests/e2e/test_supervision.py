"""Supervision end to end: the real stack as `make run` starts it (Rasa, the action server, the
emulator and the Telegram front end under one supervisor), Rasa killed with SIGKILL mid-chat."""

from __future__ import annotations

import io
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.devstack import Stack, supervise_in_background
from bot.health import report, state_file_for
from bot.supervisor import Server, Supervisor
from tests.e2e.emulated import Person, bot_messages, bot_text
from tests.support import free_port, set_up_local_run

# Also run by `make soak`, with the fuzz.
pytestmark = pytest.mark.soak

# Rasa loads its model again on restart: about 30-60 s on the 2-core build machine.
RASA_BACK_SECONDS = 300.0


def server(stack: Stack, name: str) -> Server:
    return next(s for s in stack.supervisor.servers if s.name == name)


def health(var_dir: Path) -> tuple[int, dict[str, list[str]]]:
    out = io.StringIO()
    code = report(state_file_for(var_dir), out)
    rows = [line.split() for line in out.getvalue().splitlines()[1:]]
    return code, {row[0]: row[1:] for row in rows}


@pytest.fixture(scope="module")
def supervised(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str, Path]]:
    var_dir = tmp_path_factory.mktemp("supervised-var")
    env = dict(os.environ, LANTERN_VAR_DIR=str(var_dir))
    set_up_local_run(load_settings(env))
    stack = Stack(
        free_port(),
        free_port(),
        var_dir / "log",
        Supervisor(state_file=state_file_for(var_dir), initial_backoff=1.0, max_backoff=8.0),
    )
    try:
        stack.start(env)
        emulator = stack.start_telegram(env, free_port()).rstrip("/")
        supervise_in_background(stack)
        yield stack, emulator, var_dir
    finally:
        stack.stop()


def test_with_rasa_killed_a_knife_gets_999_and_55_and_rasa_comes_back(
    supervised: tuple[Stack, str, Path],
) -> None:
    stack, emulator, var_dir = supervised
    texts = catalogue(ENGLISH)
    someone = Person(emulator)
    someone.say("hello")
    someone.wait_for_bot_text("safe to talk")
    assert health(var_dir)[0] == 0
    others = {name: server(stack, name).process for name in ("actions", "emulator", "telegram")}

    # Given Rasa killed with SIGKILL (no clean shutdown)
    rasa = server(stack, "rasa")
    assert rasa.process is not None
    os.kill(rasa.process.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    # When the person writes that he has a knife
    someone.say("he has a knife")
    # Then the front end, still up, answers by itself with 999 and the Silent Solution
    chat = someone.wait_for_bot_text(texts.say("assistant_down"))
    answered_after = time.monotonic() - killed_at
    said = bot_text(chat)
    assert "call 999" in said and "press 55" in said and "Silent Solution" in said
    # And no other server was restarted or replaced
    for name, process in others.items():
        assert server(stack, name).process is process and process is not None
        assert process.poll() is None, name
    code, rows = health(var_dir)
    assert code == 1 and rows["rasa"][0] in ("down", "restarting")
    assert all(rows[name][:2] == ["up", "0"] for name in others)

    # And Rasa comes back by itself, once, and the queued message is answered by it
    deadline = time.monotonic() + RASA_BACK_SECONDS
    while health(var_dir)[0] != 0:
        assert time.monotonic() < deadline, f"rasa not back; health: {health(var_dir)[1]}"
        time.sleep(1)
    back_after = time.monotonic() - killed_at
    assert health(var_dir)[1]["rasa"][:2] == ["up", "1"]
    before = len(bot_messages(chat))
    chat = someone.wait_for(
        lambda chat: len(bot_messages(chat)) > before, "the queued message answered by Rasa"
    )
    answers = [m["text"] or "" for m in bot_messages(chat)][before:]
    assert "999" in answers[0]  # Rasa's own answer to the knife, once it is back
    user_texts = [m["text"] for m in chat["messages"] if m["from"] == "user"]
    assert user_texts == ["hello", "he has a knife"]  # nothing lost, nothing resent
    print(
        f"\nfigures: 999 answer {answered_after:.1f} s after the kill; rasa healthy again after "
        f"{back_after:.1f} s; queued message answered after {time.monotonic() - killed_at:.1f} s; "
        f"bot messages: {[(m['text'] or '')[:30] for m in bot_messages(chat)]}"
    )
