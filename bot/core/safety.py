"""The safety net: spot danger, an unsafe moment or suicidal feelings in any message and language.

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
    """Most urgent first: a message with several signals gets the first one's answer.

    DANGER needs every 999 route, so it wins. NOT_SAFE (the abuser is here or coming) wins over
    SUICIDAL because anything long on the screen now can be seen by him; its short line keeps
    999 and the Samaritans number, so a suicidal person loses neither.
    """

    DANGER = "danger"
    NOT_SAFE = "not_safe"
    SUICIDAL = "suicidal"


class PlannedHarm(enum.Enum):
    """Danger that is planned rather than happening: both are answered as DANGER, with 999
    first and then the service that knows this harm (actions/safety.py)."""

    FGM = "fgm_planned"
    FORCED_MARRIAGE = "forced_marriage_planned"


_URGENCY = {signal.value: rank for rank, signal in enumerate(SafetySignal)}
_URGENCY.update(dict.fromkeys((harm.value for harm in PlannedHarm), 0))


class SafetyNet:
    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon

    @classmethod
    def from_directory(cls, pattern_dir: Path) -> SafetyNet:
        """Load ``pattern_dir/*.yml``; raises ``DataFileError`` on a missing or malformed file."""
        return cls(load_lexicon(pattern_dir, frozenset(_URGENCY)))

    def check(self, text: str) -> SafetySignal | None:
        """The most urgent signal in ``text`` (see SafetySignal's order); None when none."""
        best: int | None = None
        for hit in self._lexicon.find(fold(text).text):
            rank = _URGENCY[hit.category]
            if best is None or rank < best:
                best = rank
            if best == 0:
                break
        return None if best is None else list(SafetySignal)[best]

    def planned_harm(self, text: str) -> frozenset[PlannedHarm]:
        """The planned harms ``text`` names (travel abroad to be cut, to be married off)."""
        names = {harm.value for harm in PlannedHarm}
        return frozenset(
            PlannedHarm(hit.category)
            for hit in self._lexicon.find(fold(text).text)
            if hit.category in names
        )


@functools.lru_cache(maxsize=1)
def default_safety_net() -> SafetyNet:
    return SafetyNet.from_directory(DATA_DIR / "safety")
