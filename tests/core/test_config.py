"""Settings read from the environment: the optional staff group, checked at start-up."""

from __future__ import annotations

import pytest

from bot.core.config import load_settings
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
