"""Lantern's texts in each language: ``data/locales/<code>.yml``, read once, English underneath.

Each catalogue holds the assistant's responses (the keys of ``domain/responses/en.yml``), the
front door's own texts, the service-card labels and the cautions of the directory's services.
A key a catalogue lacks falls back to English, so a gap shows English words, never nothing;
``tests/core/test_locale.py`` keeps the gaps at zero and the numbers and commands intact.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.config import DATA_DIR
from bot.core.errors import DataFileError
from bot.core.languages import BY_CODE, ENGLISH

LOCALE_DIR = DATA_DIR / "locales"
SECTIONS = ("front_end", "cards", "cautions", "notes")
# Runs that must read left to right inside right-to-left text: commands, web addresses, numbers
# (a phone number with its spaces), and words in Latin letters (service names, "BSL").
_LEFT_TO_RIGHT_RUN = re.compile(
    r"/[A-Za-z_]+"
    r"|(?:https?://)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[^\s]*)?"
    r"|\d(?:[\d ]*\d)?"
    r"|[A-Za-z][A-Za-z0-9'’&.-]*(?: [A-Za-z0-9][A-Za-z0-9'’&.-]*)*"
)
LEFT_TO_RIGHT_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2066", "\u2069"


@dataclass(frozen=True)
class Catalogue:
    code: str
    review: str
    responses: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)
    front_end: Mapping[str, str] = field(default_factory=dict)
    cards: Mapping[str, str] = field(default_factory=dict)
    cautions: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    fallback: Catalogue | None = None

    @property
    def right_to_left(self) -> bool:
        return BY_CODE[self.code].right_to_left

    def say(self, key: str, **values: str) -> str:
        """One of the front door's own texts, with ``{placeholders}`` filled."""
        return self._text("front_end", key).format(**values)

    def card(self, key: str, **values: str) -> str:
        """One of a service card's labels, with ``{placeholders}`` filled."""
        return self._text("cards", key).format(**values)

    def caution(self, service_id: str, english: str) -> str:
        return self.cautions.get(service_id, english)

    def note(self, english: str) -> str:
        return self.notes.get(english, english)

    def readable(self, text: str) -> str:
        """``text`` as sent: in a right-to-left language, 999, /exit and web addresses are
        isolated so they keep their order instead of being reversed around the Arabic script."""
        if not self.right_to_left:
            return text
        return _LEFT_TO_RIGHT_RUN.sub(
            lambda run: f"{LEFT_TO_RIGHT_ISOLATE}{run.group()}{POP_DIRECTIONAL_ISOLATE}", text
        )

    def _text(self, section: str, key: str) -> str:
        found = getattr(self, section).get(key)
        if found is not None:
            return str(found)
        if self.fallback is not None:
            return self.fallback._text(section, key)
        raise DataFileError(f"data/locales/{ENGLISH}.yml has no {section}.{key}")


def _read(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DataFileError(f"{path.name}: {type(error).__name__}") from error
    if not isinstance(document, dict):
        raise DataFileError(f"{path.name}: not a mapping")
    return document


def _strings(document: dict[str, Any], section: str, path: Path) -> dict[str, str]:
    body = document.get(section) or {}
    if not isinstance(body, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in body.items()
    ):
        raise DataFileError(f"{path.name}: {section} must map names to texts")
    return dict(body)


def load_catalogue(path: Path, fallback: Catalogue | None) -> Catalogue:
    document = _read(path)
    code = document.get("language")
    if code != path.stem or code not in BY_CODE:
        raise DataFileError(f"{path.name}: `language` must be its file's name and one of ours")
    review = document.get("review")
    if not isinstance(review, str) or not review.strip():
        raise DataFileError(f"{path.name}: `review` must say who checked it")
    responses = document.get("responses") or {}
    if not isinstance(responses, dict) or not all(
        isinstance(variations, list) for variations in responses.values()
    ):
        raise DataFileError(f"{path.name}: responses must map names to lists of variations")
    sections = {section: _strings(document, section, path) for section in SECTIONS}
    return Catalogue(code, review, responses, fallback=fallback, **sections)


@functools.cache
def catalogues(directory: Path = LOCALE_DIR) -> Mapping[str, Catalogue]:
    """Every language switched on, by code; English first and beneath every other."""
    english = load_catalogue(directory / f"{ENGLISH}.yml", None)
    found = {ENGLISH: english}
    for path in sorted(directory.glob("*.yml")):
        if path.stem != ENGLISH:
            found[path.stem] = load_catalogue(path, english)
    return found


def catalogue(code: str | None) -> Catalogue:
    """The catalogue of ``code``, English when it is not a language switched on."""
    shipped = catalogues()
    return shipped.get(code or ENGLISH, shipped[ENGLISH])
