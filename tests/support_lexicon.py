"""Messages to match lexicons against, and the rule selection the anchor index replaced.

``reference_candidates`` is how a lexicon chose the rules to try before
``bot/core/anchor_index.py``: every anchor of every rule tested against every text. It is slow on
purpose and lives here only so tests can show the index chooses exactly the same rules.
"""

from __future__ import annotations

import re

import yaml

from bot.core.config import PROJECT_ROOT
from bot.core.lexicon import Lexicon, Rule

_DIGIT = re.compile(r"\d")
# Rasa's entity markup, "[hits me](abuse_kind)" or '[bije]{"entity": ...}': the text is kept.
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def nlu_examples() -> list[str]:
    """Every training example of data/nlu/** (all languages), as a person would type it."""
    texts = []
    for path in sorted((PROJECT_ROOT / "data" / "nlu").rglob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" in item:
                texts.extend(_lines(item["examples"]))
    return texts


def corpus_texts() -> list[str]:
    """The texts of the firewall and safety corpora (tests/data) and the held-out NLU sets."""
    texts = []
    for path in sorted((PROJECT_ROOT / "tests" / "data").glob("*_corpus*.yml")):
        texts.extend(str(case["text"]) for case in yaml.safe_load(path.read_text("utf-8"))["cases"])
    for path in sorted((PROJECT_ROOT / "tests" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" in item:
                texts.extend(_lines(item["examples"]))
    return texts


def _lines(block: str) -> list[str]:
    return [
        _ANNOTATION.sub(lambda m: m["text"], line.strip()[2:].strip())
        for line in block.splitlines()
        if line.strip().startswith("- ")
    ]


def reference_candidates(lexicon: Lexicon, folded_texts: list[str]) -> list[list[Rule]]:
    """For each folded text, the lexicon's rules in order that the old test let through: no
    digit needed or one present, and no anchors known or one of them in the text."""
    holding = {
        anchor: {i for i, text in enumerate(folded_texts) if anchor in text}
        for rule in lexicon.rules
        for anchor in rule.anchors or ()
    }
    everyone = set(range(len(folded_texts)))
    with_digit = {i for i, text in enumerate(folded_texts) if _DIGIT.search(text)}
    chosen: list[list[Rule]] = [[] for _ in folded_texts]
    for rule in lexicon.rules:
        texts = (
            everyone
            if rule.anchors is None
            else set().union(*(holding[anchor] for anchor in rule.anchors))
        )
        for i in texts & with_digit if rule.needs_digit else texts:
            chosen[i].append(rule)
    return chosen
