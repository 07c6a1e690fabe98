"""An emulator served in-process on a free loopback port, with a clock the test can move."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from telegram import Bot

from bot.emulator import Emulator, create_app
from tests.emulator.support import TOKEN, ManualClock, Running, served


@pytest.fixture
def emulator_server() -> Iterator[Running]:
    clock = ManualClock()
    emulator = Emulator(clock=clock)
    with served(create_app(emulator)) as url:
        yield Running(url, emulator, clock)


@pytest.fixture
async def bot(emulator_server: Running) -> AsyncIterator[Bot]:
    """A real python-telegram-bot ``Bot`` pointed at the emulator with ``base_url``."""
    async with Bot(
        TOKEN,
        base_url=emulator_server.base_url,
        base_file_url=f"{emulator_server.url}/file/bot",
    ) as real_bot:
        yield real_bot


@pytest.fixture
async def control(emulator_server: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator_server.url, timeout=30) as client:
        yield client
