"""The Rasa tracker store class itself, run in .venv-rasa (where Rasa lives) through Rasa's own
factory so a silent in-memory fallback fails the test; its vault is tested in
tests/core/test_tracker_vault.py."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

from bot.core.config import PROJECT_ROOT, load_settings
from bot.core.private_files import write_private_file

MARKER = "XQZ-TRACKER-MARKER-" + secrets.token_hex(4)
RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"


def sender() -> str:
    return secrets.token_hex(32)


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
    write_private_file(key_file, secrets.token_hex(32))
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
