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

    def pseudonym_key(self) -> bytes:
        """The key that turns a Telegram or terminal id into a pseudonym; required, never empty."""
        return read_secret_file(self.pseudonym_key_file, "LANTERN_PSEUDONYM_KEY_FILE")


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
    )


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
