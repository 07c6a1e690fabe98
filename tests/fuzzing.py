"""Hypothesis strategies for the fuzz tests, the settings they run under, and the counts
`make soak` prints.

The strategies lean on what breaks parsers: empty and huge values, wrong JSON types, control
characters, lone surrogates, right-to-left marks, slashes that Rasa reads as commands, and the
immigration words the firewall must catch. Each target runs one ``@given`` function (built by
``fuzz``) inside its pytest test, so its servers start once for all inputs and the checks that
need every input done (nothing in clear, the canary answered) run after the last one.

Inputs per target: a normal run takes ``short`` (150-200); ``LANTERN_SOAK=1`` (``make soak``)
takes ``soak``, split by what one input costs, so that the four add up to 100,000 in about
12-20 minutes. Measured with ``LANTERN_SOAK=1``, one target at a time, on the shared 2-core
machine while other work ran (load average 3-4.5; docs/RELIABILITY.md):

=====================  ===============  ===========  ========
target                 per input        soak inputs  wall
=====================  ===============  ===========  ========
CLI parsers            1.9 ms           50,000       93 s
front-door channel     15 ms            30,000       458 s
console forms          13 ms            12,000       159 s
front end's updates    42 ms            8,000        337 s
=====================  ===============  ===========  ========

The fast targets take the most; the two that drive a real server per input (the console
through Starlette's test client, the front end over HTTP with its queue behind it) take
fewer.

All four in one run: 100,000 inputs in 695 s. ``LANTERN_FUZZ_EXAMPLES`` sets the count
outright. The runs are derandomized (seeded from each test, not the clock, so CI does not
meet new inputs every run); ``LANTERN_FUZZ_SEED`` picks other inputs. Nothing is
kept between runs (``database=None``), and a failure prints Hypothesis's shrunk input.
"""

from __future__ import annotations

import functools
import os
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

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
ALPHABETS = [
    string.printable,
    string.ascii_letters + " ",
    "".join(chr(c) for c in range(0x600, 0x6FF)),  # Arabic script
    "".join(chr(c) for c in range(0x980, 0x9FF)),  # Bengali
    "".join(chr(c) for c in range(0, 0x20)) + "\u200b\u200e\u200f\u2028\ufeff",
    "ąęłńóśźżĄĘŁŃ ",
    "ab \ud800\udbff\udc00\udfff",  # lone surrogates: what no browser sends, an attacker can
]

SHORT = 200


def soak() -> bool:
    return os.environ.get("LANTERN_SOAK") == "1"


def examples(short: int, soak_count: int) -> int:
    """Inputs per target in this run; ``LANTERN_FUZZ_EXAMPLES`` sets it outright."""
    if os.environ.get("LANTERN_FUZZ_EXAMPLES"):
        return int(os.environ["LANTERN_FUZZ_EXAMPLES"])
    return soak_count if soak() else short


# Strategies are built once and kept: building one (its alphabet, its label) costs more than
# drawing from it, and the composites below draw many per input.
@functools.cache
def text(max_len: int = 60) -> st.SearchStrategy[str]:
    """A string: awkward, immigration, or characters from several scripts and planes."""
    phrase = st.builds(
        "{}{}{}".format,
        st.sampled_from(["", "hello ", "help, "]),
        st.sampled_from(IMMIGRATION),
        st.sampled_from(["", "."]),
    )
    scripts = [st.text(st.sampled_from(alphabet), max_size=max_len) for alphabet in ALPHABETS]
    return weighted(
        (3, st.sampled_from(AWKWARD)),
        (3, phrase),
        *((2, script) for script in scripts),
        (2, st.text(max_size=max_len)),  # any code point Hypothesis picks, surrogates aside
    )


@functools.cache
def scalar() -> st.SearchStrategy[Any]:
    return weighted(
        (9, st.sampled_from([None, True, False, 0, -1, 2**63, -(2**70), 1.5, float("1e308")])),
        (1, st.integers(-1000, 10**12)),
        (1, text(20)),
    )


@functools.cache
def json_value() -> st.SearchStrategy[Any]:
    """Any JSON value, nested a little."""
    return st.recursive(
        scalar(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text(8), inner, max_size=3),
        max_leaves=8,
    )


def maybe(good: st.SearchStrategy[Any], odds: int = 3) -> st.SearchStrategy[Any]:
    """Usually a well-formed value (``odds`` to one), sometimes any JSON value at all."""
    return weighted((odds, good), (1, json_value()))


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each as likely as its weight. (``st.one_of`` gives every leaf of
    nested one_ofs the same odds, so a ``text()`` inside would swamp its siblings.)"""
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(
        lambda chosen: chosen
    )


@dataclass
class Tally:
    """Inputs fed to one target and how many failed, printed at the end of the run (a failing
    input counts once for each time Hypothesis ran it while shrinking)."""

    target: str
    inputs: int = 0
    failures: int = 0

    def line(self) -> str:
        return f"fuzz {self.target}: {self.inputs} inputs, {self.failures} failures"


TALLIES: list[Tally] = []


def fuzz(
    target: str, *strategies: st.SearchStrategy[Any], short: int = SHORT, soak: int
) -> Callable[[Callable[..., None]], Callable[[], None]]:
    """``@given(*strategies)`` under the fuzz settings, counting every input in a Tally."""
    counted = Tally(target)
    TALLIES.append(counted)

    def decorate(check: Callable[..., None]) -> Callable[[], None]:
        @functools.wraps(check)
        def one_input(*args: Any, **drawn: Any) -> None:
            counted.inputs += 1
            try:
                check(*args, **drawn)
            except BaseException:
                counted.failures += 1
                raise

        run = settings(
            max_examples=examples(short, soak),
            database=None,  # nothing written under the repository, and each run starts afresh
            deadline=None,  # a real server's input can take a second on a loaded machine
            derandomize="LANTERN_FUZZ_SEED" not in os.environ,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.large_base_example,
            ],
            print_blob=False,
        )(given(*strategies)(one_input))
        if "LANTERN_FUZZ_SEED" in os.environ:
            run = seed(int(os.environ["LANTERN_FUZZ_SEED"]))(run)
        return run

    return decorate
