"""The safety net: every labelled danger and suicidal message fires; false alarms are measured."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.config import PROJECT_ROOT
from bot.core.errors import DataFileError
from bot.core.safety import PlannedHarm, SafetyNet, SafetySignal, default_safety_net

# safety_corpus.yml and one safety_corpus_<code>.yml per language (tests/core/test_languages.py).
CORPORA = sorted((PROJECT_ROOT / "tests" / "data").glob("safety_corpus*.yml"))
HELD_OUT = PROJECT_ROOT / "tests" / "nlu" / "emergency_heldout.yml"
HELD_OUT_SIGNALS = {
    "emergency": SafetySignal.DANGER,
    "not_safe_to_talk": SafetySignal.NOT_SAFE,
    "suicidal_feelings": SafetySignal.SUICIDAL,
}
PLANNED_HARMS = {
    "nspcc_fgm_helpline": PlannedHarm.FGM,
    "forced_marriage_unit": PlannedHarm.FORCED_MARRIAGE,
}
# Measured on the corpus when written (docs/FIREWALL.md); a rise means a pattern got too broad.
MAX_FALSE_ALARM_RATE = 0.05


def _cases() -> list[dict[str, str]]:
    return [
        case
        for path in CORPORA
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    ]


@pytest.fixture(scope="module")
def net() -> SafetyNet:
    return default_safety_net()


def test_corpus_is_large_and_multilingual() -> None:
    cases = _cases()
    assert len(cases) >= 150
    assert len({case["lang"] for case in cases}) >= 10
    assert any(case["split"] == "heldout" for case in cases)


@pytest.mark.parametrize("expect", ["danger", "not_safe", "suicidal"])
def test_every_labelled_signal_fires(net: SafetyNet, expect: str) -> None:
    """Given every corpus message labelled danger (or suicidal), then all fire as labelled."""
    missed = [
        case["text"]
        for case in _cases()
        if case["expect"] == expect and net.check(case["text"]) != SafetySignal(expect)
    ]
    assert missed == []


def test_false_alarms_stay_rare(net: SafetyNet) -> None:
    neither = [case["text"] for case in _cases() if case["expect"] == "none"]
    alarms = [text for text in neither if net.check(text) is not None]
    assert len(alarms) / len(neither) <= MAX_FALSE_ALARM_RATE, alarms


def test_danger_wins_over_suicidal(net: SafetyNet) -> None:
    assert net.check("I want to die") is SafetySignal.SUICIDAL
    assert net.check("I want to die, he's here now with a knife") is SafetySignal.DANGER


def test_not_safe_wins_over_suicidal_and_danger_over_not_safe(net: SafetyNet) -> None:
    assert net.check("gtg he's back") is SafetySignal.NOT_SAFE
    assert net.check("i want to die and he's back") is SafetySignal.NOT_SAFE
    assert net.check("he's back and he's got a knife") is SafetySignal.DANGER


def _held_out() -> list[tuple[str, str, str | None]]:
    blocks = yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))["nlu"]
    return [
        (
            block["intent"],
            line.removeprefix("- ").strip(),
            (block.get("metadata") or {}).get("service"),
        )
        for block in blocks
        for line in block["examples"].splitlines()
        if line.strip()
    ]


def test_net_alone_gives_every_held_out_message_its_signal(net: SafetyNet) -> None:
    """The issue 9 held-out blocks: the net by itself, before any classifier, answers each."""
    wrong = [
        (text, net.check(text))
        for intent, text, _ in _held_out()
        if net.check(text) is not HELD_OUT_SIGNALS[intent]
    ]
    assert wrong == []


def test_planned_harm_names_the_harm_of_each_held_out_case(net: SafetyNet) -> None:
    planned = [(text, PLANNED_HARMS[service]) for _, text, service in _held_out() if service]
    assert len(planned) >= 12
    assert [text for text, harm in planned if net.planned_harm(text) != {harm}] == []
    assert net.planned_harm("he's here with a knife") == frozenset()


def test_past_accounts_are_not_emergencies(net: SafetyNet) -> None:
    assert net.check("last year he hit me") is None
    assert net.check("he threatened to kill me") is None
    assert net.check("he was going to kill me back then") is None
    assert net.check("I had FGM when I was a girl") is None
    assert net.planned_harm("I had FGM when I was a girl") == frozenset()


@pytest.mark.parametrize("text", ["", "😀" * 1000, "\x00\xff", "ok " * 300_000])
def test_odd_input_never_crashes(net: SafetyNet, text: str) -> None:
    assert net.check(text) is None


def test_bad_pattern_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(DataFileError):
        SafetyNet.from_directory(tmp_path)
    (tmp_path / "x.yml").write_text("categories:\n  status:\n    phrases: [x]\n")
    with pytest.raises(DataFileError):
        SafetyNet.from_directory(tmp_path)
