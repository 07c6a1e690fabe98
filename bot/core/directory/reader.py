"""Reading ``data/services/directory.yml``: every entry checked, none unsourced.

:func:`parse_service` is the one validator for a service entry: the file loader and the
supervisors' console edits (``bot.core.db.directory_edits``) both go through it, so an entry the
file would refuse can never arrive through the database either.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.directory.model import (
    DAYS,
    KIND_LABELS,
    NEED_TAGS,
    ContactRoute,
    DirectoryEntryError,
    EmergencyRoute,
    OpeningHours,
    Service,
)
from bot.core.errors import DataFileError
from bot.core.report_fields import ENGLISH_REGIONS, NATIONS

_ID = re.compile(r"[a-z0-9_]+")
_HTTPS_URL = re.compile(r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?")
_DIALLED = re.compile(r"\d+( \d+)*")  # digits in space-separated groups, as read aloud
# UK numbers as dialled inside the UK: geographic (01, 02), mobile (07), non-geographic (03),
# freephone (0800/0808, 9 or 10 digits after the 0, or the short 0800 1111 Childline has held
# since 1986) or a harmonised 116 short code. A typo here sends someone in danger to a dead line,
# so a number that cannot be a UK one is refused.
_UK_NUMBER = re.compile(r"0(?:[1237]\d{9}|1\d{8}|80[08]\d{6,7}|800\d{4})|116\d{3}")
_SMS_SHORT_CODE = re.compile(r"\d{5}")  # text lines may be five-digit short codes
_LANGUAGE = re.compile(r"[a-z]{2}")
_SLOT = re.compile(r"(\d\d):([0-5]\d)-(\d\d):([0-5]\d)")
_SERVICE_KEYS = {"id", "name", "helps_with", "who", "women_only", "one_community", "nations",
                 "regions", "languages", "interpreting", "contact", "hours", "immigration_advice",
                 "shares_with_police", "source", "verified", "caution"}  # fmt: skip
_ROUTE_KEYS = {"id", "name", "how", "source", "verified", "caution"}


@dataclass(frozen=True)
class _Entry:
    """One YAML mapping, read field by field."""

    origin: str  # the file's path, or "console" for a supervisor's edit
    id: str
    raw: Mapping[str, Any]
    today: datetime.date  # a verified date after this is refused
    prefix: str = ""  # e.g. "contact[1]." for a contact route inside a service

    def fail(self, field: str, problem: str) -> DirectoryEntryError:
        return DirectoryEntryError(self.origin, self.id, self.prefix + field, problem)

    def inner(self, raw: object, prefix: str) -> _Entry:
        inner = raw if isinstance(raw, dict) else {}
        return _Entry(self.origin, self.id, inner, self.today, self.prefix + prefix)

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
        if value > self.today:
            raise self.fail("verified", "is in the future: give the day the source was checked")
        return value


def _entry(origin: str, label: str, item: object, today: datetime.date) -> _Entry:
    """``item`` as an entry, once its id is known to be snake_case; ``label`` names it if not."""
    entry_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(item, dict) or not isinstance(entry_id, str) or not _ID.fullmatch(entry_id):
        raise DirectoryEntryError(
            origin, label, "id", "must be snake_case: lowercase letters, digits and _"
        )
    return _Entry(origin, entry_id, item, today)


def _entries(
    path: Path, document: dict[str, Any], section: str, today: datetime.date
) -> list[_Entry]:
    raw = document.get(section)
    if not isinstance(raw, list):
        raise DataFileError(f"directory {path}: {section} must be a list")
    return [_entry(str(path), f"{section}[{i}]", item, today) for i, item in enumerate(raw)]


def _contact(entry: _Entry) -> tuple[ContactRoute, ...]:
    raw = entry.raw.get("contact")
    if not isinstance(raw, list) or not raw:
        raise entry.fail("contact", "must list at least one way to get in touch")
    routes = []
    for index, item in enumerate(raw):
        route = entry.inner(item, f"contact[{index}].")
        route.only({"kind", "value", "free", "note"})
        kind, value = route.text("kind"), route.text("value")
        if kind not in KIND_LABELS:
            raise route.fail("kind", f"must be one of {', '.join(KIND_LABELS)}")
        if kind in {"phone", "text"}:
            _check_number(route, kind, value)
        routes.append(
            ContactRoute(kind, value, route.flag("free", None), route.optional_text("note"))
        )
    return tuple(routes)


def _check_number(route: _Entry, kind: str, value: str) -> None:
    if not _DIALLED.fullmatch(value):
        raise route.fail("value", "must be digits in space-separated groups")
    digits = value.replace(" ", "")
    if not (_UK_NUMBER.fullmatch(digits) or (kind == "text" and _SMS_SHORT_CODE.fullmatch(digits))):
        raise route.fail(
            "value",
            "is not a UK number: it must start 01, 02, 03, 07, 0800, 0808 or 116 and have "
            "the right number of digits",
        )


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
        regions=(
            entry.words("regions", ENGLISH_REGIONS.__contains__)
            if "regions" in entry.raw
            else frozenset()
        ),
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
        one_community=bool(entry.flag("one_community")),
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


def parse_service(raw: object, origin: str, today: datetime.date) -> Service:
    """One service entry in the file's shape, checked field by field; raises
    ``DirectoryEntryError`` naming the field. ``today``: the latest acceptable verified date."""
    return _service(_entry(origin, "service", raw, today))


def check_unique_ids(origin: Path | str, ids: list[str]) -> None:
    """Ids are unique across services and emergency routes (the console refers to both)."""
    for entry_id in ids:
        if ids.count(entry_id) > 1:
            raise DirectoryEntryError(origin, entry_id, "id", "is used by another entry")


def read_directory_file(
    path: Path, today: datetime.date
) -> tuple[tuple[Service, ...], tuple[EmergencyRoute, ...]]:
    """Every service and emergency route in the file, checked; ids unique across both."""
    document = _read_document(path)
    services = tuple(map(_service, _entries(path, document, "services", today)))
    routes = tuple(map(_route, _entries(path, document, "emergency_routes", today)))
    check_unique_ids(path, [item.id for item in services] + [item.id for item in routes])
    return services, routes
