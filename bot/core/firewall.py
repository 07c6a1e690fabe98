"""The immigration-status firewall: find status and its proxies in free text and cut them out.

Every piece of text a person types passes through ``Firewall.redact`` before anything stores,
logs, puts it in a slot or shows it to staff. The detector is lexical on purpose: its data files
(``data/firewall/*.yml``, format in docs/FIREWALL.md) can be read and extended by charity staff,
and it behaves the same inside the Rasa server and the front end. The whole clause that carries
status is replaced (a fragment like "seeker" or "Tier 2" would still betray it), so the other
clauses of an abuse account stay readable. A document someone takes or hides is cut out as a word
only: the abuse ("he took my ...") stays readable and ``withheld_documents`` records it.
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
    {
        "visa_or_leave",
        "status",
        "document",
        "nationality_or_origin",
        "threat_using_status",
        "withheld_documents",
    }
)
# A lexicon category that only raises the flag: its hits are reported as "document".
_WITHHELD = "withheld_documents"
# Hits of these categories are cut as words: an origin word or a withheld document carries no
# status on its own, and the words around it (who hit, who took) matter to the report.
_WORD_SCOPE = frozenset({"nationality_or_origin", _WITHHELD})
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
    # True when the text says someone takes, hides, keeps or destroys the person's documents.
    withheld_documents: bool = False

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
        withheld = any(hit[2] == _WITHHELD for hit in self._spans(text))
        for _ in range(_MAX_PASSES):
            pieces = text.split(REDACTION_MARK)
            redacted = [self._redact_piece(piece, categories) for piece in pieces]
            new_text = _REPEATED_MARKS.sub(REDACTION_MARK, REDACTION_MARK.join(redacted))
            if new_text == text:
                break
            text = new_text
        categories.discard(_WITHHELD)
        if withheld:
            categories.add("document")
        return Redaction(text, frozenset(categories), withheld)

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
        for start, end in _merged(self._scoped(text, spans)):
            out.append(text[cursor:start])
            out.append(REDACTION_MARK)
            cursor = end
        out.append(text[cursor:])
        return "".join(out)

    def _scoped(self, text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
        """Widen each status span to its clause; word-scope spans and documents inside them stay."""
        word_level = [(s, e) for s, e, category in spans if category in _WORD_SCOPE]
        bounds = self._clause_bounds(text)
        scoped = list(word_level)
        for start, end, category in spans:
            if category in _WORD_SCOPE:
                continue
            if category == "document" and any(s < end and start < e for s, e in word_level):
                scoped.append((start, end))
                continue
            scoped.append(_clause(text, start, end, bounds))
        return scoped

    def _clause_bounds(self, text: str) -> list[tuple[int, int]]:
        folded = fold(text)
        return sorted(
            folded.original_span(start, end)
            for start, end in self._lexicon.clause_bounds(folded.text)
        )


def _clause(text: str, start: int, end: int, bounds: list[tuple[int, int]]) -> tuple[int, int]:
    """The clause around ``text[start:end]``: from the break before it to the break after it,
    without the breaks themselves and the spaces next to them."""
    clause_start = max((e for s, e in bounds if e <= start), default=0)
    clause_end = min((s for s, e in bounds if s >= end), default=len(text))
    while clause_start < start and text[clause_start].isspace():
        clause_start += 1
    while clause_end > end and text[clause_end - 1].isspace():
        clause_end -= 1
    return clause_start, clause_end


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
