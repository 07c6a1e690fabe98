"""Seconds the firewall takes to redact 1 MB of mixed text (abuse told beside a status word).

A benchmark, not a test: run ``.venv/bin/python bench/firewall_bench.py``; the README quotes it.
tests/core/test_firewall.py checks what the same input comes out as.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The path line above makes the checkout importable when run as a script.
from bot.core.firewall import default_firewall

CHUNK = "he shouted at me in the kitchen and took my spouse visa letter. "
RUNS = 3


def main() -> None:
    firewall = default_firewall()
    text = CHUNK * (1_000_000 // len(CHUNK))
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        firewall.redact(text)
        timings.append(time.perf_counter() - started)
    print(f"firewall, 1 MB: median {statistics.median(timings):.2f} s over {RUNS} runs")


if __name__ == "__main__":
    main()
