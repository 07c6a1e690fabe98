"""The immigration-status firewall: find status and its proxies in free text and cut them out.

Every piece of text a person types passes through ``Firewall.redact`` before anything stores,
logs, puts it in a slot or shows it to staff. The detector is lexical on purpose: its data files
(``data/firewall/*.yml``, format in docs/FIREWALL.md) can be read and extended by charity staff,
and it behaves the same inside the Rasa server and the front end. Only the span (or clause) that
carries the status is replaced, so the rest of an abuse account stays readable.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.core.config import DATA_DIR
from bot.core.lexicon import Lexicon, fold, is_word_char, load_lexicon

REDACTION_MARK = "(immigration detail removed)"
CATEGORIES = frozenset(
    {"visa_or_leave", "status", "document", "nationality_or_origin", "threat_using_status"}
)
# A span cut out may expose a new match across the cut; a few passes always reach a fixed point
# on real text, and the cap keeps adversarial input from looping.
_MAX_PASSES = 4
_REPEATED_MARKS = re.compile(
    re.escape(REDACTION_MARK) + r"(?:[ \t]*" + re.escape(REDACTION_MARK) + ")+"
)


@dataclass(frozen=True)
class Redaction:
    text: str
    categories: frozenset[str]

    @property
    def changed(self) -> bool:
        return bool(self.categories)


class Firewall:
    def __init__(self, lexicon: Lexicon) -> None:
        self._lexicon = lexicon

    @classmethod
    def from_directory(cls, lexicon_dir: Path) -> Firewall:
        """Load ``lexicon_dir/*.yml``; raises ``DataFileError`` on a missing or malformed file."""
        return cls(load_lexicon(lexicon_dir, CATEGORIES))

    def redact(self, text: str) -> Redaction:
        categories: set[str] = set()
        for _ in range(_MAX_PASSES):
            pieces = text.split(REDACTION_MARK)
            redacted = [self._redact_piece(piece, categories) for piece in pieces]
            new_text = _REPEATED_MARKS.sub(REDACTION_MARK, REDACTION_MARK.join(redacted))
            if new_text == text:
                break
            text = new_text
        return Redaction(text, frozenset(categories))

    def contains_immigration_detail(self, text: str) -> bool:
        return any(self._spans(piece) for piece in text.split(REDACTION_MARK))

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        folded = fold(text)
        spans = []
        for hit in self._lexicon.find(folded.text):
            start, end = folded.original_span(hit.start, hit.end)
            spans.append((*_whole_words(text, start, end), hit.category))
        return spans

    def _redact_piece(self, text: str, categories: set[str]) -> str:
        spans = self._spans(text)
        if not spans:
            return text
        categories.update(category for _, _, category in spans)
        out: list[str] = []
        cursor = 0
        for start, end in _merged((start, end) for start, end, _ in spans):
            out.append(text[cursor:start])
            out.append(REDACTION_MARK)
            cursor = end
        out.append(text[cursor:])
        return "".join(out)


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span to whole words, so no stem or suffix of a removed word is left behind."""
    while start > 0 and is_word_char(text[start - 1]):
        start -= 1
    while end < len(text) and is_word_char(text[end]):
        end += 1
    return start, end


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


@functools.lru_cache(maxsize=1)
def default_firewall() -> Firewall:
    return Firewall.from_directory(DATA_DIR / "firewall")


def run_redaction_filter(stdin: TextIO, stdout: TextIO) -> int:
    """Copy ``stdin`` to ``stdout`` line by line, redacted; undecodable bytes become U+FFFD."""
    for stream in (stdin, stdout):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    firewall = default_firewall()
    for line in stdin:
        body = line.rstrip("\r\n")
        stdout.write(firewall.redact(body).text + "\n")
        stdout.flush()
    return 0
