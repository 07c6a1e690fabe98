"""The fixed-choice fields of a report: the only report facts ever kept outside a sealed blob.

Storage, statistics and the console may show these; each is a closed vocabulary with no place
for free text, so none can carry immigration status. The urgency level is derived from the
red-flag answers and is a level, never a score.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

NOT_GIVEN = "not_given"
YES, NO = "yes", "no"

ABUSE_KINDS = frozenset(
    {
        "physical",
        "sexual",
        "emotional",
        "economic",
        "stalking",
        "tech",
        "honour",
        "forced_marriage",
        "fgm",
        # Taking or hiding someone's documents is abuse; the value never says which document.
        "documents",
    }
)
LAST_HAPPENED = frozenset({"today", "this_week", "this_month", "months_ago", "years_ago"})
NATIONS = frozenset({"england", "scotland", "wales", "northern_ireland"})
ENGLISH_REGIONS = frozenset(
    {
        "north_east",
        "north_west",
        "yorkshire",
        "east_midlands",
        "west_midlands",
        "east_of_england",
        "london",
        "south_east",
        "south_west",
    }
)
HELP_TYPES = frozenset(
    {"talk", "safety_plan", "safe_place", "legal", "children", "counselling", "caseworker"}
)
CONTACT_TIMES = frozenset({"morning", "afternoon", "evening", "any_time"})


class Urgency(str, Enum):
    """The urgency level a report is kept and queued under; the values are the database's."""

    STANDARD = "standard"
    HIGH = "high"
    VERY_HIGH = "very_high"


URGENCY_LEVELS = tuple(level.value for level in Urgency)

# The red-flag questions, asked only when the person agrees. Each alone is a known marker of
# serious harm; the first three are the strongest markers of risk of homicide.
RED_FLAGS = (
    "flag_strangulation",
    "flag_threats_to_kill",
    "flag_weapons",
    "flag_pregnancy",
    "flag_separation",
    "flag_escalation",
)
GRAVEST_FLAGS = frozenset({"flag_strangulation", "flag_threats_to_kill", "flag_weapons"})
# Three or more red flags together raise the level as much as one of the gravest.
MANY_FLAGS = 3
RECENT = frozenset({"today", "this_week"})


def urgency_level(answers: Mapping[str, object]) -> str:
    """standard, high or very_high from the red-flag answers, recency and whether it goes on."""
    raised = {flag for flag in RED_FLAGS if answers.get(flag) == YES}
    if raised & GRAVEST_FLAGS or len(raised) >= MANY_FLAGS:
        return Urgency.VERY_HIGH.value
    if raised or (answers.get("last_happened") in RECENT and answers.get("ongoing") == YES):
        return Urgency.HIGH.value
    return Urgency.STANDARD.value
