"""The directory's vocabulary and types: services, contact routes, opening hours, needs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import DataFileError, LanternError
from bot.core.locale import Catalogue
from bot.core.report_fields import NATIONS
from bot.core.uk_time import london_time

NEED_TAGS = frozenset(
    {
        "physical", "sexual", "emotional", "economic", "stalking", "tech", "honour",
        "forced_marriage", "fgm", "talk", "safety_plan", "safe_place", "legal", "children",
        "counselling", "male_victims", "lgbt", "perpetrator", "suicidal", "no_benefits",
    }
)  # fmt: skip
# How each kind of contact route is named on a service card.
KIND_LABELS = {
    "phone": "Phone",
    "text": "Text",
    "chat": "Chat",
    "email": "Email",
    "web": "Website",
    "bsl": "BSL",
    "app": "App",
}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# When a person names no kind of abuse we still know they came to a domestic-abuse assistant, so
# the general domestic-abuse services are the ones that fit.
GENERAL_TAGS = frozenset({"physical", "emotional"})


class UnknownNeedError(LanternError, ValueError):
    """A SupportNeed names a tag or nation outside the directory's vocabulary (a caller's bug)."""


class DirectoryEntryError(DataFileError):
    """One directory entry (in the file, or a supervisor's edit) lacks a field (a source, a
    verified date...) or holds a malformed one. ``entry_id``, ``field`` and ``problem`` say
    which and why, so the fix is one look away; ``origin`` is the file or "console"."""

    def __init__(self, origin: Path | str, entry_id: str, field: str, problem: str) -> None:
        super().__init__(f"{origin}: entry {entry_id!r}, field {field!r} {problem}")
        self.entry_id = entry_id
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class OpeningHours:
    """When a service answers, in Europe/London local time."""

    always: bool = False
    # Index 0 is Monday, as datetime.weekday(); slots are (start, end) minutes since midnight.
    weekly: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7

    def is_open(self, at: datetime.datetime) -> bool:
        local = london_time(at)
        minute = local.hour * 60 + local.minute
        return self.always or any(s <= minute < e for s, e in self.weekly[local.weekday()])

    def hours_per_week(self) -> float:
        if self.always:
            return 7 * 24.0
        return sum(end - start for day in self.weekly for start, end in day) / 60

    def describe(self, texts: Catalogue) -> str:
        """E.g. ``Mon, Wed 09:00–20:00; Tue, Thu, Fri 09:00–17:00``: equal days merged."""
        if self.always:
            return texts.card("always_open")
        groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
        for index, slots in enumerate(self.weekly):
            if slots:
                groups.setdefault(slots, []).append(index)
        parts = []
        for slots, days in groups.items():
            times = ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in slots)
            parts.append(f"{_day_span(days, texts)} {times}")
        return "; ".join(parts) or texts.card("no_regular_hours")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_span(days: list[int], texts: Catalogue) -> str:
    names = [texts.card(DAYS[day]) for day in days]
    if len(days) >= 3 and days[-1] - days[0] == len(days) - 1:
        return f"{names[0]}–{names[-1]}"
    return ", ".join(names)


@dataclass(frozen=True)
class ContactRoute:
    kind: str
    value: str
    free: bool | None
    note: str | None = None  # e.g. "out of hours"


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    helps_with: frozenset[str]
    who: str
    nations: frozenset[str]  # empty: the source does not say which nations it covers
    regions: frozenset[str]
    languages: frozenset[str]
    interpreting: bool
    contact: tuple[ContactRoute, ...]
    hours: OpeningHours | None
    immigration_advice: bool | None
    shares_with_police: bool
    source: str
    verified: datetime.date
    caution: str | None
    women_only: bool = False
    # Serves one community (by culture, faith or origin). The person is never asked which they
    # belong to, so such a service comes forward only through a language it speaks.
    one_community: bool = False

    def is_open(self, at: datetime.datetime) -> bool | None:
        """Whether they answer at ``at`` (timezone-aware); None when their hours are unknown."""
        return None if self.hours is None else self.hours.is_open(at)


@dataclass(frozen=True)
class EmergencyRoute:
    id: str
    name: str
    how: str
    source: str
    verified: datetime.date
    caution: str | None


@dataclass(frozen=True)
class SupportNeed:
    """What the person asked for, in the directory's vocabulary. Never holds immigration status."""

    kinds: frozenset[str] = frozenset()  # kinds of abuse, e.g. physical, forced_marriage
    help_types: frozenset[str] = frozenset()  # kinds of help, e.g. talk, safe_place, legal
    nation: str | None = None
    region: str | None = None
    language: str | None = None  # ISO 639-1
    male_victim: bool = False

    def __post_init__(self) -> None:
        # The message names no values: a caller's bug must not put user text into a log.
        if not (self.kinds | self.help_types) <= NEED_TAGS:
            raise UnknownNeedError("a need tag is outside the directory vocabulary")
        if self.nation is not None and self.nation not in NATIONS:
            raise UnknownNeedError("the nation is not one of the four UK nations")

    def tags(self) -> frozenset[str]:
        wanted = self.kinds | self.help_types
        if not self.kinds:
            wanted |= GENERAL_TAGS
        return wanted | {"male_victims"} if self.male_victim else wanted
