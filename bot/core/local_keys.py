"""Keys for a local run, created once under var/keys with owner-only permissions."""

from __future__ import annotations

import os
import secrets

from bot.core.config import Settings


def create_local_keys(settings: Settings) -> None:
    """Create the pseudonym key if it does not exist; never overwrite one (ids would change)."""
    key_file = settings.pseudonym_key_file
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if key_file.exists():
        return
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32))
