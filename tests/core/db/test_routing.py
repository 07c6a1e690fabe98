"""Routing a handoff by nation, region, language and help types, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.core.db.audit import Actor, verify_chain
from bot.core.db.models import AuditEntry, Handoff, HandoffStatus, Organisation, new_id
from bot.core.db.routing import (
    KEEP,
    Coverage,
    CoverageError,
    NoPartnerOrganisationError,
    RoutingNeed,
    UnknownOrganisationError,
    route_handoff,
    set_organisation_coverage,
)
from bot.core.report_fields import Urgency

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
ADMIN = Actor("admin", new_id())


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session, session.begin():
        yield session


def organisation(session: Session, age_rank: int, **coverage: Any) -> str:
    """An organisation created ``age_rank`` minutes after T0 (lower is older)."""
    row = Organisation(
        id=new_id(), name="Partner", created_at=T0 + timedelta(minutes=age_rank), **coverage
    )
    session.add(row)
    session.flush()
    return row.id


def handoffs(session: Session, organisation_id: str, *statuses: HandoffStatus) -> None:
    for status in statuses:
        session.add(
            Handoff(
                organisation_id=organisation_id,
                status=status,
                created_at=T0,
                updated_at=T0,
                urgency=Urgency.STANDARD,
            )
        )
    session.flush()


def test_without_any_organisation_routing_refuses(session: Session) -> None:
    with pytest.raises(NoPartnerOrganisationError):
        route_handoff(session, RoutingNeed(nation="england"))


def test_the_region_that_matches_beats_the_one_that_does_not(session: Session) -> None:
    # Given an older partner covering the North East and a newer one covering London
    north_east = organisation(session, 0, covers_regions=["north_east"])
    london = organisation(session, 1, covers_nations=["england"], covers_regions=["london"])
    # When a person in London reports, Then the London partner receives it
    assert route_handoff(session, RoutingNeed("england", "london")) == london
    assert route_handoff(session, RoutingNeed("england", "north_east")) == north_east
    # And a London answer without a nation still places the person in England
    assert route_handoff(session, RoutingNeed(None, "london")) == london


def test_the_nation_must_be_covered_and_regions_narrow_england_only(session: Session) -> None:
    scotland = organisation(session, 0, covers_nations=["scotland"])
    england_and_wales_in_london = organisation(
        session, 1, covers_nations=["england", "wales"], covers_regions=["london"]
    )
    assert route_handoff(session, RoutingNeed("wales")) == england_and_wales_in_london
    assert route_handoff(session, RoutingNeed("scotland")) == scotland


def test_a_place_not_given_is_covered_by_everyone(session: Session) -> None:
    # Given an older, busier partner covering anywhere and a newer one covering only Scotland
    anywhere = organisation(session, 0)
    scotland = organisation(session, 1, covers_nations=["scotland"])
    handoffs(session, anywhere, HandoffStatus.OPEN)
    # When the person gave no nation (or something outside the vocabulary), Then both are
    # eligible, and the Scottish one wins on load
    assert route_handoff(session, RoutingNeed()) == scotland
    assert route_handoff(session, RoutingNeed("not_given", "atlantis")) == scotland


def test_the_persons_language_is_preferred(session: Session) -> None:
    english = organisation(session, 0, languages=["en"])
    welsh = organisation(session, 1, languages=["cy", "en"], help_types=["talk"])
    # The language outranks help types: the Welsh speaker goes to the Welsh-speaking partner
    # even though the other covers every kind of help.
    need = RoutingNeed("wales", help_types=frozenset({"legal", "children"}), language="cy")
    assert route_handoff(session, need) == welsh
    assert route_handoff(session, RoutingNeed("wales", language="cy_GB")) == welsh
    # An English speaker ties on language, so the older partner keeps them
    assert route_handoff(session, RoutingNeed("wales", language="en")) == english
    assert route_handoff(session, RoutingNeed("wales")) == english


def test_most_requested_help_types_are_preferred(session: Session) -> None:
    talk = organisation(session, 0, help_types=["talk"])
    talk_and_legal = organisation(session, 1, help_types=["legal", "talk"])
    legal = frozenset({"talk", "legal"})
    assert route_handoff(session, RoutingNeed(help_types=legal)) == talk_and_legal
    assert route_handoff(session, RoutingNeed(help_types=frozenset({"talk"}))) == talk
    # Unknown help words count for nobody
    assert route_handoff(session, RoutingNeed(help_types=frozenset({"visa"}))) == talk


def test_ties_go_to_the_partner_with_fewest_live_handoffs_then_the_oldest(
    session: Session,
) -> None:
    # Given three equal partners; the oldest has two live cases, the second one live case and
    # many finished ones, the newest two live cases
    oldest = organisation(session, 0)
    second = organisation(session, 1)
    newest = organisation(session, 2)
    handoffs(session, oldest, HandoffStatus.OPEN, HandoffStatus.CLAIMED)
    handoffs(
        session,
        second,
        HandoffStatus.OPEN,
        HandoffStatus.CLOSED,
        HandoffStatus.CLOSED,
        HandoffStatus.WITHDRAWN,
        HandoffStatus.DRAFT,
    )
    handoffs(session, newest, HandoffStatus.CLAIMED, HandoffStatus.OPEN)
    # Then the second (fewest open or claimed) receives the next case
    assert route_handoff(session, RoutingNeed("england")) == second
    # And once it is as busy as the others, the oldest does
    handoffs(session, second, HandoffStatus.CLAIMED)
    assert route_handoff(session, RoutingNeed("england")) == oldest


def test_when_nobody_covers_the_person_the_oldest_partner_receives_it(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    # Given partners for Scotland and for Wales only, the Scottish one older but busier
    scotland = organisation(session, 0, covers_nations=["scotland"], languages=["en"])
    organisation(session, 1, covers_nations=["wales"], languages=["cy"])
    handoffs(session, scotland, HandoffStatus.OPEN)
    # When someone in Northern Ireland who speaks Welsh reports, Then the report is not lost
    need = RoutingNeed("northern_ireland", language="cy")
    assert route_handoff(session, need) == scotland
    # And the gap is logged without anything about the person
    assert "northern_ireland" not in caplog.text
    assert "no organisation covers" in caplog.text


def test_coverage_is_stored_audited_and_kept_or_cleared(session: Session) -> None:
    partner = organisation(session, 0)
    # When an admin declares coverage
    coverage = set_organisation_coverage(
        session,
        partner,
        actor=ADMIN,
        now=T0,
        nations=["wales", "england"],
        regions=["london"],
        languages=["en", "cy"],
        help_types=["talk", "legal"],
    )
    # Then it is stored sorted and one audit entry names the admin and the organisation
    assert coverage == Coverage(("england", "wales"), ("london",), ("cy", "en"), ("legal", "talk"))
    stored = session.get(Organisation, partner)
    assert stored is not None
    assert (stored.covers_nations, stored.languages) == (["england", "wales"], ["cy", "en"])
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    assert [(e.action, e.actor_id, e.object_id) for e in entries] == [
        ("organisation.coverage", ADMIN.id, partner)
    ]
    assert entries[0].detail == {"nations": 2, "regions": 1, "languages": 2, "help_types": 2}
    # When only the languages are cleared, Then the rest is kept, and the change audited again
    cleared = set_organisation_coverage(session, partner, actor=ADMIN, now=T0, languages=None)
    assert cleared == Coverage(("england", "wales"), ("london",), None, ("legal", "talk"))
    # And declaring the same again changes nothing and adds no entry
    assert set_organisation_coverage(session, partner, actor=ADMIN, now=T0, nations=KEEP) == cleared
    assert len(session.scalars(select(AuditEntry)).all()) == 2
    assert verify_chain(session).ok


@pytest.mark.parametrize(
    ("field", "tokens", "message"),
    [
        ("nations", ["englnd"], "unknown nation: 'englnd' (choose from england"),
        ("regions", ["cardiff"], "unknown region: 'cardiff'"),
        ("languages", ["English"], "unknown language: 'English' (use 2-3 letter"),
        ("languages", ["e"], "unknown language: 'e'"),
        ("help_types", ["visa", "talk"], "unknown help type: 'visa'"),
        ("help_types", [], "would cover nobody"),
        ("nations", "england", "not one string"),
    ],
)
def test_unknown_tokens_are_refused_and_nothing_changes(
    session: Session, field: str, tokens: Any, message: str
) -> None:
    partner = organisation(session, 0, languages=["en"])
    with pytest.raises(CoverageError, match=message.replace("(", r"\(")):
        set_organisation_coverage(session, partner, actor=ADMIN, now=T0, **{field: tokens})
    stored = session.get(Organisation, partner)
    assert stored is not None
    assert (stored.covers_nations, stored.languages, stored.help_types) == (None, ["en"], None)
    assert session.scalars(select(AuditEntry)).all() == []


def test_regions_without_england_are_refused(session: Session) -> None:
    partner = organisation(session, 0, covers_regions=["london"])
    with pytest.raises(CoverageError, match="cover England too"):
        set_organisation_coverage(session, partner, actor=ADMIN, now=T0, nations=["wales"])
    assert set_organisation_coverage(
        session, partner, actor=ADMIN, now=T0, nations=["wales"], regions=None
    ) == Coverage(nations=("wales",))


def test_an_unknown_organisation_is_refused(session: Session) -> None:
    with pytest.raises(UnknownOrganisationError):
        set_organisation_coverage(session, new_id(), actor=ADMIN, now=T0, nations=None)
