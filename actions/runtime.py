"""What the action server shares between actions: settings and the store, made on first use.

The rasa-sdk server imports the actions package itself, so there is no ``create_app`` to pass
settings into; they are read once, on the first action that needs them, never at import.
"""

from __future__ import annotations

from functools import lru_cache

from bot.core.config import Settings, load_settings
from bot.core.store import Store, create_engine_for


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def store() -> Store:
    return Store(create_engine_for(settings()))
