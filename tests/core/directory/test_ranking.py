"""Ranking, opening hours and service cards, run against the shipped directory."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.config import DATA_DIR
from bot.core.directory import (
    Directory,
    Service,
    SupportNeed,
    UnknownNeedError,
    default_directory,
    format_service,
)
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue, catalogues
from bot.core.uk_time import LONDON, NaiveDatetimeError

DIRECTORY_FILE = DATA_DIR / "services" / "directory.yml"
UTC = datetime.timezone.utc
ENGLISH_TEXTS = catalogue(ENGLISH)
MONDAY_10AM = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
SATURDAY_3AM = datetime.datetime(2026, 11, 28, 3, 0, tzinfo=LONDON)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.from_file(DIRECTORY_FILE)


def _ids(services: list[Service]) -> list[str]:
    return [service.id for service in services]


def _service(directory: Directory, service_id: str) -> Service:
    return next(s for s in directory.services if s.id == service_id)


def _need(*tags: str, **fields: Any) -> SupportNeed:
    return SupportNeed(kinds=frozenset(tags), **fields)


@pytest.mark.parametrize("at", [MONDAY_10AM, SATURDAY_3AM])
def test_a_need_in_wales_puts_live_fear_free_first(
    directory: Directory, at: datetime.datetime
) -> None:
    ranked = directory.rank(SupportNeed(nation="wales"), at)

    assert ranked[0].id == "live_fear_free"
    assert all(not s.nations or "wales" in s.nations for s in ranked)


def test_forced_marriage_goes_to_the_specialists_and_follows_their_hours(
    directory: Directory,
) -> None:
    need = _need("forced_marriage", nation="england")

    weekday = directory.rank(need, MONDAY_10AM)
    night = directory.rank(need, SATURDAY_3AM)

    # The Scottish helpline also covers forced marriage, but not for someone in England: the
    # general 24-hour helpline for England takes the third place after the two specialists.
    assert _ids(weekday) == [
        "forced_marriage_unit", "karma_nirvana", "national_domestic_abuse_helpline"
    ]  # fmt: skip
    # At night the unit's office line is closed; Karma Nirvana's hours are unknown, so may answer.
    assert _ids(night) == [
        "karma_nirvana", "forced_marriage_unit", "national_domestic_abuse_helpline"
    ]  # fmt: skip


def test_forced_marriage_in_scotland_offers_the_scottish_helpline_first(
    directory: Directory,
) -> None:
    ranked = directory.rank(_need("forced_marriage", nation="scotland"), SATURDAY_3AM)

    assert ranked[0].id == "scotland_domestic_abuse_forced_marriage_helpline"
    assert {"karma_nirvana", "forced_marriage_unit"} <= set(_ids(ranked))


@pytest.mark.parametrize("at", [MONDAY_10AM, SATURDAY_3AM])
def test_a_male_victim_gets_the_mens_advice_line_and_no_women_only_service(
    directory: Directory, at: datetime.datetime
) -> None:
    ranked = directory.rank(SupportNeed(male_victim=True, nation="england"), at)

    # Tied with ManKind on fit; the Men's Advice Line is open more hours a week. At 3am both are
    # closed, and a 24-hour line that serves men too answers first.
    men_first = ["mens_advice_line", "mankind"]
    assert _ids(ranked) == (
        [*men_first, "victim_support"] if at == MONDAY_10AM else ["victim_support", *men_first]
    )
    assert not any(s.women_only for s in directory.rank(SupportNeed(male_victim=True), at, 20))


def test_a_service_for_another_nation_is_never_offered(directory: Directory) -> None:
    ranked = directory.rank(SupportNeed(nation="scotland"), MONDAY_10AM, limit=50)

    assert ranked
    assert all(not s.nations or "scotland" in s.nations for s in ranked)
    assert "national_domestic_abuse_helpline" not in _ids(ranked)


def test_a_lone_specialist_is_followed_by_general_services_but_never_for_a_perpetrator(
    directory: Directory,
) -> None:
    honour = directory.rank(_need("honour"), SATURDAY_3AM)
    worried = directory.rank(_need("perpetrator"), SATURDAY_3AM)

    assert _ids(honour) == ["karma_nirvana", "national_domestic_abuse_helpline", "victim_support"]
    assert _ids(worried) == ["respect_phoneline"]


def test_no_benefits_brings_a_service_that_helps_without_them_but_never_to_a_man(
    directory: Directory,
) -> None:
    # Given someone who cannot get benefits (never asked why), writing in English
    woman = directory.rank(_need("economic", "no_benefits"), MONDAY_10AM)
    man = directory.rank(_need("economic", "no_benefits", male_victim=True), MONDAY_10AM, 20)
    money_only = directory.rank(_need("economic"), MONDAY_10AM, 20)

    # Then the service for women without public funds comes first, one community or not
    assert _ids(woman)[0] == "southall_black_sisters"
    assert "southall_black_sisters" not in _ids(man)
    # and "no money" alone does not bring in a community's service
    assert "southall_black_sisters" not in _ids(money_only)


def test_perpetrator_services_only_when_asked_for(directory: Directory) -> None:
    every_need = frozenset({"physical", "emotional", "talk", "counselling"})

    victim = directory.rank(SupportNeed(kinds=every_need), MONDAY_10AM, limit=50)
    worried = directory.rank(_need("perpetrator"), MONDAY_10AM)

    assert "respect_phoneline" not in _ids(victim)
    assert _ids(worried) == ["respect_phoneline"]


def test_a_shared_language_brings_a_service_that_speaks_it_forward(directory: Directory) -> None:
    plain = directory.rank(SupportNeed(nation="england"), MONDAY_10AM)
    spanish = directory.rank(SupportNeed(nation="england", language="es"), MONDAY_10AM)

    # A community's service is not offered to someone who wrote in English: we never guess
    # where anyone is from.
    assert _ids(plain) == ["national_domestic_abuse_helpline", "victim_support", "ncdv"]
    assert not {"lawa", "lawrs", "southall_black_sisters"} & set(_ids(plain))
    # LAWA speaks Spanish: for someone writing in Spanish it comes in.
    assert _ids(spanish) == ["national_domestic_abuse_helpline", "victim_support", "lawa"]


def test_is_open_on_a_weekday_morning_and_not_at_night(directory: Directory) -> None:
    sisters = _service(directory, "southall_black_sisters")

    assert sisters.is_open(MONDAY_10AM) is True
    assert sisters.is_open(SATURDAY_3AM) is False
    assert _service(directory, "national_domestic_abuse_helpline").is_open(SATURDAY_3AM) is True
    assert _service(directory, "karma_nirvana").is_open(MONDAY_10AM) is None


def test_an_open_service_ranks_above_one_that_is_closed_now(directory: Directory) -> None:
    """Given money-help services, one Mon-Fri 9-5 and others with unknown hours, the
    office-hours one leads on Monday morning and drops behind them at 3am on Saturday."""
    need = SupportNeed(kinds=frozenset({"economic"}))

    assert _ids(directory.rank(need, MONDAY_10AM))[:2] == [
        "financial_support_line",
        "citizens_advice",
    ]
    night = _ids(directory.rank(need, SATURDAY_3AM, limit=10))
    assert night.index("citizens_advice") < night.index("financial_support_line")
    assert night.index("shelter_england") < night.index("financial_support_line")


@pytest.mark.parametrize(
    ("utc_time", "expected"),
    [
        # Summer time began on Sunday 29 March 2026: 08:30 UTC is 09:30 in London.
        (datetime.datetime(2026, 3, 30, 8, 30, tzinfo=UTC), True),
        (datetime.datetime(2026, 3, 23, 8, 30, tzinfo=UTC), False),
        # It ended on Sunday 25 October 2026: 16:30 UTC is 16:30 in London, 17:30 the week before.
        (datetime.datetime(2026, 10, 26, 16, 30, tzinfo=UTC), True),
        (datetime.datetime(2026, 10, 19, 16, 30, tzinfo=UTC), False),
    ],
)
def test_opening_hours_follow_london_summer_time(
    directory: Directory, utc_time: datetime.datetime, expected: bool
) -> None:
    assert _service(directory, "southall_black_sisters").is_open(utc_time) is expected


def test_a_naive_timestamp_is_refused(directory: Directory) -> None:
    with pytest.raises(NaiveDatetimeError):
        _service(directory, "southall_black_sisters").is_open(datetime.datetime(2026, 11, 30, 10))


def test_immigration_aware_puts_southall_black_sisters_first(directory: Directory) -> None:
    ranked = directory.immigration_aware(MONDAY_10AM)

    assert ranked[0].id == "southall_black_sisters"
    advice = [s.immigration_advice is True for s in ranked]
    assert advice == sorted(advice, reverse=True)


def test_plain_ranking_gives_no_weight_to_immigration_advice(directory: Directory) -> None:
    ranked = directory.rank(SupportNeed(nation="england"), MONDAY_10AM)

    assert ranked[0].id == "national_domestic_abuse_helpline"


def _load_edited(tmp_path: Path, edit: dict[str, dict[str, Any]]) -> Directory:
    """The shipped file with some services' fields replaced, written to ``tmp_path``."""
    document = yaml.safe_load(DIRECTORY_FILE.read_text(encoding="utf-8"))
    for service in document["services"]:
        service.update(edit.get(service["id"], {}))
    path = tmp_path / "directory.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return Directory.from_file(path)


