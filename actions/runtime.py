"""What the action server shares between actions: settings, the store and the directory, made on
first use.

The rasa-sdk server imports the actions package itself, so there is no ``create_app`` to pass
settings into; they are read once, on the first action that needs them, never at import.
"""

from __future__ import annotations

from functools import lru_cache

from bot.core.config import Settings, load_settings
from bot.core.crypto import FrontEndPublicKey
from bot.core.db.database import Database
from bot.core.db.directory_edits import LiveDirectory
from bot.core.db.migrations import create_engine_for
from bot.core.db.store import Store
from bot.core.directory import Directory, default_directory

# Supervisors' edits reach people within this many seconds; see LiveDirectory for the figures.
DIRECTORY_MAX_AGE_SECONDS = 30.0


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def store() -> Store:
    # Reports are sealed only to the organisation keys the settings pin (bot/core/key_pins.py).
    pins = settings().organisation_key_pins()
    return Store(Database(create_engine_for(settings()), key_pins=pins))


@lru_cache(maxsize=1)
def front_end_public_key() -> FrontEndPublicKey:
    # A shared case names its person sealed to this; the action server cannot open it again.
    # The public half only, read as the console reads it (the file `make keys` writes).
    return FrontEndPublicKey.from_hex(settings().for_console().front_end_public_key_hex())


@lru_cache(maxsize=1)
def live_directory() -> LiveDirectory:
    # ``store`` is looked up on each reload, so a test (or a settings error) meets it there and
    # the person still gets the file's directory.
    return LiveDirectory(
        default_directory(),
        lambda: store().db.transaction(),  # noqa: PLW0108 - see above
        max_age=DIRECTORY_MAX_AGE_SECONDS,
    )


def directory() -> Directory:
    """The shipped directory with supervisors' edits: what every action ranks from."""
    return live_directory().current()
