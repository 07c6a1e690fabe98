"""A language is switched on (it has data/locales/<code>.yml) only when its own safety and
firewall cases pass: a person writing in it is kept as safe, and their status as hidden, as in
English."""

from __future__ import annotations

import pytest
import yaml

from bot.core.config import PROJECT_ROOT
from bot.core.firewall import default_firewall
from bot.core.firewall_eval import evaluate, load_corpus
from bot.core.languages import ENGLISH, from_telegram_hint, language_of, latest_language
from bot.core.locale import catalogues
from bot.core.safety import SafetyNet, SafetySignal, default_safety_net

SWITCHED_ON = sorted(set(catalogues()) - {ENGLISH})
SAFETY_CORPORA = sorted((PROJECT_ROOT / "tests" / "data").glob("safety_corpus*.yml"))
MIN_SAFETY_CASES = 20
MIN_FIREWALL_POSITIVES = 15
MAX_BENIGN_CHANGED = 0.1


def _safety_cases(code: str) -> list[dict[str, str]]:
    return [
        case
        for path in SAFETY_CORPORA
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        if case["lang"] == code
    ]


@pytest.fixture(scope="module")
def net() -> SafetyNet:
    return default_safety_net()


@pytest.mark.parametrize("code", SWITCHED_ON)
def test_a_language_is_on_only_when_its_danger_cases_fire(net: SafetyNet, code: str) -> None:
    cases = _safety_cases(code)
    held_out = [case for case in cases if case["split"] == "heldout"]
    assert len(held_out) >= MIN_SAFETY_CASES, "write held-out safety cases before switching on"
    missed = [
        case["text"]
        for case in cases
        if case["expect"] != "none" and net.check(case["text"]) != SafetySignal(case["expect"])
    ]
    assert missed == []


@pytest.mark.parametrize("code", SWITCHED_ON)
def test_a_language_is_on_only_when_its_status_cases_are_removed(code: str) -> None:
    cases = [case for case in load_corpus() if case.lang == code]
    report = evaluate(default_firewall(), cases)
    assert report.overall.positives >= MIN_FIREWALL_POSITIVES
    assert [case.text for case, _ in report.failures if case.positive] == []
    assert report.overall.over_redaction <= MAX_BENIGN_CHANGED


@pytest.mark.parametrize(
    ("telegram", "ours"),
    [("pl", "pl"), ("pt-br", "pt"), ("PA", "pa"), ("en-GB", "en"), ("fr", None), (None, None)],
)
def test_the_phones_language_is_only_a_hint_we_may_use(
    telegram: str | None, ours: str | None
) -> None:
    assert from_telegram_hint(telegram) == ours


def test_the_language_named_on_a_message_wins_and_a_forged_one_is_ignored() -> None:
    assert language_of({"language": "ar"}) == "ar"
    assert language_of({"language": "xx"}) == ENGLISH
    assert language_of(None) == ENGLISH
    # The latest message that named one of ours, newest first
    assert (
        latest_language([{}, {"language": "bogus"}, {"language": "ta"}, {"language": "pl"}]) == "ta"
    )
    assert latest_language([]) == ENGLISH
