"""Text folding and the phrase lexicons shared by the firewall and the safety net.

Both read a directory of YAML files written by charity staff (format: docs/FIREWALL.md). Matching
always happens on a *folded* copy of the text (NFKD, case folded, Latin accents and Arabic
harakat dropped, Arabic-script letter variants unified, invisible characters removed) that keeps,
for every folded character, the index of the original character it came from, so a match can be
cut out of the text the person actually wrote.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.anchor_index import AnchorIndex
from bot.core.errors import DataFileError

# Letters plus the combining marks that sit inside words (Indic vowel signs are not ``\w`` in
# Python, so ``\b`` would split "ভিসা" in the middle), and the joiners Urdu typists put in words.
WORD_CHARS = (
    r"\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0dff\u200c\u200d"
)
_WORD = f"[{WORD_CHARS}]"
_WORD_RUN = re.compile(f"{_WORD}+")
# Separators tolerated between the words of a phrase; zero allows "spousevisa", "homeoffice".
_GAP = f"[^{WORD_CHARS}]{{0,3}}"
# Arabic writes conjunctions, prepositions and the article onto the next word.
_ARABIC_CLITICS = "(?:وال|بال|فال|كال|لل|ال|و|ف|ب|ل|ك)?"
_PHRASE_TOKEN = re.compile(r"(!?)(?:\{(\w+)\}|(\[)|(\])|(\*)|(" + _WORD + "+))")

_DROPPED = frozenset(
    "\u00ad\u0640\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
    "\u093c\u09bc\u0a3c\u0a71"  # Indic nukta and Gurmukhi addak: spelled with or without
)
_REPLACED = {
    "ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h",
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
    "ة": "ه", "ى": "ي", "ی": "ي", "ې": "ي", "ے": "ي", "ک": "ك", "گ": "گ",
    "ہ": "ه", "ھ": "ه", "ە": "ه", "ٱ": "ا",
}  # fmt: skip


def _dropped_mark(char: str) -> bool:
    code = ord(char)
    return 0x0300 <= code <= 0x036F or 0x064B <= code <= 0x065F or code == 0x0670


@functools.lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    """The folded form of one character (possibly empty, possibly several characters)."""
    if char in _DROPPED:
        return ""
    if char.isascii():
        return char.lower()
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if not _dropped_mark(c) and c not in _DROPPED)
    return "".join(_REPLACED.get(c, c) for c in kept.casefold())


@dataclass(frozen=True)
class Folded:
    """Folded text plus, for each of its characters, the index of the original character."""

    text: str
    origin: list[int]
    original_length: int

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        if start >= end:
            return (0, 0)
        last = self.origin[end - 1]
        return (self.origin[start], last + 1)


def fold(text: str) -> Folded:
    if text.isascii() and "`" not in text:
        # Lower-casing ASCII maps each character to one: the fast path for most messages.
        return Folded(text.lower(), list(range(len(text))), len(text))
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = fold_char(char)
        if folded:
            pieces.append(folded)
            origin.extend([index] * len(folded))
    return Folded("".join(pieces), origin, len(text))


_WORD_RE = re.compile(_WORD)
_LONG_TEXT = 10_000
# A comma, a sentence end or a line break ends a clause (Arabic and Urdu commas and full stops too).
_PUNCTUATION_BREAK = re.compile(r"[.!?;:,\n\u060c\u061b\u061f\u06d4\u0964]+|\s[-\u2013\u2014]\s")


def is_word_char(char: str) -> bool:
    return _WORD_RE.fullmatch(char) is not None


@dataclass(frozen=True)
class Rule:
    """One compiled phrase or pattern; every match contains one of the ``anchors`` literals
    (none: no such set is known), so a text without any of them is not searched at all
    (``AnchorIndex`` finds the rules whose anchors a text holds)."""

    category: str
    regex: re.Pattern[str]
    anchors: tuple[str, ...] | None = None
    min_digits: int = 0
    min_letters: int = 0

    needs_digit: bool = False


@dataclass(frozen=True)
class Hit:
    category: str
    start: int  # in the folded text
    end: int


@dataclass(frozen=True)
class Lexicon:
    rules: tuple[Rule, ...]
    fuzzy: Mapping[str, str]  # a word or a one-deletion variant of it -> category
    safe_words: frozenset[str]
    # Words that start a new clause ("and", "because", "że", "کہ"), matched on folded text.
    clause_breaks: re.Pattern[str] | None = None

    @functools.cached_property
    def _index(self) -> AnchorIndex:
        # Built on first use: a lexicon narrowed to a few rules for one message may need none.
        return AnchorIndex(self.rules)

    def clause_bounds(self, folded: str) -> Iterator[tuple[int, int]]:
        """Spans of the folded text that separate clauses: punctuation and the break words."""
        for match in _PUNCTUATION_BREAK.finditer(folded):
            yield match.span()
        if self.clause_breaks is not None:
            for match in self.clause_breaks.finditer(folded):
                yield match.span()

    def candidates(self, folded: str) -> tuple[Rule, ...]:
        """The rules, in order, that may match somewhere in ``folded``; the others cannot."""
        if len(folded) > _LONG_TEXT:
            # An anchor is made of word characters, so it occurs in the text exactly when it
            # occurs in one of its words: searching each distinct word once is much shorter.
            folded = "\n".join(set(_WORD_RUN.findall(folded)))
        return tuple(self.rules[index] for index in self._index.select(folded))

    def narrowed(self, folded: str) -> Lexicon:
        """This lexicon without the rules that cannot match ``folded``: the pieces of one long
        text are then matched against the few rules that can hit anywhere in it, not all rules."""
        return Lexicon(self.candidates(folded), self.fuzzy, self.safe_words, self.clause_breaks)

    def find(self, folded: str, *, narrowed: bool = False) -> Iterator[Hit]:
        """The hits in ``folded``; ``narrowed``: this lexicon came from ``narrowed`` on a text
        that contains ``folded``, so its rules need no second selection."""
        for rule in self.rules if narrowed else self.candidates(folded):
            for match in rule.regex.finditer(folded):
                start, end = match.span("r") if "r" in rule.regex.groupindex else match.span()
                if start < 0 or start == end:
                    start, end = match.span()
                found = folded[start:end]
                if sum(c.isdigit() for c in found) < rule.min_digits:
                    continue
                if sum(c.isalpha() for c in found) < rule.min_letters:
                    continue
                yield Hit(rule.category, start, end)
        if self.fuzzy:
            yield from self._fuzzy_hits(folded)

    def _fuzzy_hits(self, folded: str) -> Iterator[Hit]:
        for match in _WORD_RUN.finditer(folded):
            token = match.group()
            if len(token) < 5 or len(token) > 20 or token in self.safe_words:
                continue
            for variant in (token, *_deletions(token)):
                category = self.fuzzy.get(variant)
                if category is not None:
                    yield Hit(category, match.start(), match.end())
                    break


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def load_lexicon(directory: Path, categories: frozenset[str]) -> Lexicon:
    """Read every ``*.yml`` file in ``directory``; raise ``DataFileError`` naming a bad file."""
    files = sorted(directory.glob("*.yml")) if directory.is_dir() else []
    if not files:
        raise DataFileError(f"no *.yml lexicon files in {directory}")
    documents = [(path, _read_yaml(path)) for path in files]
    lists: dict[str, list[str]] = {}
    for path, document in documents:
        for name, items in _mapping(document.get("lists", {}), path, "lists").items():
            lists.setdefault(str(name).casefold(), []).extend(
                _strings(items, path, f"lists.{name}")
            )
    rules: list[Rule] = []
    fuzzy: dict[str, str] = {}
    safe: set[str] = set()
    breaks: set[str] = set()
    for path, document in documents:
        safe.update(fold(w).text for w in _strings(document.get("safe_words", []), path, "safe"))
        breaks.update(
            fold(w).text for w in _strings(document.get("clause_breaks", []), path, "breaks")
        )
        for category, body in _mapping(document.get("categories", {}), path, "categories").items():
            if category not in categories:
                raise DataFileError(f"{path}: unknown category {category!r}")
            entries = _mapping(body, path, category)
            for phrase in _strings(entries.get("phrases", []), path, f"{category}.phrases"):
                rules.append(_phrase_rule(phrase, lists, category, path))
            for pattern in _list(entries.get("patterns", []), path, f"{category}.patterns"):
                rules.append(_pattern_rule(pattern, category, path))
            for word in _strings(entries.get("fuzzy", []), path, f"{category}.fuzzy"):
                folded = fold(word).text
                for variant in (folded, *_deletions(folded)):
                    fuzzy.setdefault(variant, category)
    return Lexicon(tuple(rules), fuzzy, frozenset(safe), _break_regex(breaks))


def _break_regex(words: set[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    # Arabic-script conjunctions are whole words here: و glued to a word is left alone.
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(f"(?<!{_WORD})(?:{alternatives})(?!{_WORD})")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise DataFileError(f"{path}: cannot be read as YAML ({type(error).__name__})") from error
    return _mapping(document if document is not None else {}, path, "file")


def _mapping(value: object, path: Path, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DataFileError(f"{path}: {where} must be a mapping")
    return value


def _list(value: object, path: Path, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise DataFileError(f"{path}: {where} must be a list")
    return value


def _strings(value: object, path: Path, where: str) -> list[str]:
    items = _list(value, path, where)
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise DataFileError(f"{path}: every entry of {where} must be a non-empty string")
    return items


def _pattern_rule(entry: object, category: str, path: Path) -> Rule:
    spec = {"regex": entry} if isinstance(entry, str) else _mapping(entry, path, "pattern")
    try:
        regex = re.compile(str(spec["regex"]), re.IGNORECASE)
        anchors = spec.get("anchors")
        return Rule(
            category,
            regex,
            _fold_anchors(_strings(anchors, path, f"{category}.anchors")) if anchors else None,
            min_digits=int(spec.get("min_digits", 0)),
            min_letters=int(spec.get("min_letters", 0)),
            needs_digit=bool(spec.get("needs_digit", False)),
        )
    except (KeyError, ValueError, re.error) as error:
        raise DataFileError(f"{path}: bad pattern in {category}: {error}") from error


def _fold_anchors(anchors: list[str]) -> tuple[str, ...]:
    folded = tuple(fold(anchor).text for anchor in anchors)
    # ``Lexicon.narrowed`` relies on anchors being made of word characters only.
    if not all(_WORD_RUN.fullmatch(anchor) for anchor in folded):
        raise ValueError("an anchor must be letters or digits only")
    return folded


def _phrase_rule(phrase: str, lists: Mapping[str, list[str]], category: str, path: Path) -> Rule:
    try:
        body, required = _phrase_body(phrase, lists, top_level=True)
        regex = re.compile(f"(?<!{_WORD}){body}")
    except (ValueError, re.error) as error:
        raise DataFileError(f"{path}: bad phrase {phrase!r} in {category}: {error}") from error
    return Rule(category, regex, _best_anchors(required))


# An anchor set with a literal this short would be found in almost any text: not worth checking.
_MIN_ANCHOR = 2


def _best_anchors(required: list[frozenset[str]]) -> tuple[str, ...] | None:
    """Of the phrase's tokens (each: one of these literals must occur), the most selective one:
    its shortest literal as long as possible, then as few literals as possible."""
    usable = [group for group in required if min(map(len, group)) >= _MIN_ANCHOR]
    if not usable:
        return None
    best = max(usable, key=lambda group: (min(map(len, group)), -len(group)))
    return tuple(sorted(best, key=len, reverse=True))


def _phrase_body(
    phrase: str, lists: Mapping[str, list[str]], *, top_level: bool
) -> tuple[str, list[frozenset[str]]]:
    """Translate the phrase syntax into a regex; also return, per required token, the literals
    of which any match contains at least one (a word: itself; a list: one per item)."""
    parts: list[str] = []
    required: list[frozenset[str]] = []
    open_brackets = 0
    ends_open = False
    need_gap = False
    for match in _PHRASE_TOKEN.finditer(fold(phrase).text):
        negated, name, opening, closing, star, word = match.groups()
        if star:
            parts.append(f"{_WORD}*")
            ends_open = True
        elif negated:
            if parts and parts[-1] == f"{_WORD}*":
                # The star runs to the end of the word, so "sponsor* !{x}" cannot give letters
                # back and let the rest ("s our team") escape the negation. (Not the possessive
                # ``*+``: the Rasa server runs Python 3.10, which lacks it.)
                parts[-1] = f"{_WORD}*(?!{_WORD})"
            parts.append(f"(?!{_GAP}{_item_regex(name, word, lists)}(?!{_WORD}))")
        elif opening or closing:
            if not top_level or open_brackets != (1 if closing else 0):
                raise ValueError("at most one [ ] pair, and not inside a list")
            open_brackets += 1
            if opening and need_gap:
                parts.append(_GAP)
                need_gap = False
            parts.append("(?P<r>" if opening else ")")
        else:
            if need_gap:
                parts.append(_GAP)
            ends_open, need_gap = False, True
            parts.append(_item_regex(name, word, lists))
            required.append(frozenset([word]) if word else _list_literals(name, lists))
    if open_brackets not in (0, 2):
        raise ValueError("unbalanced [ ]")
    if not parts:
        raise ValueError("empty phrase")
    body = "".join(parts)
    if top_level and not ends_open:
        body += f"(?!{_WORD})"
    return body, required


def _list_literals(name: str | None, lists: Mapping[str, list[str]]) -> frozenset[str]:
    """One literal per item of ``{name}``, each contained in every match of its item (an item
    with no literal of its own, made only of lists and stars, yields the empty string)."""
    literals: set[str] = set()
    for item in lists.get((name or "").casefold(), []):
        literals.add(_longest(_phrase_body(item, lists, top_level=False)[1]))
    return frozenset(literals)


def _longest(required: list[frozenset[str]]) -> str:
    """The longest literal a single-word token of this item requires ('' if none)."""
    singles = [next(iter(group)) for group in required if len(group) == 1]
    return max(singles, key=len, default="")


def _item_regex(name: str | None, word: str | None, lists: Mapping[str, list[str]]) -> str:
    """The regex of one word (Arabic-script words may carry a clitic) or one {list}."""
    if word:
        arabic = "\u0600" <= word[0] <= "\u06ff"
        return (_ARABIC_CLITICS if arabic else "") + re.escape(word)
    if not name:
        raise ValueError("! must come before a word or a {list}")
    if name.casefold() not in lists:
        raise ValueError(f"unknown list {{{name}}}")
    items = sorted(lists[name.casefold()], key=len, reverse=True)
    return "(?:" + "|".join(_phrase_body(item, lists, top_level=False)[0] for item in items) + ")"
