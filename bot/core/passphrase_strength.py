"""How many guesses a staff passphrase would cost an attacker: a small, honest estimator.

Not zxcvbn: no maintained estimator is installed and the locks are hash-pinned, so this follows
zxcvbn's idea in miniature. A passphrase is split, by dynamic programming, into the cheapest
sequence of pieces an attacker would guess: a word from the shipped list
(``common_passphrase_words.txt``, a few hundred entries against zxcvbn's ~70,000, also matched
with common letter-for-digit swaps), a run of one repeated character, a keyboard or alphabet
sequence, or single characters at the cost of their class. The sum is log2 of the guesses.
Where a word is missing from the list it is scored as random letters, so the estimate errs
high for ordinary words it does not know; the bar is set above zxcvbn's strongest score to
leave room for that.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from pathlib import Path

from bot.core.errors import LanternError

# zxcvbn's top score is 10^10 guesses (about 33 bits); 40 bits leaves margin for words this
# list lacks. A database copy lets an attacker guess offline, paying only Argon2id per guess.
MIN_GUESS_BITS = 40.0
WORDS_FILE = Path(__file__).with_name("common_passphrase_words.txt")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv",
)
_MIN_PATTERN = 3


class WeakPassphraseError(LanternError):
    """The passphrase would fall to too few guesses; the message says why, never echoes it."""


def passphrase_guess_bits(passphrase: str) -> float:
    """log2 of the guesses this estimator thinks an attacker needs."""
    text = unicodedata.normalize("NFC", passphrase)
    lowered = text.lower()
    best = [0.0] + [math.inf] * len(lowered)
    for end in range(1, len(lowered) + 1):
        for start in range(end):
            cost = _piece_bits(lowered[start:end])
            if cost is not None and best[start] + cost < best[end]:
                best[end] = best[start] + cost
    return best[-1] + _capital_bits(text)


def require_strong_passphrase(passphrase: str) -> None:
    """Refuse a passphrase worth fewer than :data:`MIN_GUESS_BITS`; the message says why."""
    bits = passphrase_guess_bits(passphrase)
    if bits < MIN_GUESS_BITS:
        raise WeakPassphraseError(
            f"that passphrase would fall to about 2^{int(bits)} guesses (at least "
            f"2^{int(MIN_GUESS_BITS)} needed): it is mostly common words, repeats or keyboard "
            "runs. Use four or five unrelated words, or more."
        )


def _piece_bits(piece: str) -> float | None:
    if len(piece) == 1:
        return _char_bits(piece)
    if len(piece) < _MIN_PATTERN:
        return None
    rank = _word_ranks().get(piece.translate(_LEET))
    if rank is not None:
        swapped = piece.translate(_LEET) != piece
        return math.log2(rank + 2) + (1.0 if swapped else 0.0)
    if len(set(piece)) == 1:
        return _char_bits(piece[0]) + math.log2(len(piece))
    if _is_sequence(piece):
        return math.log2(len(_SEQUENCES) * 2) + math.log2(len(piece))
    return None


def _is_sequence(piece: str) -> bool:
    return any(piece in row or piece in row[::-1] for row in _SEQUENCES)


def _char_bits(char: str) -> float:
    if char.isdigit():
        return math.log2(10)
    if char.isalpha():
        return math.log2(26)
    if char == " ":
        # Spaces between words are the expected separator, nearly free to guess.
        return 1.0
    return math.log2(33)


def _capital_bits(text: str) -> float:
    capitals = sum(1 for char in text if char.isupper())
    if capitals == 0:
        return 0.0
    if capitals == 1 and text[:1].isupper():
        return 1.0
    return float(capitals)


@functools.cache
def _word_ranks() -> dict[str, int]:
    ranks: dict[str, int] = {}
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if word and not word.startswith("#") and word not in ranks:
            ranks[word] = len(ranks)
    return ranks
