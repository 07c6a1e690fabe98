"""One model per language against the one multilingual model: held-out intent accuracy of each.

A measurement, not a test (issue 10: "one multilingual model or one per language: decide by
measurement"). For every language it trains an NLU-only model on that language's data alone
(``data/nlu/<code>``, same config.yml) and scores it on the same held-out file that
``make nlu-languages`` scores the shipped multilingual model on; run that first, so both columns
come from the same data. Writes docs/results/nlu_per_language.md. Takes about 10 minutes on 2
cores: ``make nlu-per-language``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from rasa.core.agent import Agent
from rasa.model_training import train_nlu
from rasa.utils.log_utils import configure_structlog

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The path line above lets this script import its sibling when run as a script.
from nlu_by_language import ROOT, held_out_files, held_out_result

MULTILINGUAL = ROOT / "var" / "results" / "nlu_by_language.json"
OUT = ROOT / "docs" / "results" / "nlu_per_language.md"
TARGET = 0.85


def summary(pairs: list[tuple[float, float]]) -> list[str]:
    """Mean and worst language of each column, and how many languages miss issue 10's 0.85."""
    own, shared = [a for a, _ in pairs], [s for _, s in pairs]
    return [
        f"- mean: its own model {sum(own) / len(own):.3f}, the multilingual model "
        f"{sum(shared) / len(shared):.3f}",
        f"- worst language: its own model {min(own)}, the multilingual model {min(shared)}",
        f"- below 0.85: its own model {sum(a < TARGET for a in own)}, the multilingual model "
        f"{sum(s < TARGET for s in shared)}",
    ]


def main() -> None:
    configure_structlog(logging.WARNING)
    if not MULTILINGUAL.exists():
        sys.exit("run `make nlu-languages` first: it scores the multilingual model")
    shared = json.loads(MULTILINGUAL.read_text(encoding="utf-8"))
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for code, path in held_out_files().items():
            started = time.monotonic()
            model = train_nlu(
                str(ROOT / "config.yml"),
                str(ROOT / "data" / "nlu" / code),
                out,
                fixed_model_name=f"nlu-{code}",
                domain=str(ROOT / "domain"),
            )
            seconds = time.monotonic() - started
            alone = asyncio.run(held_out_result(Agent.load(model), path))
            rows.append((code, alone["accuracy"], shared[code]["accuracy"], seconds))
            print(f"{code:8} alone {alone['accuracy']}  shared {shared[code]['accuracy']}")
    lines = [
        "# One model per language, or one for all",
        "",
        "Held-out intent accuracy (tests/nlu/heldout*.yml) of an NLU model trained on one",
        "language's data alone, against the shipped model trained on all twelve. Written by",
        "`make nlu-per-language` (bench/nlu_per_language.py).",
        "",
        "| language | its own model | the multilingual model | training its own (s) |",
        "|---|---|---|---|",
        *(f"| {c} | {a} | {s} | {t:.0f} |" for c, a, s, t in rows),
        "",
        *summary([(a, s) for _, a, s, _ in rows]),
    ]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written: {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
