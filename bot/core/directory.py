"""The advice-services directory: load it, rank it for a need, show one service as a short card.

Facts live in ``data/services/directory.yml``. Every entry carries a source URL and the date it
was verified, and the loader refuses an entry without them, so nothing unsourced reaches a victim.
Ranking is a plain weighted score (``_score``) rather than anything learned, so a caseworker can
say why a service was offered.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.core import config
from bot.core.errors import DataFileError, LanternError

NEED_TAGS = frozenset(
    {
        "physical", "sexual", "emotional", "economic", "stalking", "tech", "honour",
        "forced_marriage", "fgm", "talk", "safety_plan", "safe_place", "legal", "children",
        "counselling", "male_victims", "lgbt", "perpetrator", "suicidal",
    }
)  # fmt: skip
NATIONS = frozenset({"england", "scotland", "wales", "northern_ireland"})
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SHARES_WITH_POLICE = "They may share information with police or social services."

# When a person names no kind of abuse we still know they came to a domestic-abuse assistant, so
# the general domestic-abuse services are the ones that fit.
GENERAL_TAGS = frozenset({"physical", "emotional"})
# Needs few services cover: a service that has the expertise beats a generalist that is nearer.
SPECIALIST_TAGS = frozenset(
    {"sexual", "honour", "forced_marriage", "fgm", "legal", "children", "male_victims", "lgbt",
     "perpetrator", "suicidal"}
)  # fmt: skip
# Services for a group the person has not said they belong to rank below general ones.
AUDIENCE_TAGS = frozenset({"male_victims", "lgbt"})

# Score weights, in the order they matter (see _score).
SPECIALIST_MATCH = 6
GENERAL_MATCH = 2
NATION_DEDICATED = 4  # a service for their own nation knows its law, refuges and police
NATION_COVERED = 2  # UK-wide: certainly serves them, but less local knowledge
REGION_MATCH = 2
REGION_UNKNOWN = -2  # a regional service when we do not know where the person is
LANGUAGE_SPOKEN = 3
INTERPRETING = 1
OPEN_NOW = 3
HOURS_UNKNOWN = 1  # may answer: better than known-closed, worse than known-open
AUDIENCE_MISMATCH = -3


class UnknownNeedError(LanternError, ValueError):
    """A SupportNeed names a tag or nation outside the directory's vocabulary (a caller's bug)."""


class NaiveDatetimeError(LanternError, ValueError):
    """Opening hours were asked about with a timestamp that has no time zone."""


class DirectoryEntryError(DataFileError):
    """One entry of the directory file lacks a field (a source, a verified date...) or holds a
    malformed one. ``entry_id`` and ``field`` say which, so the fix is one look away."""

    def __init__(self, path: Path, entry_id: str, field: str, problem: str) -> None:
        super().__init__(f"{path}: entry {entry_id!r}, field {field!r} {problem}")
        self.entry_id = entry_id
        self.field = field


def london_time(at: datetime.datetime) -> datetime.datetime:
    """``at`` as UK wall-clock time; a naive timestamp is refused rather than guessed at."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveDatetimeError("opening hours need a timezone-aware datetime")
    return at.astimezone(ZoneInfo("Europe/London"))


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

    def describe(self) -> str:
        """E.g. ``Mon, Wed 09:00–20:00; Tue, Thu, Fri 09:00–17:00``: equal days merged."""
        if self.always:
            return "24 hours a day, every day"
        groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
        for index, slots in enumerate(self.weekly):
            if slots:
                groups.setdefault(slots, []).append(index)
        parts = []
        for slots, days in groups.items():
            times = ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in slots)
            parts.append(f"{_day_span(days)} {times}")
        return "; ".join(parts) or "no regular hours"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_span(days: list[int]) -> str:
    names = [DAYS[day].title() for day in days]
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


def _eligible(service: Service, need: SupportNeed) -> bool:
    """Hard filters: offering these would waste a call the person may only get to make once."""
    wanted = need.tags()
    if not service.helps_with & wanted:
        return False
    # A perpetrator programme offered to a victim tells them their abuse is their fault.
    if "perpetrator" in service.helps_with and "perpetrator" not in wanted:
        return False
    if need.male_victim and service.women_only:
        return False
    # A service whose source does not say where it works (empty nations) is kept, not guessed.
    if need.nation and service.nations and need.nation not in service.nations:
        return False
    return not (need.region and service.regions and need.region not in service.regions)


