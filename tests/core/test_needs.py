"""Needs read from what the person said: gender, LGBT+, safety tonight, places, harming others."""

from __future__ import annotations

import pytest

from bot.core.needs import read_needs


@pytest.mark.parametrize(
    "said",
    ["I'm a man and I need help", "my wife hits me", "my girlfriend controls me", "as a guy"],
)
def test_a_man_is_heard_as_a_man(said: str) -> None:
    assert read_needs([said]).man


@pytest.mark.parametrize(
    "said",
    ["I'm a man, my boyfriend hits me", "I'm gay", "I am trans", "I am a woman and my girlfriend "
     "hits me", "I'm non-binary", "a same-sex relationship"],
)  # fmt: skip
def test_lgbt_is_heard(said: str) -> None:
    assert "lgbt" in read_needs([said]).tags


def test_a_woman_with_a_girlfriend_is_not_taken_for_a_man() -> None:
    assert not read_needs(["I am a woman", "my girlfriend hits me"]).man


@pytest.mark.parametrize(
    ("said", "tag"),
    [
        ("I have nowhere to go tonight", "safe_place"),
        ("I need somewhere safe tonight", "safe_place"),
        ("they are forcing me to marry a man I don't know", "forced_marriage"),
        ("he says I brought shame on the family", "honour"),
        ("they want to cut my daughter", "fgm"),
        ("he hits my kids", "children"),
        ("he raped me", "sexual"),
        ("I have no money and can't get benefits", "economic"),
        ("he controls the money", "economic"),
    ],
)
def test_a_need_is_heard(said: str, tag: str) -> None:
    assert tag in read_needs([said]).tags


def test_fgm_is_not_heard_unless_named() -> None:
    assert "fgm" not in read_needs(["he is cutting me off from my friends"]).tags


@pytest.mark.parametrize(
    ("said", "nation", "region"),
    [
        ("I live in Glasgow", "scotland", None),
        ("we are in Cardiff", "wales", None),
        ("Belfast", "northern_ireland", None),
        ("I'm in Manchester", "england", "north_west"),
        ("moved from Leeds to Glasgow", None, None),
    ],
)
def test_a_uk_place_picks_the_nation(said: str, nation: str | None, region: str | None) -> None:
    heard = read_needs([said])
    assert (heard.nation, heard.region) == (nation, region)


@pytest.mark.parametrize(
    "said",
    [
        "I hurt my partner and I want to stop being abusive",
        "sometimes i push my wife, i need help to stop",
        "how do i stop hitting my girlfriend",
        "i lose my temper with my kids and i scare them",
    ],
)
def test_someone_who_harms_others_is_heard(said: str) -> None:
    assert read_needs([said]).harms_others


def test_harming_others_is_heard_only_when_said() -> None:
    assert read_needs(["I hurt my partner and I want to stop being abusive"]).harms_others
    assert not read_needs(["my partner hurts me"]).harms_others


def test_a_child_named_beside_fgm_or_forced_marriage_is_a_child_at_risk() -> None:
    assert "children" in read_needs(["they say our daughter has to have fgm"]).tags
    assert "children" in read_needs(["his family want to force my son to marry"]).tags
    # A child named beside other abuse says nothing of the child's own risk.
    assert "children" not in read_needs(["my son is at school, my husband shouts at me"]).tags


@pytest.mark.parametrize(
    "said",
    [
        "i get so angry at myself for staying",
        "my anger at him scares me",
        "he criticises my behaviour all the time",
        "i want him to stop hitting me",
        "he needs to stop being violent",
        "he wont stop hurting my son",
    ],
)
def test_a_victim_blaming_themselves_is_not_heard_as_harming_others(said: str) -> None:
    assert not read_needs([said]).harms_others
