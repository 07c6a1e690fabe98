"""Keys and SQLite databases are private to this user whatever the umask, and start-up refuses a
key file group or others could read."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.config import Settings, load_settings
from bot.core.crypto import FrontEndKey
from bot.core.db.local_setup import create_local_setup
from bot.core.private_files import LooseSecretFileError
from bot.core.tracker_vault import open_tracker_vault


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def no_umask() -> Iterator[None]:
    """The loosest umask there is: whatever stays private here is private under any umask."""
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"LANTERN_VAR_DIR": str(tmp_path / "var")})


@pytest.mark.usefixtures("no_umask")
def test_local_setup_leaves_only_private_files_and_directories(settings: Settings) -> None:
    """Given umask 0, When `make keys` (create_local_setup) builds var/ from nothing, Then every
    key and the SQLite database are 0600 and var/ and var/keys are 0700."""
    create_local_setup(settings)
    for key_file in (
        settings.pseudonym_key_file,
        settings.tracker_key_file,
        settings.front_end_key_file,
        settings.audit_key_file,
        settings.front_end_public_key_file,
        settings.organisation_key_pins_file,
    ):
        assert mode(key_file) == 0o600, key_file
    assert mode(settings.var_dir / "lantern.db") == 0o600
    assert mode(settings.var_dir) == 0o700
    assert mode(settings.var_dir / "keys") == 0o700


def test_local_setup_creates_the_audit_key_once_and_never_replaces_it(settings: Settings) -> None:
    """A new audit key would make every existing entry fail to verify: `make keys` run again
    keeps the one it made, and the key is long enough to resist an offline guess."""
    create_local_setup(settings)
    first = settings.audit_key()
    create_local_setup(settings)

    assert settings.audit_key() == first and len(first) >= 32
    assert settings.audit_key_file.parent == settings.var_dir / "keys"


@pytest.mark.usefixtures("no_umask")
def test_the_tracker_database_is_private_and_an_old_loose_one_is_tightened(
    settings: Settings,
) -> None:
    """Given umask 0, When Rasa's tracker vault opens its SQLite file, Then the file (and so its
    journal) is 0600; one left 0644 by an earlier version is tightened on opening."""
    key = FrontEndKey(secrets.token_bytes(32))
    vault = open_tracker_vault(settings.tracker_url, key, 60)
    vault.put("d" * 64, b"{}")
    tracker_db = settings.var_dir / "tracker.db"
    assert mode(tracker_db) == 0o600
    tracker_db.chmod(0o644)
    open_tracker_vault(settings.tracker_url, key, 60)
    assert mode(tracker_db) == 0o600


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o620])
def test_start_up_refuses_a_key_file_open_to_group_or_others(
    settings: Settings, loose: int
) -> None:
    """Given a key file copied in with a loose mode, When a process reads its key at start-up,
    Then it stops with a message naming the file and the fix, never the key itself."""
    create_local_setup(settings)
    key_file = settings.front_end_key_file
    content = key_file.read_text().strip()
    key_file.chmod(loose)
    with pytest.raises(LooseSecretFileError) as refused:
        settings.front_end_key()
    message = str(refused.value)
    assert str(key_file) in message and "chmod 600" in message
    assert content not in message and content[:8] not in message


@pytest.mark.parametrize("private", [0o600, 0o400])
def test_a_private_key_file_is_read(settings: Settings, private: int) -> None:
    create_local_setup(settings)
    settings.tracker_key_file.chmod(private)
    assert len(settings.tracker_key()) == 64