def _score(service: Service, need: SupportNeed, at: datetime.datetime) -> int:
    wanted = need.tags()
    matched = service.helps_with & wanted
    score = sum(SPECIALIST_MATCH if tag in SPECIALIST_TAGS else GENERAL_MATCH for tag in matched)
    score += AUDIENCE_MISMATCH * len((service.helps_with & AUDIENCE_TAGS) - wanted)
    if service.nations == NATIONS:
        score += NATION_COVERED
    elif need.nation in service.nations:
        score += NATION_DEDICATED
    if service.regions:
        score += REGION_MATCH if need.region in service.regions else REGION_UNKNOWN
    if need.language in service.languages:
        score += LANGUAGE_SPOKEN
    elif need.language and service.interpreting:
        score += INTERPRETING
    is_open = service.is_open(at)
    return score + (OPEN_NOW if is_open else HOURS_UNKNOWN if is_open is None else 0)


def _sort_key(service: Service, need: SupportNeed, at: datetime.datetime) -> tuple[Any, ...]:
    """Highest score first; on a tie, the service open more hours a week (more chances to get
    through on a later try), then by name so the order never depends on the file's order."""
    weekly = 0.0 if service.hours is None else service.hours.hours_per_week()
    return (-_score(service, need, at), -weekly, service.name)


# --- Loading: every check names the entry and field, so a bad edit is caught before release. ---

_ID = re.compile(r"[a-z0-9_]+")
_HTTPS_URL = re.compile(r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?")
# Digits in space-separated groups; tests/data checks the UK numbering formats themselves.
_DIALLED = re.compile(r"\d+( \d+)*")
_LANGUAGE = re.compile(r"[a-z]{2}")
_SLOT = re.compile(r"(\d\d):([0-5]\d)-(\d\d):([0-5]\d)")
_KIND_LABELS = {"phone": "Phone", "text": "Text", "chat": "Chat", "email": "Email",
                "web": "Website", "bsl": "BSL", "app": "App"}  # fmt: skip
_SERVICE_KEYS = {"id", "name", "helps_with", "who", "women_only", "nations", "regions",
                 "languages", "interpreting", "contact", "hours", "immigration_advice",
                 "shares_with_police", "source", "verified", "caution"}  # fmt: skip
_ROUTE_KEYS = {"id", "name", "how", "source", "verified", "caution"}


@dataclass(frozen=True)
class _Entry:
    """One YAML mapping, read field by field."""

    path: Path
    id: str
    raw: dict[str, Any]
    prefix: str = ""  # e.g. "contact[1]." for a contact route inside a service

    def fail(self, field: str, problem: str) -> DirectoryEntryError:
        return DirectoryEntryError(self.path, self.id, self.prefix + field, problem)

    def only(self, allowed: set[str]) -> None:
        # A misspelt key (`sorce:`) would otherwise silently drop a fact.
        unknown = sorted(map(str, set(self.raw) - allowed))
        if unknown:
            raise self.fail(unknown[0], "is not a known field")

    def text(self, field: str) -> str:
        value = self.raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, "is missing or not text")
        return value.strip()

    def optional_text(self, field: str) -> str | None:
        return None if self.raw.get(field) is None else self.text(field)

    def flag(self, field: str, absent: bool | None = False) -> bool | None:
        value = self.raw.get(field, absent)
        if value is not absent and not isinstance(value, bool):
            raise self.fail(field, "must be true or false")
        return value

    def required(self, field: str) -> Any:
        """A field that must be present, though null (the source is silent) is allowed."""
        if field not in self.raw:
            raise self.fail(field, "is missing (write null when the source does not say)")
        return self.raw[field]

    def words(self, field: str, valid: Callable[[str], object]) -> frozenset[str]:
        value = self.raw.get(field)
        if not isinstance(value, list) or not value:
            raise self.fail(field, "must be a non-empty list")
        if not all(isinstance(word, str) and valid(word) for word in value):
            raise self.fail(field, "holds a value outside its vocabulary")
        return frozenset(value)

    def source(self) -> str:
        if self.raw.get("source") is None:
            raise self.fail("source", "is missing: every fact needs the URL it came from")
        if not _HTTPS_URL.fullmatch(url := self.text("source")):
            raise self.fail("source", "must be an https:// URL")
        return url

    def verified(self) -> datetime.date:
        value = self.raw.get("verified")
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            raise self.fail("verified", "is missing or not an ISO date (YYYY-MM-DD)")
        return value


