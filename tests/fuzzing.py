"""Generated input for the fuzz tests, and the counts `make soak` prints.

Hypothesis is not among the project's hash-pinned dependencies, so the inputs come from a
seeded ``random.Random``: the same seed gives the same inputs, and a failure prints the seed
and the input's number so it can be run again. The generators lean on what breaks parsers:
empty and huge values, wrong JSON types, control characters, lone surrogates, right-to-left
marks, slashes that Rasa reads as commands, and the immigration words the firewall must catch.

A normal run takes ``SHORT`` inputs per target (fewer where each is slow); ``LANTERN_SOAK=1``
(``make soak``) takes ``SOAK`` per target, four targets, so at least 100,000 in all.
"""

from __future__ import annotations

import os
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SHORT = 200
SOAK = 25_000
SEED = int(os.environ.get("LANTERN_FUZZ_SEED", "20261203"))

# Words the firewall must keep out of anything stored or sent to staff (docs/THREAT_MODEL.md).
IMMIGRATION = [
    "my visa runs out",
    "I have no recourse to public funds",
    "he keeps my passport",
    "I claimed asylum",
    "my leave to remain",
    "NRPF",
    "I am from Syria",
    "my spouse visa",
    "/spouse_visa",
    "he took my documents",
]
AWKWARD = [
    "",
    " ",
    "/",
    "/start",
    "/exit",
    "/forget",
    "/help",
    "/language",
    "/restart",
    '/inform{"urgency":"high"}',
    "/greet",
    "999",
    "he has a knife",
    "\u202e\u2066right to left\u2069",
    "\x00\x01\x7f",
    "\ud800",
    "\U0001f600" * 50,
    "a" * 5000,
    "{}",
    "null",
    "<script>alert(1)</script>",
    "'; DROP TABLE handoffs; --",
    "%s%s%n",
    "\r\n\r\n",
    "ﷺ" * 200,
]


def examples(short: int = SHORT) -> int:
    """Inputs per target in this run; ``LANTERN_FUZZ_EXAMPLES`` sets it outright."""
    if os.environ.get("LANTERN_FUZZ_EXAMPLES"):
        return int(os.environ["LANTERN_FUZZ_EXAMPLES"])
    return SOAK if soak() else short


def soak() -> bool:
    return os.environ.get("LANTERN_SOAK") == "1"


def rng(target: str) -> random.Random:
    return random.Random(f"{SEED}:{target}")  # noqa: S311 - test input, not secrets


def text(r: random.Random, max_len: int = 60) -> str:
    """A string: awkward, immigration, or random characters from several planes."""
    pick = r.random()
    if pick < 0.15:
        return r.choice(AWKWARD)
    if pick < 0.3:
        return f"{r.choice(['', 'hello ', 'help, '])}{r.choice(IMMIGRATION)}{r.choice(['', '.'])}"
    alphabet = r.choice(
        [
            string.printable,
            string.ascii_letters + " ",
            "".join(chr(c) for c in range(0x600, 0x6FF)),  # Arabic script
            "".join(chr(c) for c in range(0x980, 0x9FF)),  # Bengali
            "".join(chr(c) for c in range(0, 0x20)) + "\u200b\u200e\u200f\u2028\ufeff",
            "ąęłńóśźżĄĘŁŃ ",
        ]
    )
    return "".join(r.choice(alphabet) for _ in range(r.randint(0, max_len)))


def scalar(r: random.Random) -> Any:
    return r.choice(
        [
            None,
            True,
            False,
            0,
            -1,
            2**63,
            -(2**70),
            r.randint(-1000, 10**12),
            1.5,
            float("1e308"),
            text(r, 20),
        ]
    )


def json_value(r: random.Random, depth: int = 0) -> Any:
    """Any JSON value, nested a little."""
    pick = r.random()
    if depth > 2 or pick < 0.6:
        return scalar(r)
    if pick < 0.8:
        return [json_value(r, depth + 1) for _ in range(r.randint(0, 3))]
    return {text(r, 8): json_value(r, depth + 1) for _ in range(r.randint(0, 3))}


def maybe(r: random.Random, good: Callable[[], Any], chance: float = 0.75) -> Any:
    """Usually a well-formed value, sometimes any JSON value at all."""
    return good() if r.random() < chance else json_value(r)


@dataclass
class Tally:
    """Inputs fed to one target and what went wrong, printed at the end of the run."""

    target: str
    inputs: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, number: int, what: str) -> None:
        if len(self.failures) < 20:  # enough to debug; the count is what matters
            self.failures.append(f"input {number} (seed {SEED}): {what}")
        else:
            self.failures.append("")

    def line(self) -> str:
        return f"fuzz {self.target}: {self.inputs} inputs, {len(self.failures)} failures"


TALLIES: list[Tally] = []


def tally(target: str) -> Tally:
    counted = Tally(target)
    TALLIES.append(counted)
    return counted
