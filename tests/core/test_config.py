"""Settings read from the environment: the optional staff group, checked at start-up."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from bot.core.config import load_console_settings, load_settings
from bot.core.errors import ConfigurationError


@pytest.mark.parametrize("environ", [{}, {"LANTERN_STAFF_CHAT_ID": ""}])
def test_no_staff_group_means_no_pings(environ: dict[str, str]) -> None:
    assert load_settings(environ).staff_chat_id is None


@pytest.mark.parametrize(
    ("raw", "chat_id"),
    [("-4012345678", -4012345678), ("-1001234567890", -1001234567890), (" -42 ", -42)],
)
def test_a_group_or_supergroup_id_is_read(raw: str, chat_id: int) -> None:
    assert load_settings({"LANTERN_STAFF_CHAT_ID": raw}).staff_chat_id == chat_id


@pytest.mark.parametrize(
    "raw", ["1234567", "0", "-0", "@lantern_staff", "-12ab", "-1_000", "- 5", "-01", "-" + "9" * 17]
)
def test_a_malformed_staff_group_id_stops_start_up_with_a_clear_message(raw: str) -> None:
    """Given a user id, a username, a typo or a zero, When settings load, Then start-up fails
    naming the variable and what it must be, instead of failing at the first ping."""
    with pytest.raises(ConfigurationError, match="LANTERN_STAFF_CHAT_ID must be a Telegram group"):
        load_settings({"LANTERN_STAFF_CHAT_ID": raw})


def test_the_consoles_settings_name_no_secret_of_the_bot_side(tmp_path: Path) -> None:
    """Given a deployment whose variables name every key file, When the console reads its
    settings, Then they hold no path to, and no way to read, the front-end, pseudonym or tracker
    secret: only the front end's public key file and the pins."""
    keys = tmp_path / "keys"
    secrets = {
        "LANTERN_FRONT_END_KEY_FILE": keys / "front_end.key",
        "LANTERN_PSEUDONYM_KEY_FILE": keys / "pseudonym.key",
        "LANTERN_TRACKER_KEY_FILE": keys / "tracker.key",
    }
    env = {"LANTERN_VAR_DIR": str(tmp_path), **{name: str(path) for name, path in secrets.items()}}
    console = load_console_settings(env)
    held = {getattr(console, item.name) for item in fields(console)}
    assert not held & set(secrets.values())
    assert not [name for name in dir(console) if "front_end_key" in name or "pseudonym" in name]
    assert not hasattr(console, "tracker_key")
    bot_side = load_settings(env)
    assert bot_side.for_console() == console  # the same deployment, less its secrets


def test_a_missing_public_key_file_names_its_variable(tmp_path: Path) -> None:
    console = load_console_settings({"LANTERN_VAR_DIR": str(tmp_path)})
    with pytest.raises(ConfigurationError, match="LANTERN_FRONT_END_PUBLIC_KEY_FILE"):
        console.front_end_public_key_hex()
