"""Measure the firewall on the labelled corpus: ``python -m bot.core.firewall_eval [--json]``.

Recall is the share of positive cases where every must-remove substring is gone after redaction;
over-redaction is the share of benign cases that came out changed at all. Both are reported
overall, per language, per corpus file and per split (``tune`` may be looked at while extending
the lexicons, ``heldout`` must not be).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.config import PROJECT_ROOT
from bot.core.errors import DataFileError
from bot.core.firewall import REDACTION_MARK, Firewall, default_firewall

CORPUS_DIR = PROJECT_ROOT / "tests" / "data"
# Every ``firewall_corpus*.yml`` file there; the held-out files were written before the lexicons
# they measure (docs/FIREWALL.md).
CORPUS_GLOB = "firewall_corpus*.yml"


@dataclass(frozen=True)
class CorpusCase:
    text: str
    lang: str
    split: str
    category: str | None
    remove: tuple[str, ...]
    withheld: bool = False
    source: str = ""  # the corpus file's name, for the per-file figures

    @property
    def positive(self) -> bool:
        return bool(self.remove)


@dataclass
class Score:
    positives: int = 0
    recalled: int = 0
    benign: int = 0
    changed: int = 0

    @property
    def recall(self) -> float:
        return self.recalled / self.positives if self.positives else 1.0

    @property
    def over_redaction(self) -> float:
        return self.changed / self.benign if self.benign else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "positives": self.positives,
            "recall": round(self.recall, 4),
            "benign": self.benign,
            "over_redaction": round(self.over_redaction, 4),
        }


@dataclass
class Report:
    overall: Score = field(default_factory=Score)
    by_lang: dict[str, Score] = field(default_factory=dict)
    by_split: dict[str, Score] = field(default_factory=dict)
    by_file: dict[str, Score] = field(default_factory=dict)
    category_misses: int = 0
    failures: list[tuple[CorpusCase, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "overall": self.overall.as_dict(),
            "category_misses": self.category_misses,
            "by_split": {k: v.as_dict() for k, v in sorted(self.by_split.items())},
            "by_lang": {k: v.as_dict() for k, v in sorted(self.by_lang.items())},
            "by_file": {k: v.as_dict() for k, v in sorted(self.by_file.items())},
        }


def corpus_files() -> list[Path]:
    return sorted(CORPUS_DIR.glob(CORPUS_GLOB))


def load_corpus(paths: Iterable[Path] | None = None) -> list[CorpusCase]:
    return [case for path in paths or corpus_files() for case in _load_file(path)]


def _load_file(path: Path) -> list[CorpusCase]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        return [
            CorpusCase(
                text=str(raw["text"]),
                lang=str(raw["lang"]),
                split=str(raw.get("split", "tune")),
                category=raw.get("category"),
                remove=tuple(str(item) for item in raw.get("remove", [])),
                withheld=bool(raw.get("withheld", False)),
                source=path.name,
            )
            for raw in document["cases"]
        ]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise DataFileError(f"{path}: not a readable firewall corpus ({error})") from error


def evaluate(firewall: Firewall, cases: Iterable[CorpusCase]) -> Report:
    report = Report()
    for case in cases:
        redaction = firewall.redact(case.text)
        scores = (
            report.overall,
            report.by_lang.setdefault(case.lang, Score()),
            report.by_split.setdefault(case.split, Score()),
            report.by_file.setdefault(case.source, Score()),
        )
        if case.positive:
            # The mark itself says "immigration": only what the person wrote may not remain.
            folded = redaction.text.replace(REDACTION_MARK, " ").casefold()
            left = [item for item in case.remove if item.casefold() in folded]
            for score in scores:
                score.positives += 1
                score.recalled += not left
            if left:
                report.failures.append((case, redaction.text))
            elif case.category and case.category not in redaction.categories:
                report.category_misses += 1
        else:
            for score in scores:
                score.benign += 1
                score.changed += redaction.text != case.text
            if redaction.text != case.text:
                report.failures.append((case, redaction.text))
    return report


def _format(report: Report) -> str:
    def line(name: str, score: Score) -> str:
        return (
            f"{name:<14} recall {score.recall:6.1%} ({score.recalled}/{score.positives})   "
            f"over-redaction {score.over_redaction:5.1%} ({score.changed}/{score.benign})"
        )

    lines = [line("overall", report.overall)]
    lines += [line(f"split {name}", score) for name, score in sorted(report.by_split.items())]
    lines += [line(f"  {name}", score) for name, score in sorted(report.by_lang.items())]
    lines += [line(f"file {name}", score) for name, score in sorted(report.by_file.items())]
    lines.append(f"positives without their expected category: {report.category_misses}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--corpus", type=Path, action="append", help="a corpus file (repeatable; default: all)"
    )
    parser.add_argument("--split", help="only evaluate cases of this split")
    parser.add_argument(
        "--failures", action="store_true", help="also list failing cases (use with --split tune)"
    )
    args = parser.parse_args(argv)
    cases = [c for c in load_corpus(args.corpus) if args.split in (None, c.split)]
    report = evaluate(default_firewall(), cases)
    print(json.dumps(report.as_dict(), indent=2) if args.json else _format(report))
    if args.failures:
        for case, redacted in report.failures:
            print(f"FAIL [{case.lang}] {case.text!r} -> {redacted!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
