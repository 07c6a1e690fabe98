"""The urgency level: a level from red flags, never a score."""

from __future__ import annotations

import pytest

from bot.core.report_fields import urgency_level


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({}, "standard"),
        ({"flag_pregnancy": "not_given", "flag_weapons": "no"}, "standard"),
        ({"flag_strangulation": "yes"}, "very_high"),
        ({"flag_threats_to_kill": "yes"}, "very_high"),
        (
            {"flag_pregnancy": "yes", "flag_separation": "yes", "flag_escalation": "yes"},
            "very_high",
        ),
        ({"flag_separation": "yes"}, "high"),
        ({"last_happened": "today", "ongoing": "yes"}, "high"),
        ({"last_happened": "years_ago", "ongoing": "yes"}, "standard"),
    ],
)
def test_urgency_level(answers: dict[str, str], level: str) -> None:
    assert urgency_level(answers) == level
