"""The advice-services directory: load it, rank it for a need, show one service as a short card.

Facts live in ``data/services/directory.yml``, and supervisors' console edits
(``bot.core.db.directory_edits``) replace or add services on top of it. Every entry carries a source
URL and the date it was verified, and the one validator refuses an entry without them, so nothing
unsourced reaches a victim.
Ranking is a plain weighted score (``_score``) rather than anything learned, so a caseworker can
say why a service was offered.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.core import config
from bot.core.directory.model import (
    ContactRoute,
    EmergencyRoute,
    Service,
    SupportNeed,
)
from bot.core.directory.reader import check_unique_ids, read_directory_file
from bot.core.languages import BY_CODE, LANGUAGES
from bot.core.locale import Catalogue
from bot.core.report_fields import NATIONS
from bot.core.uk_time import uk_today

# Needs few services cover: a service that has the expertise beats a generalist that is nearer.
SPECIALIST_TAGS = frozenset(
    {"sexual", "honour", "forced_marriage", "fgm", "legal", "children", "male_victims", "lgbt",
     "perpetrator", "suicidal", "safe_place", "economic", "no_benefits"}
)  # fmt: skip
# Services for a group (men, LGBT+ people, children) or one community (``one_community``): for
# someone who has not said they belong to it, one is offered only for a specialist need it
# meets, never in place of a general service (a men's line for a woman in Belfast, a Muslim
# women's centre for anyone in Glasgow).
AUDIENCE_TAGS = frozenset({"male_victims", "lgbt", "children"})
# Offered only when named: an FGM line offered to someone who never spoke of it alarms more than
# it helps, and a perpetrator programme offered to a victim tells them the abuse is their fault.
ONLY_WHEN_NAMED = frozenset({"fgm", "perpetrator"})

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
# An LGBT+ man is offered Galop before the men's lines: abuse by a man of a man, or transphobic
# abuse, is what it knows, while men's lines mostly hear of abuse by women.
LGBT_NAMED = 4
FOCUSED = 3  # a specialist service (nothing general in what it does) beats a generalist
REFUGE_TONIGHT = (
    3  # someone with nowhere safe tonight needs a line that answers now and finds space
)


def _community_unnamed(service: Service, need: SupportNeed) -> bool:
    # Only a language the person chose, other than English, says anything: we never ask where
    # anyone is from, and guessing it would be a proxy for immigration status. Someone who says
    # they cannot get benefits needs the few services that help without them, whoever runs them.
    if "no_benefits" in service.helps_with & need.tags():
        return False
    return service.one_community and need.language not in service.languages - {"en"}


def _for_another_group(service: Service, need: SupportNeed) -> bool:
    """A group's service offered to someone outside it for no specialist need (AUDIENCE_TAGS),
    or a community's service to someone who has not written in one of its languages."""
    if _community_unnamed(service, need):
        return True
    wanted = need.tags()
    # e.g. the NSPCC FGM line (FGM and children) for a woman who fears FGM herself
    specialist = _focused(service) and bool(service.helps_with & wanted - AUDIENCE_TAGS)
    return bool(service.helps_with & AUDIENCE_TAGS - wanted) and not specialist


def _focused(service: Service) -> bool:
    """Nothing general in what it does: only needs few services cover, and listening."""
    return service.helps_with <= SPECIALIST_TAGS | {"talk"}


def _unlikely_nation(service: Service, need: SupportNeed) -> bool:
    """Nation unknown: most people in the UK live in England, so a service for Scotland, Wales
    or Northern Ireland alone is the likeliest wrong number, even when it is open all night."""
    return need.nation is None and bool(service.nations) and "england" not in service.nations


def _eligible(service: Service, need: SupportNeed) -> bool:
    """Hard filters: offering these would waste a call the person may only get to make once."""
    wanted = need.tags()
    if not service.helps_with & wanted:
        return False
    if service.helps_with & ONLY_WHEN_NAMED - wanted:
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
    if _community_unnamed(service, need):
        score += AUDIENCE_MISMATCH
    if "lgbt" in matched:
        score += LGBT_NAMED
    if matched & SPECIALIST_TAGS and _focused(service):
        score += FOCUSED
    if "safe_place" in matched and service.hours is not None and service.hours.always:
        score += REFUGE_TONIGHT
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
    """Services likely in their nation first, then the highest score; on a tie, the service open
    more hours a week (more chances to get through on a later try), then by name so the order
    never depends on the file's order."""
    weekly = 0.0 if service.hours is None else service.hours.hours_per_week()
    return (_unlikely_nation(service, need), -_score(service, need, at), -weekly, service.name)


