"""One frozen, typed settings object, read once from the environment at start-up.

Secrets are read from files named by environment variables (never from the variables themselves,
which leak into ``/proc`` and crash reports). A missing or empty secret raises
``ConfigurationError`` at start-up; it never silently becomes ``""``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"

# Below this many bytes an HMAC key is too weak to stop an offline guess of a Telegram id.
MIN_SECRET_BYTES = 32


@dataclass(frozen=True)
class Settings:
    """Everything a process of this project needs to know, fixed for its lifetime."""

    var_dir: Path
    data_dir: Path
    rasa_url: str
    database_url: str
    pseudonym_key_file: Path
    # Rasa's tracker store: its own key, backend URL (SQLite, PostgreSQL or Redis) and idle expiry.
    tracker_key_file: Path
    tracker_url: str
    tracker_expiry_minutes: int
    # Retention of `python -m bot purge`: unclaimed drafts, then closed or withdrawn cases.
    purge_draft_days: int
    purge_closed_days: int

    def pseudonym_key(self) -> bytes:
        """The key that turns a Telegram or terminal id into a pseudonym; required, never empty."""
        return read_secret_file(self.pseudonym_key_file, "LANTERN_PSEUDONYM_KEY_FILE")

    def tracker_key(self) -> bytes:
        """The secret that seals Rasa's trackers at rest; held by the Rasa process (and the CLI)."""
        return read_secret_file(self.tracker_key_file, "LANTERN_TRACKER_KEY_FILE")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings once; pass the result in, never read the environment again."""
    env = os.environ if environ is None else environ
    var_dir = Path(env.get("LANTERN_VAR_DIR", str(PROJECT_ROOT / "var")))
    return Settings(
        var_dir=var_dir,
        data_dir=Path(env.get("LANTERN_DATA_DIR", str(DATA_DIR))),
        rasa_url=env.get("LANTERN_RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        database_url=env.get("LANTERN_DATABASE_URL", f"sqlite:///{var_dir / 'lantern.db'}"),
        pseudonym_key_file=Path(
            env.get("LANTERN_PSEUDONYM_KEY_FILE", str(var_dir / "keys" / "pseudonym.key"))
        ),
        tracker_key_file=Path(
            env.get("LANTERN_TRACKER_KEY_FILE", str(var_dir / "keys" / "tracker.key"))
        ),
        tracker_url=env.get("LANTERN_TRACKER_URL", f"sqlite:///{var_dir / 'tracker.db'}"),
        tracker_expiry_minutes=_positive_int(env, "LANTERN_TRACKER_EXPIRY_MINUTES", 30),
        purge_draft_days=_positive_int(env, "LANTERN_PURGE_DRAFT_DAYS", 7),
        purge_closed_days=_positive_int(env, "LANTERN_PURGE_CLOSED_DAYS", 90),
    )


def _positive_int(env: Mapping[str, str], variable: str, default: int) -> int:
    raw = env.get(variable)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigurationError(f"{variable} must be a whole number of at least 1")
    return value


def read_secret_file(path: Path, variable: str) -> bytes:
    """Read a secret, failing loudly when it is missing or too short to be a real key."""
    try:
        secret = path.read_bytes().strip()
    except OSError as error:
        raise ConfigurationError(
            f"secret file {path} could not be read ({error.strerror}); set {variable} "
            "or run `make keys` for a local run"
        ) from error
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"secret file {path} holds under {MIN_SECRET_BYTES} bytes")
    return secret
