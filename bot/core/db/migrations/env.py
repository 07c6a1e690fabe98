"""Alembic environment: uses the caller's connection, else the configured database URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.core.config import load_settings
from bot.core.db.migrations import create_engine_for
from bot.core.db.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        context.configure(
            url=load_settings().database_url, target_metadata=Base.metadata, literal_binds=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine_for(load_settings().database_url)
    try:
        with engine.connect() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


_main()
