"""One real stack per test session: the Rasa server and the action server, on free loopback
ports, so they never collide with a `make run` or another test run on the same machine."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.devstack import MODEL_PATH, Stack
from bot.frontdoor.rasa_client import BotMessage, RasaFrontDoorClient
from tests.e2e.emulated import FrontEnd, Lantern
from tests.support import free_port, set_up_local_run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-var")


@pytest.fixture(scope="session")
def stack(e2e_var_dir: Path) -> Iterator[Stack]:
    if not MODEL_PATH.exists():
        pytest.fail("no trained model: run `make train` (make test does) before the e2e tests")
    env = dict(os.environ)
    env["LANTERN_VAR_DIR"] = str(e2e_var_dir)
    set_up_local_run(load_settings(env))
    running = Stack(free_port(), free_port(), e2e_var_dir / "log")
    try:
        running.start(env)
        yield running
    finally:
        running.stop()


class Conversation:
    """One person talking to the real stack through the front door's client."""

    def __init__(self, client: RasaFrontDoorClient) -> None:
        self.client = client
        self.pseudonym = secrets.token_hex(32)
        self.turns: list[list[BotMessage]] = []

    async def say(self, text: str) -> list[BotMessage]:
        turn = await self.client.send(self.pseudonym, text)
        self.turns.append(turn)
        return turn

    async def press(self, title: str) -> list[BotMessage]:
        """Press the button with this title on the latest turn, as a person would."""
        for message in reversed(self.turns[-1]):
            for button in message.buttons:
                if button.title == title:
                    return await self.say(button.payload)
        titles = [b.title for m in self.turns[-1] for b in m.buttons]
        raise AssertionError(f"no button {title!r} in the latest turn; buttons: {titles}")


def text_of(turn: list[BotMessage]) -> str:
    return "\n".join(message.text for message in turn)


# An emulator and the real Telegram front end beside the session's Rasa, one per test module.
@pytest.fixture(scope="module")
def telegram(stack: Stack, e2e_var_dir: Path) -> Iterator[FrontEnd]:
    front = FrontEnd(stack, e2e_var_dir)
    try:
        yield front
    finally:
        front.stop()


# The whole system: a front end and the caseworkers' console beside the session's Rasa.
@pytest.fixture(scope="module")
def lantern(stack: Stack, e2e_var_dir: Path) -> Iterator[Lantern]:
    front = FrontEnd(stack, e2e_var_dir)
    console = Stack(stack.rasa_port, stack.action_port, e2e_var_dir / "log")
    try:
        env = dict(front.env)
        url = console.start_console(env, free_port())
        yield Lantern(load_settings(env), front, url)
    finally:
        console.stop()
        front.stop()


@pytest.fixture
async def conversation(stack: Stack) -> AsyncIterator[Conversation]:
    client = RasaFrontDoorClient(stack.rasa_url)
    try:
        yield Conversation(client)
    finally:
        await client.aclose()
