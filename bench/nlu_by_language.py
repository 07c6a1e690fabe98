"""Held-out intent accuracy per language, through the trained model's whole NLU pipeline.

A measurement, not a test: ``make nlu-languages`` runs it in the Rasa venv and the README's
language table quotes it. The held-out files (tests/nlu/heldout.yml for English,
tests/nlu/heldout_<code>.yml for the others) are never copied into data/nlu. The model is loaded
once, where `rasa test nlu` would load it once per file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.log_utils import configure_structlog

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ROOT / "tests" / "nlu"


def held_out_files() -> dict[str, Path]:
    files = {"en": HELD_OUT / "heldout.yml"}
    files.update(
        {path.stem.removeprefix("heldout_"): path for path in HELD_OUT.glob("heldout_*.yml")}
    )
    return dict(sorted(files.items()))


async def held_out_result(agent: Agent, path: Path) -> dict[str, object]:
    """Accuracy of ``agent`` on one held-out file, with the messages it got wrong."""
    examples = load_data(str(path)).intent_examples
    misses = []
    for example in examples:
        parsed = await agent.parse_message(example.get("text"))
        got = (parsed.get("intent") or {}).get("name")
        if got != example.get("intent"):
            misses.append({"text": example.get("text"), "want": example.get("intent"), "got": got})
    right = len(examples) - len(misses)
    return {
        "examples": len(examples),
        "accuracy": round(right / len(examples), 3) if examples else None,
        "misses": misses,
    }


async def measure(model: Path) -> dict[str, dict[str, object]]:
    agent = Agent.load(str(model))
    return {code: await held_out_result(agent, path) for code, path in held_out_files().items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "lantern.tar.gz")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "var" / "results" / "nlu_by_language.json"
    )
    args = parser.parse_args()
    # Rasa's parse log at debug level quotes every message; these are test sentences, but the
    # table is what is wanted.
    configure_structlog(logging.WARNING)
    results = asyncio.run(measure(args.model))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"{'language':10} {'examples':>8} {'accuracy':>8}")
    for code, result in results.items():
        print(f"{code:10} {result['examples']:>8} {result['accuracy']!s:>8}")
    print(f"misclassified examples: {args.out}")
    sys.exit(0)


if __name__ == "__main__":
    main()
