"""The sealed tracker store: its vault on SQLite, PostgreSQL and Redis, and the Rasa class itself
(run in .venv-rasa, where Rasa lives, through Rasa's own factory so a silent in-memory fallback
fails the test)."""

from __future__ import annotations

import os
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text, update

from bot.core.config import PROJECT_ROOT, load_settings
from bot.core.crypto import FrontEndKey, TamperedCiphertextError
from bot.core.tracker_vault import (
    RedisTrackerVault,
    SqlTrackerVault,
    TrackerVault,
    TrackerVaultError,
    open_tracker_vault,
    trackers,
)
from tests.conftest import POSTGRES_URL

MARKER = "XQZ-TRACKER-MARKER-" + secrets.token_hex(4)
TRACKER = f'{{"name": "x", "events": [{{"event": "user", "text": "{MARKER}"}}]}}'.encode()
RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def key() -> FrontEndKey:
    return FrontEndKey.generate()


@pytest.fixture
def sqlite_vault(tmp_path: Path, key: FrontEndKey, clock: Clock) -> SqlTrackerVault:
    vault = open_tracker_vault(f"sqlite:///{tmp_path / 'var' / 'tracker.db'}", key, 1800, clock)
    assert isinstance(vault, SqlTrackerVault)
    return vault


@pytest.fixture
def postgres_url() -> Iterator[str]:
    schema = f"lantern_tracker_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    yield f"{base}?options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def redis_vault(key: FrontEndKey, clock: Clock) -> Iterator[RedisTrackerVault]:
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    vault = RedisTrackerVault(client, key, 1800, prefix=f"test:{uuid.uuid4().hex}:", clock=clock)
    yield vault
    for sender in vault.sender_ids():
        vault.erase(sender)


def sender() -> str:
    return secrets.token_hex(32)


def check_round_trip_and_erase(vault: TrackerVault) -> None:
    person = sender()
    vault.put(person, TRACKER)
    assert vault.get(person) == TRACKER
    assert person in vault.sender_ids()
    assert vault.erase(person) is True
    assert vault.get(person) is None
    assert vault.erase(person) is False


def test_sqlite_round_trip_keeps_no_plain_text_on_disk(
    sqlite_vault: SqlTrackerVault, tmp_path: Path
) -> None:
    """Given a tracker with a marker, when saved, then the database file never holds the marker
    while the vault opens it back intact; erasure removes it."""
    person = sender()
    sqlite_vault.put(person, TRACKER)
    assert MARKER.encode() not in (tmp_path / "var" / "tracker.db").read_bytes()
    check_round_trip_and_erase(sqlite_vault)


@pytest.mark.postgres
def test_postgresql_round_trip(postgres_url: str, key: FrontEndKey, clock: Clock) -> None:
    vault = open_tracker_vault(postgres_url, key, 1800, clock)
    check_round_trip_and_erase(vault)


def test_redis_round_trip_with_ttl(redis_vault: RedisTrackerVault) -> None:
    """Redis holds only the sealed value, with the expiry as its TTL."""
    person = sender()
    redis_vault.put(person, TRACKER)
    stored = redis_vault.client.get(redis_vault.prefix + person)
    assert isinstance(stored, bytes) and MARKER.encode() not in stored
    assert 0 < int(redis_vault.client.ttl(redis_vault.prefix + person)) <= 1800  # type: ignore[arg-type]
    check_round_trip_and_erase(redis_vault)


def test_expired_tracker_is_deleted_on_read_and_by_purge(
    sqlite_vault: SqlTrackerVault, clock: Clock
) -> None:
    idle, active = sender(), sender()
    sqlite_vault.put(idle, TRACKER)
    clock.now += 1801
    sqlite_vault.put(active, TRACKER)
    assert sqlite_vault.sender_ids() == [active]
    assert sqlite_vault.purge() == 1
    assert sqlite_vault.get(idle) is None and sqlite_vault.get(active) == TRACKER
    clock.now += 1801
    assert sqlite_vault.get(active) is None
    with sqlite_vault.engine.connect() as connection:
        assert connection.execute(trackers.select()).first() is None


