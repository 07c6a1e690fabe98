"""The front door's fixtures: the real front end on the emulator, with Rasa down or faked."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from bot.core.config import Settings
from bot.frontdoor.rasa_client import WEBHOOK_PATH
from bot.frontdoor.telegram_frontend import FrontEnd
from tests.emulator import conftest as emulator_fixtures
from tests.emulator.support import Running, served
from tests.frontdoor.support import (
    FakeRasa,
    Person,
    front_end_on,
    person_ids,
    settings_for,
)
from tests.support import free_port

# The emulator's fixtures (tests/emulator/conftest.py), served in-process, for every front door
# test: pytest finds fixtures by name in a conftest's namespace, so naming them here is enough.
emulator_server = emulator_fixtures.emulator_server
bot = emulator_fixtures.bot
control = emulator_fixtures.control


@pytest.fixture
async def front_end(
    emulator_server: Running,
    tmp_path: Path,
) -> AsyncIterator[FrontEnd]:
    # Nothing listens there: the real client fails as it does when Rasa is stopped.
    async with front_end_on(
        emulator_server, tmp_path / "var", f"http://127.0.0.1:{free_port()}"
    ) as running:
        yield running


@pytest.fixture
def person(front_end: FrontEnd, control: httpx.AsyncClient) -> Person:
    return Person(next(person_ids), control, front_end)


@pytest.fixture
def rasa_down(emulator_server: Running, tmp_path: Path) -> Settings:
    # Nothing listens there: the real client fails as it does when Rasa is stopped.
    return settings_for(emulator_server, tmp_path / "var", f"http://127.0.0.1:{free_port()}")


@pytest.fixture
def rasa(emulator_server: Running, tmp_path: Path) -> Any:
    settings = settings_for(emulator_server, tmp_path / "var", "http://127.0.0.1:1")
    fake = FakeRasa(settings)
    app = Starlette(routes=[Route(WEBHOOK_PATH, fake.webhook, methods=["POST"])])
    with served(app) as url:
        fake.settings = dataclasses.replace(settings, rasa_url=url)
        yield fake
