"""`make keys` (create_local_setup): what both processes need, never overwriting a key."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.core.config import Settings, load_settings
from bot.core.crypto import FrontEndKey, FrontEndPublicKey, KdfParams
from bot.core.db.database import Database
from bot.core.db.local_setup import create_local_setup
from bot.core.db.migrations import create_engine_for
from bot.core.db.organisations import Credentials, create_organisation
from bot.core.errors import ConfigurationError
from bot.core.key_pins import read_key_pins


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"LANTERN_VAR_DIR": str(tmp_path / "var")})


def test_a_fresh_setup_writes_the_public_half_the_front_ends_secret_derives(
    settings: Settings,
) -> None:
    create_local_setup(settings)
    public = FrontEndPublicKey.from_hex(settings.for_console().front_end_public_key_hex())
    derived = FrontEndKey(settings.front_end_key()).courier_public_key()
    assert public.key_id == derived.key_id
    assert read_key_pins(settings.organisation_key_pins_file, "-").pairs == frozenset()


def test_running_it_again_changes_no_file(settings: Settings) -> None:
    create_local_setup(settings)
    files = [
        settings.front_end_key_file,
        settings.front_end_public_key_file,
        settings.organisation_key_pins_file,
        settings.pseudonym_key_file,
    ]
    before = [path.read_bytes() for path in files]
    create_local_setup(settings)
    assert [path.read_bytes() for path in files] == before


def test_a_public_key_file_of_another_secret_is_refused(settings: Settings) -> None:
    """Given a public key file left from another front-end secret, Then set-up stops, rather
    than let the console seal replies the front end could never open."""
    create_local_setup(settings)
    other = FrontEndKey.generate().courier_public_key()
    settings.front_end_public_key_file.write_text(other.public_bytes.hex())
    with pytest.raises(ConfigurationError, match="not the public half"):
        create_local_setup(settings)


def test_a_var_from_before_pinning_pins_the_keys_it_already_has(
    settings: Settings, fast_kdf: KdfParams
) -> None:
    """Given a local var/ set up before pins existed (its demo charity already made), When
    `make keys` runs, Then that charity's active key is pinned and nothing else."""
    create_local_setup(settings)
    settings.organisation_key_pins_file.unlink()
    now = datetime.now(timezone.utc)
    with Database(create_engine_for(settings)).transaction() as session:
        made = create_organisation(session, "Old", Credentials("old", "o" * 12), now, kdf=fast_kdf)
    create_local_setup(settings)
    pins = read_key_pins(settings.organisation_key_pins_file, "-")
    assert pins.pairs == frozenset({(made.organisation_id, made.key_id)})
