"""Fixtures the store's tests share; each module brings its own ``clock``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import Engine

from bot.core.db.store import Database, Store
from bot.core.firewall import Firewall


@pytest.fixture
def store(engine: Engine, firewall: Firewall, clock: Callable[[], datetime]) -> Store:
    return Store(Database(engine, firewall=firewall, clock=clock))
