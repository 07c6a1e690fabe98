"""Shared fixtures: fast key derivation, and migrated SQLite and PostgreSQL databases.

Every PostgreSQL test gets its own schema (dropped afterwards), so parallel runs and other
engineers' tests on the same server never see each other's tables.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from bot.core.crypto import KdfParams
from bot.core.db.audit_key import use_audit_key
from bot.core.db.migrations import create_engine_for, upgrade_database
from bot.core.firewall import Firewall, default_firewall
from tests.support import POSTGRES_URL, TEST_AUDIT_KEY

# Hypothesis caches its Unicode tables in ./.hypothesis/ (even with no example database): kept
# outside the repository, so a test run leaves the work tree as it found it.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "lantern-hypothesis")


@pytest.fixture(scope="session")
def fast_kdf() -> KdfParams:
    """Argon2id at its minimum cost: tests only; production keeps ``PRODUCTION_KDF``."""
    return KdfParams(memory_cost_kib=8, iterations=1, lanes=1)


@pytest.fixture(scope="session")
def firewall() -> Firewall:
    return default_firewall()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'var' / 'lantern.db'}")
    upgrade_database(engine)
    use_audit_key(engine, TEST_AUDIT_KEY)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    schema = f"lantern_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        pytest.fail(
            f"PostgreSQL at {POSTGRES_URL} is not reachable ({error.__class__.__name__}); "
            "start it (.ci/run does) or deselect with -m 'not postgres'"
        )
    engine = create_engine(POSTGRES_URL, connect_args={"options": f"-c search_path={schema}"})
    try:
        upgrade_database(engine)
        use_audit_key(engine, TEST_AUDIT_KEY)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same test once on an SQLite file and once on the real PostgreSQL server."""
    name = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    migrated: Engine = request.getfixturevalue(name)
    return migrated


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fuzz counts, per target (`make soak` prints them; a normal run too, shorter)."""
    from tests.fuzzing import TALLIES

    for counted in TALLIES:
        terminalreporter.write_line(counted.line())
    if TALLIES:
        total = sum(t.inputs for t in TALLIES)
        failed = sum(t.failures for t in TALLIES)
        terminalreporter.write_line(f"fuzz total: {total} inputs, {failed} failures")