def _entries(path: Path, document: dict[str, Any], section: str) -> list[_Entry]:
    raw = document.get(section)
    if not isinstance(raw, list):
        raise DataFileError(f"directory {path}: {section} must be a list")
    entries = []
    for index, item in enumerate(raw):
        entry_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(entry_id, str) or not _ID.fullmatch(entry_id):
            raise DirectoryEntryError(path, f"{section}[{index}]", "id", "must be snake_case")
        entries.append(_Entry(path, entry_id, item))
    return entries


def _contact(entry: _Entry) -> tuple[ContactRoute, ...]:
    raw = entry.raw.get("contact")
    if not isinstance(raw, list) or not raw:
        raise entry.fail("contact", "must list at least one way to get in touch")
    routes = []
    for index, item in enumerate(raw):
        route = _Entry(entry.path, entry.id, item if isinstance(item, dict) else {},
                       f"contact[{index}].")  # fmt: skip
        route.only({"kind", "value", "free", "note"})
        kind, value = route.text("kind"), route.text("value")
        if kind not in _KIND_LABELS:
            raise route.fail("kind", f"must be one of {', '.join(_KIND_LABELS)}")
        if kind in {"phone", "text"} and not _DIALLED.fullmatch(value):
            raise route.fail("value", "must be digits in space-separated groups")
        routes.append(
            ContactRoute(kind, value, route.flag("free", None), route.optional_text("note"))
        )
    return tuple(routes)


def _slot(entry: _Entry, day: str, text: object) -> tuple[int, int]:
    match = _SLOT.fullmatch(text) if isinstance(text, str) else None
    start_h, start_m, end_h, end_m = map(int, match.groups()) if match else (0, 0, 0, 0)
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if not start < end <= 24 * 60:
        raise entry.fail(f"hours.{day}", "slots must look like 09:00-17:00, within one day")
    return start, end


def _hours(entry: _Entry) -> OpeningHours | None:
    raw = entry.required("hours")
    if raw is None:
        return None
    if raw == {"always": True}:
        return OpeningHours(always=True)
    if not isinstance(raw, dict) or not raw or not set(raw) <= set(DAYS):
        raise entry.fail("hours", "must be null, {always: true} or days mon..sun with slots")
    if not all(isinstance(slots, list) for slots in raw.values()):
        raise entry.fail("hours", "each day must hold a list of slots")
    weekly = tuple(tuple(sorted(_slot(entry, d, s) for s in raw.get(d, []))) for d in DAYS)
    return OpeningHours(weekly=weekly)


def _service(entry: _Entry) -> Service:
    entry.only(_SERVICE_KEYS)
    nations = entry.required("nations")  # null: the source does not say where they work
    immigration_advice = entry.required("immigration_advice")
    if immigration_advice is not None and not isinstance(immigration_advice, bool):
        raise entry.fail("immigration_advice", "must be true, false or null")
    return Service(
        id=entry.id,
        name=entry.text("name"),
        helps_with=entry.words("helps_with", NEED_TAGS.__contains__),
        who=entry.text("who"),
        nations=frozenset() if nations is None else entry.words("nations", NATIONS.__contains__),
        regions=entry.words("regions", str.strip) if "regions" in entry.raw else frozenset(),
        languages=entry.words("languages", _LANGUAGE.fullmatch),
        interpreting=bool(entry.flag("interpreting")),
        contact=_contact(entry),
        hours=_hours(entry),
        immigration_advice=immigration_advice,
        shares_with_police=bool(entry.flag("shares_with_police")),
        source=entry.source(),
        verified=entry.verified(),
        caution=entry.optional_text("caution"),
        women_only=bool(entry.flag("women_only")),
    )


