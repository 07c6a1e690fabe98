"""The anchor index chooses exactly the rules the per-rule anchor test chose, so the firewall and
the safety net match what they matched before it (docs/PERFORMANCE.md, issue 14)."""

from __future__ import annotations

import pytest

from bot.core.firewall import default_firewall
from bot.core.firewall_eval import evaluate, load_corpus
from bot.core.lexicon import Lexicon, fold
from bot.core.safety import default_safety_net
from tests.support_lexicon import corpus_texts, nlu_examples, reference_candidates

LEXICONS = {
    "firewall": lambda: default_firewall()._lexicon,
    "safety": lambda: default_safety_net()._lexicon,
}


@pytest.fixture(scope="module")
def folded_texts() -> list[str]:
    texts = [fold(text).text for text in nlu_examples() + corpus_texts()]
    assert len(texts) >= 10_000
    # One text past the long-text limit, where the index searches the distinct words instead.
    return [*texts, "\n".join(texts[:2000])]


@pytest.mark.parametrize("name", sorted(LEXICONS))
def test_index_chooses_the_rules_the_anchor_test_chose(name: str, folded_texts: list[str]) -> None:
    """Given every NLU example, every corpus case and one long text, when the lexicon chooses
    the rules to try, then they are those whose anchor test passes, in the same order, and the
    hits are those of those rules."""
    lexicon = LEXICONS[name]()
    expected = reference_candidates(lexicon, folded_texts)
    chosen_somewhere = set()
    for text, rules in zip(folded_texts, expected, strict=True):
        assert list(lexicon.candidates(text)) == rules, text
        reference = Lexicon(tuple(rules), lexicon.fuzzy, lexicon.safe_words)
        assert list(lexicon.find(text)) == list(reference.find(text, narrowed=True)), text
        chosen_somewhere.update(map(id, rules))
    # The texts do reach the rules: most are tried on at least one of them.
    assert len(chosen_somewhere) >= len(lexicon.rules) // 2


@pytest.mark.parametrize("name", sorted(LEXICONS))
def test_every_anchor_reaches_its_rule(name: str) -> None:
    """Given a text holding one anchor of a rule, inside a word or alone, that rule is tried."""
    lexicon = LEXICONS[name]()
    for rule in lexicon.rules:
        for anchor in rule.anchors or ():
            digit = " 7" if rule.needs_digit else ""
            for text in (anchor + digit, f"xy{anchor}z ok{digit}"):
                assert rule in lexicon.candidates(text), (anchor, text)
        if rule.anchors is None:
            assert rule in lexicon.candidates("7" if rule.needs_digit else "")
        if rule.needs_digit:
            assert rule not in lexicon.candidates(" ".join(rule.anchors or ()))


def test_firewall_recall_is_the_documented_figure() -> None:
    """The README's 99.8% (1,071 of 1,073 positives) is measured with the indexed matcher."""
    report = evaluate(default_firewall(), load_corpus())
    assert report.overall.recalled >= 1071
    assert report.overall.recall >= 0.998, report.failures
