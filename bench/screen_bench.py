"""Microseconds per message for the lexicon checks a turn makes, over every NLU example.

A benchmark, not a test: run ``.venv/bin/python bench/screen_bench.py``; docs/PERFORMANCE.md
quotes it. Each message (data/nlu/**, all languages) goes through what the front-door channel
and the SafetyNet NLU component do with it: ``screen_incoming`` on the typed text, then
``intent_override`` on what Rasa gets. The firewall and the safety net are also timed alone.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The path line above makes the checkout importable when run as a script.
from bot.core.firewall import default_firewall
from bot.core.safety import default_safety_net
from bot.core.turn_rules import intent_override, screen_incoming
from tests.support_lexicon import nlu_examples

RUNS = 3


def main() -> None:
    firewall, net = default_firewall(), default_safety_net()
    texts = nlu_examples()

    def turn(text: str) -> None:
        screened = screen_incoming(text, firewall, net)
        intent_override(screened.text, net, firewall, screened.metadata)

    checks: dict[str, Callable[[str], object]] = {
        "a turn's checks (screen_incoming + intent_override)": turn,
        "firewall.redact": firewall.redact,
        "safety_net.check": net.check,
    }
    print(f"{len(texts)} messages (data/nlu/**), median of {RUNS} runs")
    for name, check in checks.items():
        for text in texts:  # warm the caches (folded characters) before timing
            check(text)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            for text in texts:
                check(text)
            timings.append(time.perf_counter() - started)
        per_message = statistics.median(timings) / len(texts) * 1e6
        print(f"{name}: {per_message:,.0f} µs per message")


if __name__ == "__main__":
    main()
