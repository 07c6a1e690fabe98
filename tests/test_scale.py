"""LANTERN_WORKERS: one setting, default 1 (nothing changes), and for more a lock store and a
tracker store that Rasa itself accepts for several Sanic workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import PROJECT_ROOT
from bot.core.errors import ConfigurationError
from bot.scale import (
    LOCAL_REDIS_TRACKERS,
    lock_store_endpoints,
    scaled_environment,
    worker_variables,
    workers_from,
)
from tests.support_rasa import run_in_rasa


def test_one_worker_unless_told_and_nothing_changes_then() -> None:
    assert workers_from({}) == 1
    assert workers_from({"LANTERN_WORKERS": " 3 "}) == 3
    env = {"LANTERN_TRACKER_URL": "sqlite:///x.db"}
    assert scaled_environment(env, 1) == env
    assert worker_variables(1) == {}


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5", "17"])
def test_a_worker_count_that_is_not_a_small_whole_number_is_refused(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="LANTERN_WORKERS"):
        workers_from({"LANTERN_WORKERS": raw})


def test_several_workers_keep_trackers_where_every_worker_reaches_them() -> None:
    # SQLite (the default) moves to the local Redis; PostgreSQL or Redis stay as configured
    assert scaled_environment({}, 2)["LANTERN_TRACKER_URL"] == LOCAL_REDIS_TRACKERS
    sqlite = {"LANTERN_TRACKER_URL": "sqlite:///var/tracker.db"}
    assert scaled_environment(sqlite, 2)["LANTERN_TRACKER_URL"] == LOCAL_REDIS_TRACKERS
    for url in ("postgresql://db/lantern", "redis://cache:6379/3"):
        assert scaled_environment({"LANTERN_TRACKER_URL": url}, 2)["LANTERN_TRACKER_URL"] == url
    assert worker_variables(2) == {"SANIC_WORKERS": "2", "ACTION_SERVER_SANIC_WORKERS": "2"}


RASA_CHECK = r"""
import os, sys
from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers
endpoints = AvailableEndpoints.read_endpoints(sys.argv[1])
os.environ["SANIC_WORKERS"] = "2"
print(endpoints.lock_store.type, endpoints.lock_store.kwargs.get("key_prefix"),
      number_of_sanic_workers(endpoints.lock_store))
"""


def test_rasa_accepts_two_workers_with_the_endpoints_written_for_the_run(tmp_path: Path) -> None:
    # Given the project's endpoints.yml plus the lock store a scaled-out run appends
    path = tmp_path / "endpoints.yml"
    path.write_text((PROJECT_ROOT / "endpoints.yml").read_text() + lock_store_endpoints("lantern1"))
    # When Rasa's own code reads it and decides the number of Sanic workers
    result = run_in_rasa(RASA_CHECK, str(path))
    # Then it grants both (with its in-memory lock store it would fall back to one)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["redis", "lantern1", "2"]
