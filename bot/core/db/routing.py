"""Which partner organisation receives a handoff, and what each organisation declares it covers.

Routing looks at four things only: the person's nation, English region, the kinds of help they
asked for and the language they chose. Nothing else about them (least of all nationality or
immigration status) has a say, and nothing here is logged beyond fixed prose.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.db.audit import Actor, append_audit
from bot.core.db.models import Handoff, HandoffStatus, Organisation
from bot.core.errors import LanternError
from bot.core.report_fields import ENGLISH_REGIONS, HELP_TYPES, NATIONS

logger = logging.getLogger(__name__)

_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_LIVE = (HandoffStatus.OPEN, HandoffStatus.CLAIMED)


class NoPartnerOrganisationError(LanternError):
    """No partner organisation is set up to receive reports."""


class CoverageError(LanternError):
    """A coverage declaration named something outside the vocabularies, or nothing at all."""


class UnknownOrganisationError(LanternError):
    """No organisation has that id."""


@dataclass(frozen=True)
class RoutingNeed:
    """What routing may know about the person: where they are, the help they want, their language.

    ``None`` means not given. Tokens outside the vocabularies of ``bot.core.report_fields`` are
    treated as not given rather than refused: a report must reach someone whatever its answers.
    """

    nation: str | None = None
    region: str | None = None
    help_types: frozenset[str] = frozenset()
    language: str | None = None


@dataclass(frozen=True)
class Coverage:
    """An organisation's declared coverage; ``None`` in a field means it covers any."""

    nations: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    help_types: tuple[str, ...] | None = None


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""Pass for a coverage field that should stay as it is."""

CoverageUpdate = Collection[str] | None | _Keep


def route_handoff(session: Session, need: RoutingNeed) -> str:
    """The id of the organisation a new handoff goes to.

    1. **Eligible** organisations cover the person's nation and, for England, their region.
       A null list covers everything; a nation or region the person did not give is covered by
       every organisation. Regions narrow England only: an organisation covering England and
       Wales but only London stays eligible for someone in Wales.
    2. Among the eligible, prefer the one that covers the person's **language**, then the one
       covering **most of the help types** they asked for (a null list covers all of them).
    3. Ties go to the organisation with the **fewest open or claimed handoffs**, to spread the
       load, then to the **oldest**.
    4. If no organisation is eligible, the handoff goes to the **oldest organisation**. The person
       was promised a caseworker, and a report must never be lost because nobody declared the
       person's area: a partner outside it can still call them and refer them on. (Falling back
       first to organisations covering everything would add nothing: one with no nation or region
       list is always eligible.)

    Raises :class:`NoPartnerOrganisationError` only when no organisation exists at all.
    """
    organisations = list(
        session.scalars(select(Organisation).order_by(Organisation.created_at, Organisation.id))
    )
    if not organisations:
        raise NoPartnerOrganisationError("no partner organisation has been set up")
    nation, region = _place(need)
    eligible = [
        organisation
        for organisation in organisations
        if _covers(organisation.covers_nations, nation)
        and _covers(organisation.covers_regions, region)
    ]
    if not eligible:
        logger.warning("no organisation covers the person's area; routed to the oldest")
        return organisations[0].id
    load = _live_handoffs(session)
    language = _language_code(need.language)
    wanted = need.help_types & HELP_TYPES

    def preference(ranked: tuple[int, Organisation]) -> tuple[bool, int, int, int]:
        age, organisation = ranked
        help_covered = len(
            wanted
            if organisation.help_types is None
            else wanted.intersection(organisation.help_types)
        )
        return (
            not _covers(organisation.languages, language),
            -help_covered,
            load.get(organisation.id, 0),
            age,
        )

    return min(enumerate(eligible), key=preference)[1].id


def set_organisation_coverage(
    session: Session,
    organisation_id: str,
    *,
    actor: Actor,
    now: datetime,
    nations: CoverageUpdate = KEEP,
    regions: CoverageUpdate = KEEP,
    languages: CoverageUpdate = KEEP,
    help_types: CoverageUpdate = KEEP,
) -> Coverage:
    """Declare what an organisation covers; returns the coverage now stored.

    Each field is a collection of tokens, ``None`` for "any", or :data:`KEEP`. Nations, regions
    and help types must come from ``bot.core.report_fields``; languages are 2-3 letter lowercase
    codes. An empty list (covering nobody) and regions without England are refused with
    :class:`CoverageError`. A change is audited with the actor; an unchanged declaration is not.
    """
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise UnknownOrganisationError("no organisation has that id")
    before = coverage_of(organisation)
    after = Coverage(
        nations=_checked("nation", nations, before.nations, _one_of(NATIONS)),
        regions=_checked("region", regions, before.regions, _one_of(ENGLISH_REGIONS)),
        languages=_checked("language", languages, before.languages, _LANGUAGE_RULE),
        help_types=_checked("help type", help_types, before.help_types, _one_of(HELP_TYPES)),
    )
    if after.regions is not None and not _covers(after.nations, "england"):
        raise CoverageError("regions are English regions: cover England too, or set regions any")
    if after == before:
        return after
    organisation.covers_nations = _stored(after.nations)
    organisation.covers_regions = _stored(after.regions)
    organisation.languages = _stored(after.languages)
    organisation.help_types = _stored(after.help_types)
    declared = {name: len(tokens) for name, tokens in vars(after).items() if tokens is not None}
    append_audit(session, actor, "organisation.coverage", now, organisation_id, detail=declared)
    return after


def coverage_of(organisation: Organisation) -> Coverage:
    return Coverage(
        nations=_tokens(organisation.covers_nations),
        regions=_tokens(organisation.covers_regions),
        languages=_tokens(organisation.languages),
        help_types=_tokens(organisation.help_types),
    )


def _place(need: RoutingNeed) -> tuple[str | None, str | None]:
    region = need.region if need.region in ENGLISH_REGIONS else None
    nation = need.nation if need.nation in NATIONS else None
    if nation is None and region is not None:
        nation = "england"
    return nation, region


def _covers(declared: Sequence[Any] | None, token: str | None) -> bool:
    return declared is None or token is None or token in declared


def _language_code(value: str | None) -> str | None:
    if not value:
        return None
    # "en-GB" or "cy_GB" route as "en" or "cy": partners declare languages, not dialects.
    primary = value.lower().replace("_", "-").split("-")[0]
    return primary if _is_language_code(primary) else None


def _is_language_code(token: str) -> bool:
    return _LANGUAGE_CODE.fullmatch(token) is not None


def _live_handoffs(session: Session) -> Mapping[str, int]:
    rows = session.execute(
        select(Handoff.organisation_id, func.count())
        .where(Handoff.status.in_(_LIVE))
        .group_by(Handoff.organisation_id)
    )
    return {organisation_id: count for organisation_id, count in rows}


@dataclass(frozen=True)
class _Rule:
    accepts: Callable[[str], bool]
    hint: str


def _one_of(vocabulary: frozenset[str]) -> _Rule:
    return _Rule(vocabulary.__contains__, "choose from " + ", ".join(sorted(vocabulary)))


_LANGUAGE_RULE = _Rule(_is_language_code, "use 2-3 letter lowercase codes such as en or cy")


def _checked(
    what: str,
    update: CoverageUpdate,
    current: tuple[str, ...] | None,
    rule: _Rule,
) -> tuple[str, ...] | None:
    if update is KEEP:
        return current
    if update is None:
        return None
    if isinstance(update, str):
        raise CoverageError(f"give the {what}s as a list of tokens, not one string")
    if not update:
        raise CoverageError(f"an empty {what} list would cover nobody; use 'any' instead")
    unknown = sorted(
        repr(token) for token in update if not (isinstance(token, str) and rule.accepts(token))
    )
    if unknown:
        raise CoverageError(f"unknown {what}: {', '.join(unknown)} ({rule.hint})")
    return tuple(sorted(set(update)))


def _tokens(stored: list[Any] | None) -> tuple[str, ...] | None:
    return None if stored is None else tuple(sorted(str(token) for token in stored))


def _stored(tokens: tuple[str, ...] | None) -> list[Any] | None:
    return None if tokens is None else list(tokens)
