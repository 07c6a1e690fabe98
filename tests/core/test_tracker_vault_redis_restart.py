"""Redis stopped under the tracker vault (bot/core/tracker_vault.py), on a redis-server of the
test's own: the shared one on 6379 belongs to everyone else and is never touched.

Lantern's default stack does not use Redis: Rasa's trackers are in SQLite under var/ unless
``LANTERN_TRACKER_URL`` names a Redis. When it does, this vault is what Rasa's tracker store
(bot/rasa_ext/tracker_store.py) reads and writes, and what the front end reads after a crash."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from bot.core.crypto import FrontEndKey
from bot.core.tracker_vault import open_tracker_vault
from tests.support import free_port

pytestmark = pytest.mark.soak

TRACKER = b'{"name": "x", "events": [{"event": "user", "text": "hello"}]}'
SENDER = "ab" * 32


@dataclass
class PrivateRedis:
    directory: Path
    port: int
    persistence: list[str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.directory), *self.persistence]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)


@pytest.fixture(
    params=[
        pytest.param(["--appendonly", "yes", "--appendfsync", "always", "--save", ""], id="aof"),
        pytest.param(["--appendonly", "no", "--save", ""], id="no-persistence"),
    ]
)
def private_redis(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path, free_port(), request.param)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.kill()


def test_a_killed_redis_refuses_by_name_and_keeps_trackers_only_with_an_append_only_file(
    private_redis: PrivateRedis,
) -> None:
    vault = open_tracker_vault(private_redis.url, FrontEndKey.generate(), 1800)
    vault.put(SENDER, TRACKER)
    private_redis.kill()
    # While it is down a read fails loudly (Rasa's turn fails, and the front door's channel
    # still answers with the way out), never as "no tracker", which would start afresh.
    with pytest.raises(redis.ConnectionError):
        vault.get(SENDER)
    private_redis.start()
    kept = vault.get(SENDER)
    persistent = "yes" in private_redis.persistence
    print(f"\nfigures: redis {private_redis.persistence}: tracker kept across a kill: {bool(kept)}")
    assert kept == (TRACKER if persistent else None)
