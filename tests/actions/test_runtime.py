"""The action server's directory: the file plus supervisors' edits, read from the real database;
the file alone when the database cannot be reached. The number is from Ofcom's drama range."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine

from actions import runtime
from actions.support import ActionShowSupport
from bot.core.config import Settings
from bot.core.crypto import KdfParams
from bot.core.db.audit import Actor
from bot.core.db.directory_edits import save_edit
from bot.core.db.local_setup import create_local_setup
from bot.core.db.organisations import Credentials, create_organisation
from bot.core.db.store import Database, Store, create_engine_for
from bot.core.directory import default_directory
from bot.core.errors import ConfigurationError
from bot.core.key_pins import pin_key

from .conftest import TrackerFactory

DRAMA_FREEPHONE = "0808 157 0456"


@pytest.fixture
def fresh_directory() -> Iterator[None]:
    runtime.live_directory.cache_clear()
    yield
    runtime.live_directory.cache_clear()


@pytest.fixture
def store(engine: Engine, monkeypatch: pytest.MonkeyPatch, fresh_directory: None) -> Store:
    store = Store(Database(engine))
    monkeypatch.setattr(runtime, "store", lambda: store)
    return store


async def support_cards(tracker: Any, domain: dict[str, Any]) -> str:
    dispatcher = CollectingDispatcher()
    await ActionShowSupport().run(dispatcher, tracker, domain)
    return "\n".join(message.get("text") or "" for message in dispatcher.messages)


async def test_a_supervisors_edit_reaches_the_person(
    store: Store, fast_kdf: KdfParams, make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    """Given a supervisor changed Live Fear Free's number in the console, When a person in
    Wales asks for support, Then they are offered the new number, not the file's."""
    now = datetime.datetime.now(datetime.timezone.utc)
    base = default_directory()
    service = base.service("live_fear_free")
    assert service is not None
    with store.db.transaction() as session:
        staff = create_organisation(
            session, "Charity", Credentials("charity", "a passphrase"), now, kdf=fast_kdf
        )
        entry: dict[str, Any] = {
            "id": service.id,
            "name": service.name,
            "helps_with": sorted(service.helps_with),
            "who": service.who,
            "nations": ["wales"],
            "languages": ["en"],
            "contact": [{"kind": "phone", "value": DRAMA_FREEPHONE}],
            "hours": {"always": True},
            "immigration_advice": False,
            "source": service.source,
            "verified": service.verified.isoformat(),
        }
        supervisor = Actor("supervisor", staff.admin.staff_id)
        save_edit(session, base, entry, supervisor, now, adding=False)

    text = await support_cards(make_tracker(intent="find_support", nation="wales"), domain)

    assert "Live Fear Free" in text
    assert DRAMA_FREEPHONE in text and "0808 80 10 800" not in text


async def test_an_unreachable_database_still_gets_the_person_the_files_services(
    monkeypatch: pytest.MonkeyPatch,
    fresh_directory: None,
    make_tracker: TrackerFactory,
    domain: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = Store(
        Database(create_engine_for("postgresql+psycopg://nobody@127.0.0.1:1/lantern"))
    )
    monkeypatch.setattr(runtime, "store", lambda: unreachable)

    with caplog.at_level(logging.ERROR):
        text = await support_cards(make_tracker(intent="find_support", nation="wales"), domain)

    assert "0808 80 10 800" in text
    assert "directory edits could not be loaded: OperationalError" in caplog.text
    assert "nobody" not in caplog.text


@pytest.fixture
def runtime_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The action server's own settings and store, read from a fresh local var/."""
    var = tmp_path / "var"
    monkeypatch.setenv("LANTERN_VAR_DIR", str(var))
    monkeypatch.delenv("LANTERN_DATABASE_URL", raising=False)
    monkeypatch.delenv("LANTERN_ORGANISATION_KEY_PINS_FILE", raising=False)
    runtime.settings.cache_clear()
    runtime.store.cache_clear()
    settings = runtime.settings()
    create_local_setup(settings)
    yield settings
    runtime.settings.cache_clear()
    runtime.store.cache_clear()


def test_the_action_servers_store_seals_only_to_the_pinned_keys(runtime_on: Settings) -> None:
    pin_key(runtime_on.organisation_key_pins_file, "a" * 32, "b" * 32)
    pins = runtime.store().db.key_pins
    assert pins is not None and pins.pairs == frozenset({("a" * 32, "b" * 32)})


def test_the_action_server_refuses_to_share_without_a_pins_file(runtime_on: Settings) -> None:
    runtime_on.organisation_key_pins_file.unlink()
    with pytest.raises(ConfigurationError, match="LANTERN_ORGANISATION_KEY_PINS_FILE"):
        runtime.store()
