"""Database setup: an engine for the configured URL and Alembic's upgrade, run in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

from bot.core.config import ConsoleSettings, Settings
from bot.core.db.audit_key import use_audit_key
from bot.core.private_files import private_sqlite_file

_HERE = Path(__file__).resolve().parent


def create_engine_for(settings_or_url: Settings | ConsoleSettings | str) -> Engine:
    """An engine for the configured database; it opens no connection until first used."""
    url = settings_or_url if isinstance(settings_or_url, str) else settings_or_url.database_url
    engine = create_engine(url)
    if not isinstance(settings_or_url, str):
        # Read when the log is first written or checked, so a process that never does so
        # needs no key file.
        use_audit_key(engine, settings_or_url.audit_key)
    if engine.dialect.name == "sqlite":
        private_sqlite_file(engine.url.database)
        event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def _sqlite_foreign_keys(dbapi_connection: Any, _record: object) -> None:
    # SQLite ignores foreign keys (and so ON DELETE) unless asked on every connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def upgrade_database(engine: Engine) -> None:
    """Bring the database to the newest schema, as `alembic upgrade head` would."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
