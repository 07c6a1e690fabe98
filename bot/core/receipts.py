"""The person's receipt: seven random words from ``data/receipts/words.txt`` (SecureDrop's
codename, GlobaLeaks' receipt), and the one form in which a typed receipt is compared.

Seven words from 2048 carry 77 random bits, so only a slow hash of them is ever stored
(``bot.core.db.receipts``). Nothing here keeps, logs or sends the words.
"""

from __future__ import annotations

import functools
import re
import secrets

from bot.core.config import DATA_DIR
from bot.core.errors import DataFileError

__all__ = ["RECEIPT_WORDS", "WORDS_FILE", "new_receipt", "normalise_receipt", "word_list"]

WORDS_FILE = DATA_DIR / "receipts" / "words.txt"
RECEIPT_WORDS = 7
_WORD = re.compile(r"[a-z]{3,9}")
_LIST_SIZE = 2048


@functools.cache
def word_list() -> tuple[str, ...]:
    """The shipped words, checked: a short or malformed list would weaken every receipt."""
    try:
        lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise DataFileError(f"{WORDS_FILE.name}: {type(error).__name__}") from error
    words = tuple(line for line in lines if line and not line.startswith("#"))
    if len(words) != _LIST_SIZE or len(set(words)) != _LIST_SIZE:
        raise DataFileError(f"{WORDS_FILE.name}: needs {_LIST_SIZE} different words")
    if not all(_WORD.fullmatch(word) for word in words):
        raise DataFileError(f"{WORDS_FILE.name}: a word is not 3 to 9 letters a to z")
    return words


def new_receipt() -> str:
    """Seven words, each drawn independently by the operating system's random source."""
    words = word_list()
    return " ".join(secrets.choice(words) for _ in range(RECEIPT_WORDS))


def normalise_receipt(typed: str) -> str:
    """The receipt as typed, in the form it was hashed: lower case, one space between words.
    Any case and any spacing (a phone's capital first letter, a double space, a line break)
    reads the same; anything else is left as it is and simply matches no receipt."""
    return " ".join(typed.lower().split())