def test_stale_flags_an_entry_verified_more_than_six_months_ago(tmp_path: Path) -> None:
    directory = _load_edited(
        tmp_path,
        {
            "galop": {"verified": datetime.date(2026, 5, 1)},
            "karma_nirvana": {"verified": datetime.date(2026, 6, 1)},
        },
    )

    assert _ids(directory.stale(datetime.date(2026, 11, 25))) == ["galop"]


def test_ties_are_broken_by_name_not_by_file_order(tmp_path: Path) -> None:
    """Given ManKind renamed so it sorts first and given the Men's Advice Line's hours,
    both score the same; the alphabetically first name wins."""
    same_hours = {"mon": ["09:00-17:00"]}
    directory = _load_edited(
        tmp_path,
        {
            "mankind": {"name": "A ManKind", "hours": same_hours},
            "mens_advice_line": {"hours": same_hours},
        },
    )

    ranked = directory.rank(SupportNeed(male_victim=True), MONDAY_10AM)

    assert _ids(ranked)[:2] == ["mankind", "mens_advice_line"]


def test_a_card_shows_hours_caution_and_out_of_hours_line(directory: Directory) -> None:
    unit = format_service(_service(directory, "forced_marriage_unit"), SATURDAY_3AM, ENGLISH_TEXTS)
    karma = format_service(_service(directory, "karma_nirvana"), SATURDAY_3AM, ENGLISH_TEXTS)

    assert "Closed now. Hours (UK time): Mon–Fri 09:00–17:00." in unit
    assert "Phone (out of hours): 020 7008 1500" in unit
    assert "Opening hours not known" in karma
    assert "Please note: Our sources disagree about their opening hours." in karma
    assert ENGLISH_TEXTS.card("shares_with_police") not in karma


