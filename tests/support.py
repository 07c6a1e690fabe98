"""What several test areas share: free loopback ports and Debian's Chromium, launched by path."""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path
from typing import Any

import yaml

from bot.console.demo import seed_demo_organisation
from bot.core.config import Settings
from bot.core.db.local_setup import create_local_setup
from bot.core.private_files import write_private_file

ROOT = Path(__file__).resolve().parents[1]
# A test run must leave the tree clean, so screenshots go to the ignored var/ unless the README's
# pictures are being updated on purpose (`make screenshots`).
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("LANTERN_UPDATE_SCREENSHOTS") == "1"
    else ROOT / "var" / "screenshots"
)
DOMAIN_DIR = ROOT / "domain"
# The PostgreSQL the `postgres`-marked tests use, each in a schema of its own.
POSTGRES_URL = os.environ.get(
    "LANTERN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# The audit chain's key for the migrated test databases (tests/conftest.py); not a secret.
TEST_AUDIT_KEY = b"lantern test audit key, not a secret, 32+ bytes"
# Debian's package, launched by path: a browser download cannot work on these machines.
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def load_domain(domain_dir: Path = DOMAIN_DIR) -> dict[str, Any]:
    """The Rasa domain as the action server receives it: every file of ``domain/`` merged."""
    merged: dict[str, Any] = {}
    for path in sorted(domain_dir.rglob("*.yml")):
        for key, value in (yaml.safe_load(path.read_text()) or {}).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    return merged


def set_up_local_run(settings: Settings) -> None:
    """What `make keys` does: the keys, the schema and the demo charity with its two staff."""
    create_local_setup(settings)
    seed_demo_organisation(settings)


def with_audit_key(settings: Settings) -> Settings:
    """Settings whose audit key file exists, as ``make keys`` leaves it (tests that skip it)."""
    if not settings.audit_key_file.exists():
        write_private_file(settings.audit_key_file, secrets.token_hex(32))
    return settings
