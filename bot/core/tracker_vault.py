"""Sealed storage for Rasa's trackers, free of Rasa so the CLI and the front end can use it too.

A tracker holds what the person typed (after the firewall), parse data and slot values, so it is
sealed with ``seal_for_front_end`` under the tracker key before it is written, bound to its
sender id: a row copied to another sender fails to open. The only plain values are the sender
id (already a keyed HMAC pseudonym) and the time of the last write. Idle trackers expire: Redis
drops them by TTL; SQL deletes them when read after expiry and in :meth:`TrackerVault.purge`.

Runs on Python 3.10 with SQLAlchemy 1.4 and redis-py 4 (inside Rasa) and on 3.11 with
SQLAlchemy 2 and redis-py 8 (the CLI and the front end), so it uses only the SQLAlchemy Core API
common to both; that is why it lives in the shared core rather than beside the Rasa plug-ins.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from typing import Any

import redis
from sqlalchemy import (
    BigInteger,
    Column,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    select,
)
from sqlalchemy.engine import Engine, make_url

from bot.core.config import Settings
from bot.core.crypto import Binding, FrontEndKey, open_as_front_end, seal_for_front_end
from bot.core.errors import ConfigurationError, LanternError
from bot.core.private_files import private_sqlite_file
from bot.core.pseudonym import is_pseudonym

REDIS_KEY_PREFIX = "lantern:tracker:"
_FIELD = "rasa.tracker"
_metadata = MetaData()
# Own table in its own database file by default: Rasa's SQLAlchemy 1.4 never touches the
# Alembic-managed application schema.
trackers = Table(
    "lantern_trackers",
    _metadata,
    Column("sender_id", String(64), primary_key=True),
    Column("sealed", LargeBinary, nullable=False),
    Column("updated_at", BigInteger, nullable=False, index=True),
)


class TrackerVaultError(LanternError):
    """A tracker would be stored under something other than a pseudonymous sender id."""


class TrackerVault:
    """Seal, store, open, expire and erase trackers; subclasses say where the bytes live."""

    def __init__(
        self, key: FrontEndKey, expiry_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._keys = {key.key_id: key}
        self._key = key
        self.expiry_seconds = expiry_seconds
        self._clock = clock

    def put(self, sender_id: str, serialised: bytes) -> None:
        _require_pseudonym(sender_id)
        self._write(sender_id, seal_for_front_end(serialised, self._key, _binding(sender_id)))

    def get(self, sender_id: str) -> bytes | None:
        """The serialised tracker, or None when there is none or it has expired."""
        sealed = self._read(sender_id)
        if sealed is None:
            return None
        return open_as_front_end(sealed, self._keys, _binding(sender_id))

    def sender_ids(self) -> list[str]:
        raise NotImplementedError

    def erase(self, sender_id: str) -> bool:
        """The person's erasure: delete their tracker now; True when there was one."""
        raise NotImplementedError

    def purge(self) -> int:
        """Delete every expired tracker; returns how many went."""
        raise NotImplementedError

    def _write(self, sender_id: str, sealed: bytes) -> None:
        raise NotImplementedError

    def _read(self, sender_id: str) -> bytes | None:
        raise NotImplementedError

    def _now(self) -> int:
        return int(self._clock())


class SqlTrackerVault(TrackerVault):
    """SQLite (default, under var/) or PostgreSQL."""

    def __init__(
        self,
        engine: Engine,
        key: FrontEndKey,
        expiry_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(key, expiry_seconds, clock)
        self.engine = engine
        _metadata.create_all(engine)

    def _write(self, sender_id: str, sealed: bytes) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(trackers).where(trackers.c.sender_id == sender_id))
            connection.execute(
                trackers.insert().values(sender_id=sender_id, sealed=sealed, updated_at=self._now())
            )

    def _read(self, sender_id: str) -> bytes | None:
        with self.engine.begin() as connection:
            row = connection.execute(
                select(trackers.c.sealed, trackers.c.updated_at).where(
                    trackers.c.sender_id == sender_id
                )
            ).first()
            if row is None:
                return None
            if row.updated_at <= self._now() - self.expiry_seconds:
                connection.execute(delete(trackers).where(trackers.c.sender_id == sender_id))
                return None
            return bytes(row.sealed)

    def sender_ids(self) -> list[str]:
        with self.engine.begin() as connection:
            return list(
                connection.execute(
                    select(trackers.c.sender_id).where(
                        trackers.c.updated_at > self._now() - self.expiry_seconds
                    )
                ).scalars()
            )

    def erase(self, sender_id: str) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(delete(trackers).where(trackers.c.sender_id == sender_id))
            return bool(result.rowcount)

    def purge(self) -> int:
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(trackers).where(trackers.c.updated_at <= self._now() - self.expiry_seconds)
            )
            return int(result.rowcount)


class RedisTrackerVault(TrackerVault):
    """Redis: every write renews the key's TTL, so Redis itself deletes idle trackers."""

    def __init__(
        self,
        client: redis.Redis,
        key: FrontEndKey,
        expiry_seconds: int,
        prefix: str = REDIS_KEY_PREFIX,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(key, expiry_seconds, clock)
        self.client = client
        self.prefix = prefix

    def _write(self, sender_id: str, sealed: bytes) -> None:
        self.client.set(self.prefix + sender_id, sealed, ex=self.expiry_seconds)

    def _read(self, sender_id: str) -> bytes | None:
        value: Any = self.client.get(self.prefix + sender_id)
        return None if value is None else bytes(value)

    def sender_ids(self) -> list[str]:
        keys: list[Any] = list(self.client.scan_iter(match=self.prefix + "*"))
        return [
            (key.decode() if isinstance(key, bytes) else str(key))[len(self.prefix) :]
            for key in keys
        ]

    def erase(self, sender_id: str) -> bool:
        return bool(self.client.delete(self.prefix + sender_id))

    def purge(self) -> int:
        # Redis has already dropped every tracker whose TTL ran out.
        return 0


def open_tracker_vault(
    url: str, key: FrontEndKey, expiry_seconds: int, clock: Callable[[], float] = time.time
) -> TrackerVault:
    """The vault for a ``sqlite://``, ``postgresql://`` or ``redis://`` URL (connects lazily)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisTrackerVault(redis.Redis.from_url(url), key, expiry_seconds, clock=clock)
    if url.startswith(("sqlite:", "postgresql")):
        return SqlTrackerVault(create_engine(_sql_url(url)), key, expiry_seconds, clock)
    raise ConfigurationError("LANTERN_TRACKER_URL must be a sqlite, postgresql or redis URL")


def tracker_vault_for(settings: Settings) -> TrackerVault:
    """The vault both Rasa and the CLI use, from the same settings so they always agree."""
    return open_tracker_vault(
        settings.tracker_url,
        FrontEndKey(settings.tracker_key()),
        settings.tracker_expiry_minutes * 60,
    )


def _sql_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # Rasa's environment ships psycopg2, the application's psycopg 3: use whichever is here.
        driver = "psycopg" if importlib.util.find_spec("psycopg") is not None else "psycopg2"
        return str(parsed.set(drivername=f"postgresql+{driver}").render_as_string(False))
    if parsed.drivername == "sqlite" and parsed.database:
        private_sqlite_file(parsed.database)
    return url


def _binding(sender_id: str) -> Binding:
    return Binding(sender_id, _FIELD)


def _require_pseudonym(sender_id: str) -> None:
    if not is_pseudonym(sender_id):
        raise TrackerVaultError("a tracker is stored only under a pseudonymous sender id")
