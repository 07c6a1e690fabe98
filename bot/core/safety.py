"""The safety net: spot immediate danger or suicidal feelings in any message, in any language.

It runs on every message, inside Rasa (as an NLU component) and in the front end when Rasa is
down, so it is a plain lexical matcher over ``data/safety/*.yml`` (same phrase syntax as the
firewall, docs/FIREWALL.md). Recall matters more than precision: a false alarm costs the person
one extra message with 999 on it, a miss can cost a life.
"""

from __future__ import annotations

import enum
import functools
from pathlib import Path

from bot.core.config import DATA_DIR
from bot.core.lexicon import Lexicon, fold, load_lexicon


class SafetySignal(enum.Enum):
    DANGER = "danger"
    SUICIDAL = "suicidal"


class SafetyNet:
    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon

    @classmethod
    def from_directory(cls, pattern_dir: Path) -> SafetyNet:
        """Load ``pattern_dir/*.yml``; raises ``DataFileError`` on a missing or malformed file."""
        categories = frozenset(signal.value for signal in SafetySignal)
        return cls(load_lexicon(pattern_dir, categories))

    def check(self, text: str) -> SafetySignal | None:
        """The most urgent signal in ``text``: DANGER wins over SUICIDAL; None when neither."""
        found: SafetySignal | None = None
        for hit in self._lexicon.find(fold(text).text):
            found = SafetySignal(hit.category)
            if found is SafetySignal.DANGER:
                break
        return found


@functools.lru_cache(maxsize=1)
def default_safety_net() -> SafetyNet:
    return SafetyNet.from_directory(DATA_DIR / "safety")