def _route(entry: _Entry) -> EmergencyRoute:
    entry.only(_ROUTE_KEYS)
    return EmergencyRoute(
        id=entry.id,
        name=entry.text("name"),
        how=entry.text("how"),
        source=entry.source(),
        verified=entry.verified(),
        caution=entry.optional_text("caution"),
    )


def _read_document(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DataFileError(f"directory {path} could not be read ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise DataFileError(f"directory {path} is not valid YAML") from error
    if not isinstance(document, dict) or set(document) != {"services", "emergency_routes"}:
        raise DataFileError(f"directory {path} must hold exactly services and emergency_routes")
    return document


@dataclass(frozen=True)
class Directory:
    services: tuple[Service, ...]
    emergency_routes: tuple[EmergencyRoute, ...]

    @classmethod
    def from_file(cls, path: Path) -> Directory:
        """Load and check the file; raises ``DirectoryEntryError`` (a ``DataFileError``) naming
        the entry and field of any missing source or verified date, or malformed entry."""
        document = _read_document(path)
        services = tuple(map(_service, _entries(path, document, "services")))
        routes = tuple(map(_route, _entries(path, document, "emergency_routes")))
        ids = [item.id for item in services] + [item.id for item in routes]
        for entry_id in ids:
            if ids.count(entry_id) > 1:
                raise DirectoryEntryError(path, entry_id, "id", "is used by another entry")
        return cls(services=services, emergency_routes=routes)

    def rank(self, need: SupportNeed, at: datetime.datetime, limit: int = 3) -> list[Service]:
        """The ``limit`` services that fit ``need`` best at ``at`` (timezone-aware)."""
        fits = [s for s in self.services if _eligible(s, need)]
        return sorted(fits, key=lambda s: _sort_key(s, need, at))[:limit]

    def immigration_aware(
        self, at: datetime.datetime, limit: int = 3, need: SupportNeed | None = None
    ) -> list[Service]:
        """Like ``rank``, but services that give immigration advice come first.

        Call it only when the person asks for that help, and record nowhere that it was called:
        the choice itself is a proxy for immigration status.
        """
        chosen = need or SupportNeed()

        def advice_first(service: Service) -> tuple[Any, ...]:
            return (service.immigration_advice is not True, *_sort_key(service, chosen, at))

        fits = [s for s in self.services if _eligible(s, chosen)]
        return sorted(fits, key=advice_first)[:limit]

    def stale(self, today: datetime.date, max_age_days: int = 183) -> list[Service]:
        """Services whose facts were verified more than ``max_age_days`` ago, oldest first."""
        old = [s for s in self.services if (today - s.verified).days > max_age_days]
        return sorted(old, key=lambda s: (s.verified, s.name))


@functools.cache
def default_directory() -> Directory:
    """The shipped directory, read on first use (never at import)."""
    return Directory.from_file(config.DATA_DIR / "services" / "directory.yml")


def _contact_line(route: ContactRoute) -> str:
    label = f"{_KIND_LABELS[route.kind]} ({route.note})" if route.note else _KIND_LABELS[route.kind]
    return f"{label}: {route.value}{' (free)' if route.free else ''}"


def _hours_line(service: Service, at: datetime.datetime) -> str:
    if service.hours is None:
        return "Opening hours not known: they may not answer at every hour."
    state = "Open now" if service.hours.is_open(at) else "Closed now"
    return f"{state}. Hours (UK time): {service.hours.describe()}."


def format_service(service: Service, at: datetime.datetime) -> str:
    """A short plain-text card for one service, as a victim would read it."""
    lines = [service.name, f"For: {service.who}"]
    lines += [_contact_line(route) for route in service.contact]
    lines.append(_hours_line(service, at))
    if service.interpreting:
        lines.append("Interpreters available.")
    if service.caution:
        lines.append(f"Please note: {service.caution}")
    if service.shares_with_police:
        lines.append(SHARES_WITH_POLICE)
    return "\n".join(lines)
