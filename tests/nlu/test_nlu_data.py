"""Checks on the NLU training data and held-out sets that Rasa's own loader does not make.

Rasa accepts an intent with three examples, an entity value nobody downstream understands and a
held-out sentence that was quietly copied into training; these tests do not.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import yaml

from bot.core.report_fields import (
    ABUSE_KINDS,
    CONTACT_TIMES,
    ENGLISH_REGIONS,
    HELP_TYPES,
    LAST_HAPPENED,
    NATIONS,
)

ROOT = Path(__file__).resolve().parents[2]
TRAINING_DIR = ROOT / "data" / "nlu" / "en"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
EMERGENCY_HELDOUT = ROOT / "tests" / "nlu" / "emergency_heldout.yml"

INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "emergency",
        "suicidal_feelings",
        "not_safe_to_talk",
        "report_abuse",
        "find_support",
        "help_someone_else",
        "about_lantern",
        "talk_to_person",
        "skip",
        "stop",
        "keep_report",
        "discard_report",
        "volunteer_immigration_status",
        "out_of_scope",
        "inform",
    }
)
# Misrouting these costs most, so they get more examples than the floor.
IMPORTANT_INTENTS = frozenset(
    {"emergency", "suicidal_feelings", "not_safe_to_talk", "report_abuse", "find_support"}
)
CANONICAL = {
    "abuse_kind": ABUSE_KINDS,
    "last_happened": LAST_HAPPENED,
    "nation": NATIONS,
    "region": ENGLISH_REGIONS,
    "help_type": HELP_TYPES,
    "contact_time": CONTACT_TIMES,
}
REDACTED = "(immigration detail removed)"
# [text](entity) only: the JSON form would let a value bypass synonyms.yml.
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<entity>[^)]+)\)")
# Word-level, so typo variants of short messages ("helo", "cnt tlk") stay: they teach the
# character features. Long sentences that differ by one word teach nothing new.
NEAR_DUPLICATE_RATIO = 0.9
# Short messages share words by nature ("no no" / "no no no"), so the bar is lower but not 1.
HELD_OUT_LEAK_RATIO = 0.85


@dataclass(frozen=True)
class Example:
    intent: str
    annotated: str
    source: str

    @property
    def plain(self) -> str:
        return ANNOTATION.sub(lambda m: m["text"], self.annotated)

    @property
    def entities(self) -> list[tuple[str, str]]:
        return [(m["entity"], m["text"]) for m in ANNOTATION.finditer(self.annotated)]

    @property
    def normalised(self) -> str:
        # The redaction marker counts as one word, as it stands for one detail.
        text = self.plain.lower().replace(REDACTED, "redacted")
        return " ".join(text.translate(str.maketrans("", "", string.punctuation)).split())


def _items(path: Path) -> list[dict[str, str]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document["version"] == "3.1", path
    items: list[dict[str, str]] = document["nlu"]
    return items


def _lines(block: str) -> Iterator[str]:
    for line in block.splitlines():
        if line.strip():
            assert line.startswith("- "), line
            yield line[2:].strip()


def _examples(paths: list[Path]) -> list[Example]:
    return [
        Example(item["intent"], line, path.name)
        for path in paths
        for item in _items(path)
        if "intent" in item
        for line in _lines(item["examples"])
    ]


def _synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for path in sorted(TRAINING_DIR.glob("*.yml")):
        for item in _items(path):
            if "synonym" in item:
                for line in _lines(item["examples"]):
                    assert line.lower() not in table, f"{line!r} listed twice"
                    table[line.lower()] = item["synonym"]
    return table


TRAINING = _examples(sorted(TRAINING_DIR.glob("*.yml")))
HELD_OUT = _examples([HELDOUT, EMERGENCY_HELDOUT])


def _by_intent(examples: list[Example]) -> dict[str, list[Example]]:
    grouped: dict[str, list[Example]] = {}
    for example in examples:
        grouped.setdefault(example.intent, []).append(example)
    return grouped


def test_training_covers_exactly_the_contract_intents() -> None:
    assert set(_by_intent(TRAINING)) == INTENTS


@pytest.mark.parametrize("intent", sorted(INTENTS))
def test_every_intent_has_enough_examples(intent: str) -> None:
    floor = 40 if intent in IMPORTANT_INTENTS else 30
    assert len(_by_intent(TRAINING)[intent]) >= floor


@pytest.mark.parametrize("intent", sorted(INTENTS))
def test_no_near_duplicates_within_an_intent(intent: str) -> None:
    texts = [example.normalised.split() for example in _by_intent(TRAINING)[intent]]
    close = [
        (" ".join(a), " ".join(b))
        for i, a in enumerate(texts)
        for b in texts[i + 1 :]
        if SequenceMatcher(None, a, b).ratio() >= NEAR_DUPLICATE_RATIO
    ]
    assert close == []


def test_no_sentence_is_taught_as_two_intents() -> None:
    seen: dict[str, str] = {}
    clashes = []
    for example in TRAINING:
        other = seen.setdefault(example.normalised, example.intent)
        if other != example.intent:
            clashes.append((example.plain, other, example.intent))
    assert clashes == []


def test_every_annotation_resolves_to_a_canonical_value() -> None:
    """Given the synonym table, when Rasa extracts any annotated span, the value is canonical."""
    synonyms = _synonyms()
    unresolved = []
    for example in TRAINING + HELD_OUT:
        for entity, text in example.entities:
            assert entity in CANONICAL, f"unknown entity {entity!r} in {example.source}"
            value = synonyms.get(text.lower(), text)
            if value not in CANONICAL[entity]:
                unresolved.append((example.source, entity, text))
    assert unresolved == []


def test_every_synonym_targets_a_canonical_value() -> None:
    every_value = frozenset().union(*CANONICAL.values())
    assert {value for value in _synonyms().values() if value not in every_value} == set()


def _lookups() -> dict[str, set[str]]:
    tables: dict[str, set[str]] = {}
    for path in sorted(TRAINING_DIR.glob("*.yml")):
        for item in _items(path):
            if "lookup" in item:
                tables.setdefault(item["lookup"], set()).update(
                    line.lower() for line in _lines(item["examples"])
                )
    return tables


@pytest.mark.parametrize(
    ("table", "entities"),
    [("place", ("nation", "region")), ("time_phrase", ("last_happened", "contact_time"))],
)
def test_lookup_tables_list_exactly_what_the_synonyms_map(
    table: str, entities: tuple[str, ...]
) -> None:
    """A place or time the featurizer flags always has a canonical value, and none is missed."""
    values = frozenset().union(*(CANONICAL[entity] for entity in entities))
    expected = {text for text, value in _synonyms().items() if value in values}
    expected |= {value.replace("_", " ") for value in values}
    assert _lookups()[table] == expected


def test_no_entity_is_annotated_in_immigration_examples() -> None:
    volunteered = _by_intent(TRAINING + HELD_OUT)["volunteer_immigration_status"]
    assert [example.annotated for example in volunteered if example.entities] == []


def test_most_immigration_examples_are_in_the_redacted_form() -> None:
    """The firewall redacts before Rasa, so the redacted form is what the model mostly sees."""
    volunteered = _by_intent(TRAINING)["volunteer_immigration_status"]
    redacted = [example for example in volunteered if REDACTED in example.plain]
    assert 3 * len(redacted) >= 2 * len(volunteered)


def test_held_out_sentences_are_not_near_copies_of_training() -> None:
    """A held-out figure means something only if the model never saw the sentence."""
    grouped = _by_intent(TRAINING)
    leaks = [
        (held.plain, trained.plain)
        for held in HELD_OUT
        for trained in grouped[held.intent]
        if SequenceMatcher(None, held.normalised.split(), trained.normalised.split()).ratio()
        >= HELD_OUT_LEAK_RATIO
    ]
    assert leaks == []


def test_emergency_held_out_set_is_big_enough() -> None:
    counts = {
        intent: len(examples)
        for intent, examples in _by_intent(_examples([EMERGENCY_HELDOUT])).items()
    }
    assert counts["emergency"] >= 40
    assert counts["suicidal_feelings"] >= 20


def test_general_held_out_set_covers_every_intent() -> None:
    grouped = _by_intent(_examples([HELDOUT]))
    assert set(grouped) == INTENTS
    assert min(len(examples) for examples in grouped.values()) >= 5