def test_a_tracker_copied_to_another_sender_fails_to_open(sqlite_vault: SqlTrackerVault) -> None:
    """The seal is bound to the sender id: swapping rows does not move a conversation."""
    victim, other = sender(), sender()
    sqlite_vault.put(victim, TRACKER)
    sqlite_vault.put(other, b"{}")
    with sqlite_vault.engine.begin() as connection:
        sealed = connection.execute(trackers.select().where(trackers.c.sender_id == victim)).first()
        assert sealed is not None
        connection.execute(
            update(trackers).where(trackers.c.sender_id == other).values(sealed=sealed.sealed)
        )
    with pytest.raises(TamperedCiphertextError):
        sqlite_vault.get(other)


def test_a_raw_id_is_refused_as_sender(sqlite_vault: SqlTrackerVault) -> None:
    with pytest.raises(TrackerVaultError):
        sqlite_vault.put("123456789", TRACKER)


RASA_SCRIPT = """
import asyncio, sys
from rasa.core.tracker_store import TrackerStore
from rasa.utils.endpoints import read_endpoint_config
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Restarted, UserUttered
from bot.rasa_ext.tracker_store import EncryptedTrackerStore

config = read_endpoint_config(sys.argv[1], "tracker_store")
store = TrackerStore.create(config, Domain.empty())
assert type(store) is EncryptedTrackerStore, f"Rasa built {type(store).__name__}"

async def main():
    sender = sys.argv[2]
    tracker = await store.get_or_create_tracker(sender)
    tracker.update(UserUttered(sys.argv[3], {"name": "greet"}))
    await store.save(tracker)
    again = await store.retrieve(sender)
    assert any(getattr(e, "text", None) == sys.argv[3] for e in again.events)
    assert list(await store.keys()) == [sender]
    again.update(Restarted())
    again.update(UserUttered("after", {"name": "greet"}))
    await store.save(again)
    full = await store.retrieve_full_tracker(sender)
    assert not any(getattr(e, "text", None) == sys.argv[3] for e in full.events)
    assert await store.delete(sender) is True
    assert await store.retrieve(sender) is None
    print("ok")

asyncio.run(main())
"""


def test_rasa_builds_our_store_from_endpoints_yml_and_round_trips(tmp_path: Path) -> None:
    """Given the project's endpoints.yml, when Rasa (in .venv-rasa) builds its tracker store,
    then it is ours, not the in-memory fallback; it saves, retrieves, forgets what came before a
    restart and deletes; and the SQLite file under LANTERN_VAR_DIR never holds the text."""
    env = dict(os.environ, LANTERN_VAR_DIR=str(tmp_path), PYTHONPATH=str(PROJECT_ROOT))
    env.update(SQLALCHEMY_SILENCE_UBER_WARNING="1", RASA_TELEMETRY_ENABLED="false")
    key_file = load_settings(env).tracker_key_file
    key_file.parent.mkdir(parents=True)
    key_file.write_text(secrets.token_hex(32))
    result = subprocess.run(
        [
            str(RASA_PYTHON),
            "-c",
            RASA_SCRIPT,
            str(PROJECT_ROOT / "endpoints.yml"),
            sender(),
            MARKER,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
    database = tmp_path / "tracker.db"
    assert database.exists()
    assert MARKER.encode() not in database.read_bytes()


def test_rasa_refuses_to_start_the_store_without_its_key(tmp_path: Path) -> None:
    """A missing key is a start-up error, never a quiet fall back to the in-memory store."""
    env = dict(os.environ, LANTERN_VAR_DIR=str(tmp_path), PYTHONPATH=str(PROJECT_ROOT))
    env["SQLALCHEMY_SILENCE_UBER_WARNING"] = "1"
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", RASA_SCRIPT, str(PROJECT_ROOT / "endpoints.yml"), sender(), "x"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr
