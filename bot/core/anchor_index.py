"""Which rules of a lexicon can match a text, found without trying every rule.

Each phrase, and most patterns, carries anchors (``Rule.anchors`` in bot/core/lexicon.py):
literals of word characters of which every match contains one. A lexicon holds about two
thousand rules; testing each rule's anchors against each message was about a quarter of the
Rasa server's CPU (docs/PERFORMANCE.md). The index files every anchor under its first few
characters, so a text looks up only the keys it contains and checks the few anchors filed there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

_DIGIT = re.compile(r"\d")
# Anchors are filed under their first three characters (all of a shorter one): a message holds a
# few hundred distinct keys at most, and few anchors share one.
_KEY = 3


class Anchored(Protocol):
    @property
    def anchors(self) -> tuple[str, ...] | None: ...

    @property
    def needs_digit(self) -> bool: ...


class AnchorIndex:
    def __init__(self, rules: Sequence[Anchored]) -> None:
        by_anchor: dict[str, list[int]] = {}
        for index, rule in enumerate(rules):
            for anchor in rule.anchors or ():
                by_anchor.setdefault(anchor, []).append(index)
        self._by_key: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
        for anchor, indices in by_anchor.items():
            self._by_key.setdefault(anchor[:_KEY], []).append((anchor, tuple(indices)))
        self._keys = frozenset(self._by_key)
        self._key_lengths = sorted({len(key) for key in self._keys})
        # No anchor known: such a rule is tried on every text.
        self._unanchored = frozenset(i for i, rule in enumerate(rules) if rule.anchors is None)
        self._needs_digit = frozenset(i for i, rule in enumerate(rules) if rule.needs_digit)

    def select(self, text: str) -> list[int]:
        """The indices, in rule order, of the rules that may match ``text``: those with an
        anchor in it or with none, less those that need a digit when it has none."""
        grams = {
            text[start : start + length]
            for length in self._key_lengths
            for start in range(len(text) - length + 1)
        }
        selected = set(self._unanchored)
        for key in grams & self._keys:
            for anchor, indices in self._by_key[key]:
                # An anchor no longer than its key is the key itself, already found.
                if len(anchor) <= _KEY or anchor in text:
                    selected.update(indices)
        if self._needs_digit and _DIGIT.search(text) is None:
            selected -= self._needs_digit
        return sorted(selected)
