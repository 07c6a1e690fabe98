"""``LANTERN_WORKERS``: how many Rasa and action-server workers the stack runs (default 1).

One Rasa process uses one core (issue 14). Rasa's own lever is Sanic workers (``SANIC_WORKERS``),
which Rasa 3.6 allows only with a lock store shared by the workers, so a scaled-out stack gets
Rasa's ``RedisLockStore`` in the endpoints file written for the run, and its trackers in a store
every worker reaches: Redis, unless ``LANTERN_TRACKER_URL`` already names PostgreSQL or Redis.
SQLite would also be correct across processes, but a write waiting on another worker's lock
blocks that worker's whole event loop. The kernel spreads connections on Rasa's one port across
its workers, so the front end needs no list of instances. The action server scales with rasa-sdk's
own ``ACTION_SERVER_SANIC_WORKERS``. With 1 nothing changes: ``make run`` stays as it was.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.errors import ConfigurationError

WORKERS_VARIABLE = "LANTERN_WORKERS"
MAX_WORKERS = 16
# The local Redis of `make run` and the tests (never flushed: others share it).
LOCAL_REDIS_HOST = "127.0.0.1"
LOCAL_REDIS_PORT = 6379
LOCAL_REDIS_TRACKERS = f"redis://{LOCAL_REDIS_HOST}:{LOCAL_REDIS_PORT}/0"
# Rasa's RedisLockStore default database; locks live seconds, keyed by conversation.
LOCK_STORE_DB = 1


def workers_from(env: Mapping[str, str]) -> int:
    """``LANTERN_WORKERS`` as a whole number from 1 to MAX_WORKERS; 1 when unset."""
    raw = env.get(WORKERS_VARIABLE, "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_WORKERS:
        raise ConfigurationError(
            f"{WORKERS_VARIABLE} must be a whole number from 1 to {MAX_WORKERS}"
        )
    return int(raw)


def scaled_environment(env: Mapping[str, str], workers: int) -> dict[str, str]:
    """The environment every server of a stack with ``workers`` runs in.

    The same for Rasa, the front end and the console, so ``/forget`` and erasure reach the very
    trackers Rasa writes.
    """
    scaled = dict(env)
    if workers > 1 and not scaled.get("LANTERN_TRACKER_URL", "").startswith(
        ("redis", "rediss", "postgresql")
    ):
        scaled["LANTERN_TRACKER_URL"] = LOCAL_REDIS_TRACKERS
    return scaled


def worker_variables(workers: int) -> dict[str, str]:
    """What tells Rasa and rasa-sdk how many Sanic workers to fork (nothing for one)."""
    if workers == 1:
        return {}
    return {"SANIC_WORKERS": str(workers), "ACTION_SERVER_SANIC_WORKERS": str(workers)}


def lock_store_endpoints(key_prefix: str) -> str:
    """The ``lock_store`` section Rasa needs before it accepts more than one Sanic worker."""
    return (
        "\n# Written for a run with LANTERN_WORKERS > 1 (bot/scale.py): Rasa's workers share\n"
        "# their conversation locks through the local Redis.\n"
        "lock_store:\n"
        "  type: redis\n"
        f"  url: {LOCAL_REDIS_HOST}\n"
        f"  port: {LOCAL_REDIS_PORT}\n"
        f"  db: {LOCK_STORE_DB}\n"
        f"  key_prefix: {key_prefix}\n"
    )
