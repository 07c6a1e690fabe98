"""The languages Lantern speaks: codes, the names each gives itself, and which way it is written.

A language is switched on when its catalogue (``data/locales/<code>.yml``) exists; the tests
refuse a catalogue whose safety and firewall cases do not pass. The chosen language hints at
where someone is from, so it travels like the answers: sealed in the report, in the sealed
tracker, in the front door's memory, never in a plain column, a log or the statistics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.errors import LanternError

ENGLISH = "en"
# The front door puts the chosen language on every message it passes to Rasa, under this key.
LANGUAGE_KEY = "language"


class UnknownLanguageError(LanternError, ValueError):
    """A language code that is not one of ours (a caller's bug or a forged request)."""


@dataclass(frozen=True)
class Language:
    code: str
    # As the language writes its own name, for the buttons at /start.
    endonym: str
    english_name: str
    right_to_left: bool = False


# The order of the buttons at /start: the most common main languages in England and Wales after
# English (ONS, Census 2021, table TS024), then Tamil, the language of a large refugee
# community, then English last.
LANGUAGES: tuple[Language, ...] = (
    Language("pl", "Polski", "Polish"),
    Language("ro", "Română", "Romanian"),
    Language("pa", "ਪੰਜਾਬੀ", "Punjabi (Gurmukhi)"),
    Language("pa-Arab", "پنجابی", "Punjabi (Shahmukhi)", right_to_left=True),
    Language("ur", "اردو", "Urdu", right_to_left=True),
    Language("pt", "Português", "Portuguese"),
    Language("es", "Español", "Spanish"),
    Language("ar", "العربية", "Arabic", right_to_left=True),
    Language("bn", "বাংলা", "Bengali"),
    Language("gu", "ગુજરાતી", "Gujarati"),
    Language("ta", "தமிழ்", "Tamil"),
    Language(ENGLISH, "English", "English"),
)
BY_CODE: Mapping[str, Language] = {language.code: language for language in LANGUAGES}


def language(code: str) -> Language:
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownLanguageError("not a language Lantern speaks") from None


def from_telegram_hint(language_code: str | None) -> str | None:
    """Ours for Telegram's ``from.language_code`` ("pl", "pt-br"), else None.

    It is the phone's interface language, maybe the abuser's phone: a hint that orders the
    buttons, never a choice. Punjabi on a phone is usually Gurmukhi.
    """
    if not language_code:
        return None
    primary = language_code.split("-")[0].split("_")[0].lower()
    return primary if primary in BY_CODE else None


def language_of(metadata: Mapping[str, Any] | None) -> str:
    """The language a message's metadata names, English when it names none of ours."""
    code = (metadata or {}).get(LANGUAGE_KEY)
    return code if isinstance(code, str) and code in BY_CODE else ENGLISH


def latest_language(metadata_newest_first: Iterable[Mapping[str, Any] | None]) -> str:
    """The language of the person's latest message that named one of ours, else English.

    A message without one (a front door restarted and forgot) keeps the conversation's language.
    """
    for metadata in metadata_newest_first:
        code = (metadata or {}).get(LANGUAGE_KEY)
        if isinstance(code, str) and code in BY_CODE:
            return code
    return ENGLISH