# --- Loading: every check names the entry and field, so a bad edit is caught before release. ---


@dataclass(frozen=True)
class Directory:
    services: tuple[Service, ...]
    emergency_routes: tuple[EmergencyRoute, ...]

    @classmethod
    def from_file(cls, path: Path, today: datetime.date | None = None) -> Directory:
        """Load and check the file; raises ``DirectoryEntryError`` (a ``DataFileError``) naming
        the entry and field of any missing source or verified date (or one after ``today``,
        default the UK date now), or malformed entry."""
        services, routes = read_directory_file(path, today or uk_today())
        return cls(services=services, emergency_routes=routes)

    def with_edits(self, edits: Iterable[Service], origin: str = "console") -> Directory:
        """This directory with each edited service replacing the one of the same id, or added
        after the others. Emergency routes never change this way: an edit using one of their
        ids raises ``DirectoryEntryError``, as a duplicate id in the file would."""
        edited = {service.id: service for service in edits}
        kept = [edited.pop(service.id, service) for service in self.services]
        services = (*kept, *sorted(edited.values(), key=lambda service: service.id))
        check_unique_ids(
            origin, [s.id for s in services] + [route.id for route in self.emergency_routes]
        )
        return replace(self, services=services)

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def rank(self, need: SupportNeed, at: datetime.datetime, limit: int = 3) -> list[Service]:
        """The ``limit`` services that fit ``need`` best at ``at`` (timezone-aware).

        When fewer specialists than ``limit`` fit (one honour-based abuse line), the general
        domestic-abuse services follow them: honour-based abuse and FGM are domestic abuse too,
        and a second number is a second chance of getting through. Never for someone who harms
        others, who is offered the services for changing that only.
        """
        ranked = self._ranked(need, at)[:limit]
        if len(ranked) < limit and need.kinds and "perpetrator" not in need.kinds:
            general = self._ranked(replace(need, kinds=frozenset()), at)
            ranked += [s for s in general if s not in ranked][: limit - len(ranked)]
        return ranked

    def _ranked(self, need: SupportNeed, at: datetime.datetime) -> list[Service]:
        fits = [s for s in self.services if _eligible(s, need) and not _for_another_group(s, need)]
        return sorted(fits, key=lambda s: _sort_key(s, need, at))

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


def _contact_line(route: ContactRoute, texts: Catalogue) -> str:
    label = texts.card(route.kind)
    if route.note:
        label = f"{label} ({texts.note(route.note)})"
    free = f" {texts.card('free')}" if route.free else ""
    return f"{label}: {route.value}{free}"


def _hours_line(service: Service, at: datetime.datetime, texts: Catalogue) -> str:
    if service.hours is None:
        return texts.card("hours_unknown")
    state = "open_now" if service.hours.is_open(at) else "closed_now"
    return texts.card(state, hours=service.hours.describe(texts))


def _language_names(codes: frozenset[str]) -> str:
    # English first, then the others in the order of the buttons at /start.
    known = [language.endonym for language in reversed(LANGUAGES) if language.code in codes]
    return ", ".join(known + sorted(code.upper() for code in codes - set(BY_CODE)))


def format_service(service: Service, at: datetime.datetime, texts: Catalogue) -> str:
    """A short plain-text card for one service, as a victim would read it. The name and the
    service's own description stay as its source wrote them; the labels are in the person's
    language."""
    lines = [service.name, texts.card("for", who=service.who)]
    lines += [_contact_line(route, texts) for route in service.contact]
    lines.append(_hours_line(service, at, texts))
    if service.languages:
        lines.append(texts.card("languages", languages=_language_names(service.languages)))
    if service.interpreting:
        lines.append(texts.card("interpreters"))
    if service.caution:
        lines.append(texts.card("please_note", caution=texts.caution(service.id, service.caution)))
    if service.shares_with_police:
        lines.append(texts.card("shares_with_police"))
    return "\n".join(lines)