def test_a_card_warns_when_the_service_shares_with_police(directory: Directory) -> None:
    card = format_service(_service(directory, "nspcc_fgm_helpline"), MONDAY_10AM, ENGLISH_TEXTS)

    assert card.endswith(ENGLISH_TEXTS.card("shares_with_police"))
    assert "Open now" in card


@pytest.mark.parametrize("code", sorted(catalogues()))
def test_a_card_in_any_language_keeps_the_sourced_facts(directory: Directory, code: str) -> None:
    """Given a card in the person's language, then the name, the service's own words and every
    number stay exactly as sourced, and the languages it speaks are shown."""
    texts = catalogue(code)
    for service in directory.services:
        card = format_service(service, MONDAY_10AM, texts)
        assert card.startswith(service.name)
        assert service.who in card
        for route in service.contact:
            assert route.value in card
        assert "English" in card


def test_a_card_names_the_languages_a_service_speaks(directory: Directory) -> None:
    spanish = [s for s in directory.services if "es" in s.languages]
    assert spanish
    card = format_service(spanish[0], MONDAY_10AM, catalogue("es"))
    assert "English" in card and "Español" in card


def test_an_unknown_need_tag_is_refused_without_echoing_it() -> None:
    with pytest.raises(UnknownNeedError) as caught:
        SupportNeed(kinds=frozenset({"my husband hits me"}))

    assert "husband" not in str(caught.value)


def test_default_directory_is_loaded_once() -> None:
    assert default_directory() is default_directory()
    assert default_directory().emergency_routes


@pytest.mark.parametrize("at", [MONDAY_10AM, SATURDAY_3AM])
def test_an_lgbt_man_gets_galop_before_the_mens_lines(
    directory: Directory, at: datetime.datetime
) -> None:
    need = SupportNeed(help_types=frozenset({"lgbt"}), male_victim=True)

    ranked = directory.rank(need, at)
    assert _ids(ranked) == ["galop", "mens_advice_line", "mankind"]
    assert not any(service.women_only for service in ranked)


def test_a_group_or_community_service_is_not_a_stand_in_for_a_general_one(
    directory: Directory,
) -> None:
    ranked = _ids(directory.rank(SupportNeed(nation="northern_ireland"), MONDAY_10AM, limit=10))
    scotland = _ids(directory.rank(SupportNeed(nation="scotland"), MONDAY_10AM, limit=10))

    assert ranked[0] == "ni_domestic_sexual_abuse_helpline"
    for other_group in ("mens_advice_line", "mankind", "galop", "nspcc_helpline", "childline"):
        assert other_group not in ranked
    assert "amina_mwrc" not in scotland
    # But a group's specialist line still answers the need it exists for.
    fgm = SupportNeed(kinds=frozenset({"fgm"}))
    assert _ids(directory.rank(fgm, MONDAY_10AM))[0] == "nspcc_fgm_helpline"


def test_with_the_nation_unknown_another_nations_line_comes_after_every_likely_one(
    directory: Directory,
) -> None:
    tonight = directory.rank(SupportNeed(help_types=frozenset({"safe_place"})), SATURDAY_3AM)

    assert _ids(tonight) == [
        "national_domestic_abuse_helpline",
        "shelter_england",
        "victim_support",
    ]
