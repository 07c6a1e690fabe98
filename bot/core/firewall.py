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

import bisect
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

# A sentence ends at a full stop, question or exclamation mark followed by a space ("U.K." and
# "n.r.p.f" stay whole), or at a line break.
_SENTENCE_END = re.compile(r"[.!?\u061f\u06d4\u0964]+[ \t\r\n]+|\n[ \t\r\n]*")


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
        # Rules whose anchor the text lacks cannot match any part of it: dropped once, so each
        # sentence below is matched against the few rules that can hit, not all of them.
        lexicon = self._lexicon.narrowed(fold(text).text)
        sentences = _sentences(text)
        # Most messages are one sentence: narrowing again on the same text would change nothing.
        out = [
            _redact_sentence(
                lexicon if len(sentences) == 1 else lexicon.narrowed(fold(sentence).text),
                sentence,
                categories,
            )
            for sentence in sentences
        ]
        # A withheld document is reported as a document plus the flag, never as its own kind.
        withheld = _WITHHELD in categories
        categories.discard(_WITHHELD)
        if withheld:
            categories.add("document")
        text = _REPEATED_MARKS.sub(REDACTION_MARK, "".join(out))
        return Redaction(text, frozenset(categories), withheld)

    def contains_immigration_detail(self, text: str) -> bool:
        return any(_spans(self._lexicon, piece) for piece in text.split(REDACTION_MARK))


def _sentences(text: str) -> list[str]:
    """The text cut after each sentence end and line break; joined they give the text back.

    A clause never crosses a sentence end, so each sentence is redacted on its own: a long
    text costs the sum of its sentences, not a re-scan of the whole for every cut."""
    sentences = []
    cursor = 0
    for match in _SENTENCE_END.finditer(text):
        sentences.append(text[cursor : match.end()])
        cursor = match.end()
    if cursor < len(text) or not sentences:
        sentences.append(text[cursor:])
    return sentences


def _redact_sentence(lexicon: Lexicon, text: str, categories: set[str]) -> str:
    if not lexicon.rules and not lexicon.fuzzy:
        return text
    # ``lexicon`` was narrowed on this sentence, which holds every piece matched below.
    first = _spans(lexicon, text, narrowed=True) if REDACTION_MARK not in text else None
    if first is not None and not first:
        return text
    for _ in range(_MAX_PASSES):
        pieces = text.split(REDACTION_MARK)
        redacted = [
            _redact_piece(lexicon, piece, categories, first if len(pieces) == 1 else None)
            for piece in pieces
        ]
        first = None
        new_text = _REPEATED_MARKS.sub(REDACTION_MARK, REDACTION_MARK.join(redacted))
        if new_text == text:
            break
        text = new_text
    return text


def _spans(lexicon: Lexicon, text: str, *, narrowed: bool = False) -> list[tuple[int, int, str]]:
    folded = fold(text)
    spans = []
    for hit in lexicon.find(folded.text, narrowed=narrowed):
        start, end = folded.original_span(hit.start, hit.end)
        spans.append((*_whole_words(text, start, end), hit.category))
    return spans


def _redact_piece(
    lexicon: Lexicon,
    text: str,
    categories: set[str],
    spans: list[tuple[int, int, str]] | None = None,
) -> str:
    spans = _spans(lexicon, text, narrowed=True) if spans is None else spans
    if not spans:
        return text
    categories.update(category for _, _, category in spans)
    out: list[str] = []
    cursor = 0
    for start, end in _merged(_scoped(lexicon, text, spans)):
        out.append(text[cursor:start])
        out.append(REDACTION_MARK)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _scoped(
    lexicon: Lexicon, text: str, spans: list[tuple[int, int, str]]
) -> list[tuple[int, int]]:
    """Widen each status span to its clause; word-scope spans and documents inside them stay."""
    word_level = _merged((s, e) for s, e, category in spans if category in _WORD_SCOPE)
    word_starts = [s for s, _ in word_level]
    bounds = _Bounds(_clause_bounds(lexicon, text), len(text))
    scoped = list(word_level)
    for start, end, category in spans:
        if category in _WORD_SCOPE:
            continue
        if category == "document" and _overlaps(word_level, word_starts, start, end):
            scoped.append((start, end))
            continue
        scoped.append(bounds.clause(text, start, end))
    return scoped


def _overlaps(merged: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps one of the sorted, disjoint ``merged`` spans."""
    index = bisect.bisect_left(starts, end) - 1
    return index >= 0 and merged[index][1] > start


def _clause_bounds(lexicon: Lexicon, text: str) -> list[tuple[int, int]]:
    folded = fold(text)
    return [folded.original_span(start, end) for start, end in lexicon.clause_bounds(folded.text)]


class _Bounds:
    """The clause breaks of one text, sorted for binary search (a long text has many)."""

    def __init__(self, bounds: list[tuple[int, int]], length: int) -> None:
        self._ends = sorted(end for _, end in bounds)
        self._starts = sorted(start for start, _ in bounds)
        self._length = length

    def clause(self, text: str, start: int, end: int) -> tuple[int, int]:
        """The clause around ``text[start:end]``: from the break before it to the break after
        it, without the breaks themselves and the spaces next to them."""
        before = bisect.bisect_right(self._ends, start) - 1
        after = bisect.bisect_left(self._starts, end)
        clause_start = self._ends[before] if before >= 0 else 0
        clause_end = self._starts[after] if after < len(self._starts) else self._length
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
