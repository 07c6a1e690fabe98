"""The sealed tracker vault on SQLite, PostgreSQL and Redis (tests/rasa_ext/test_tracker_store.py
checks the Rasa class built on it)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text, update

from bot.core.crypto import FrontEndKey, TamperedCiphertextError
from bot.core.tracker_vault import (
    RedisTrackerVault,
    SqlTrackerVault,
    TrackerVault,
    TrackerVaultError,
    open_tracker_vault,
    trackers,
)
from tests.support import POSTGRES_URL

MARKER = "XQZ-TRACKER-MARKER-" + secrets.token_hex(4)
TRACKER = f'{{"name": "x", "events": [{{"event": "user", "text": "{MARKER}"}}]}}'.encode()


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
