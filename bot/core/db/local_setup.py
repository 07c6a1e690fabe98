"""Everything a local run needs under var/: the bot side's keys and the database schema.

Idempotent: keys are never overwritten (pseudonyms would change). The demo partner charity and
its staff are the console's business (``bot.console.demo``).
"""

from __future__ import annotations

import secrets

from bot.core.config import Settings
from bot.core.db.database import Database
from bot.core.db.migrations import create_engine_for
from bot.core.private_files import write_private_file

__all__ = ["create_local_setup", "write_private_file"]


def create_local_setup(settings: Settings) -> None:
    """Create any missing key file under var/keys and bring the database schema up to date."""
    for key_file in (
        settings.pseudonym_key_file,
        settings.tracker_key_file,
        settings.front_end_key_file,
        settings.audit_key_file,
    ):
        if not key_file.exists():
            write_private_file(key_file, secrets.token_hex(32))
    Database(create_engine_for(settings)).migrate()
