"""Every language's catalogue says everything English says, with the same numbers and commands.

A translation that drops "999", turns "/exit" into a word or loses a button's payload would
strand a person in danger; these checks run on every catalogue in data/locales.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.config import PROJECT_ROOT
from bot.core.errors import DataFileError
from bot.core.languages import BY_CODE, ENGLISH, LANGUAGES
from bot.core.locale import (
    LEFT_TO_RIGHT_ISOLATE,
    LOCALE_DIR,
    POP_DIRECTIONAL_ISOLATE,
    Catalogue,
    catalogue,
    catalogues,
    load_catalogue,
)

ENGLISH_RESPONSES: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (PROJECT_ROOT / "domain" / "responses" / "en.yml").read_text(encoding="utf-8")
)["responses"]
DIRECTORY = yaml.safe_load(
    (PROJECT_ROOT / "data" / "services" / "directory.yml").read_text(encoding="utf-8")
)
TRANSLATIONS = sorted(path.stem for path in LOCALE_DIR.glob("*.yml") if path.stem != ENGLISH)
MACHINE_DRAFTED = "machine-drafted, awaiting a native speaker"
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_NUMBER = re.compile(r"\d+")
_COMMAND = re.compile(r"(?<![\w/])/[a-z]+")


def _must_keep(text: str) -> dict[str, list[str]]:
    return {
        "placeholders": sorted(set(_PLACEHOLDER.findall(text))),
        "numbers": sorted(set(_NUMBER.findall(text))),
        "commands": sorted(set(_COMMAND.findall(text))),
    }


def _english() -> Catalogue:
    return catalogues()[ENGLISH]


def test_english_and_every_translation_load() -> None:
    shipped = catalogues()
    assert ENGLISH in shipped
    assert set(shipped) <= set(BY_CODE)


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_a_translation_says_who_checked_it(code: str) -> None:
    """Nobody has checked a machine draft yet; a catalogue must never claim otherwise."""
    assert catalogues()[code].review == MACHINE_DRAFTED


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_every_response_is_translated_with_its_buttons_and_numbers(code: str) -> None:
    translated = catalogues()[code].responses
    assert sorted(translated) == sorted(ENGLISH_RESPONSES)
    for name, english_variations in ENGLISH_RESPONSES.items():
        variations = translated[name]
        assert len(variations) == len(english_variations), name
        for english, variation in zip(english_variations, variations, strict=True):
            assert variation.get("condition") == english.get("condition"), name
            assert [b["payload"] for b in variation.get("buttons", [])] == [
                b["payload"] for b in english.get("buttons", [])
            ], name
            assert all(b.get("title") for b in variation.get("buttons", [])), name
            assert _must_keep(variation.get("text", "")) == _must_keep(english.get("text", "")), (
                name
            )


@pytest.mark.parametrize("code", TRANSLATIONS)
@pytest.mark.parametrize("section", ["front_end", "cards"])
def test_every_front_door_text_and_card_label_is_translated(code: str, section: str) -> None:
    english: dict[str, str] = dict(getattr(_english(), section))
    translated: dict[str, str] = dict(getattr(catalogues()[code], section))
    assert sorted(translated) == sorted(english)
    for key, text in english.items():
        assert _must_keep(translated[key]) == _must_keep(text), key


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_every_caution_and_contact_note_is_translated(code: str) -> None:
    services = DIRECTORY["services"]
    cautions = {service["id"] for service in services if service.get("caution")}
    notes = {
        route["note"] for service in services for route in service["contact"] if route.get("note")
    }
    shipped = catalogues()[code]
    # The emergency routes' cautions may be translated too, ahead of a card that shows them.
    routes = {route["id"] for route in DIRECTORY["emergency_routes"] if route.get("caution")}
    assert cautions <= set(shipped.cautions) <= cautions | routes
    assert set(shipped.notes) == notes
    for service in services:
        if service.get("caution"):
            assert _must_keep(shipped.cautions[service["id"]]) == _must_keep(service["caution"])


def test_a_missing_key_falls_back_to_english(tmp_path: Path) -> None:
    (tmp_path / "pl.yml").write_text(
        "language: pl\nreview: machine-drafted, awaiting a native speaker\n"
        "front_end:\n  kept: Nic nie zostało usunięte.\n",
        encoding="utf-8",
    )
    polish = load_catalogue(tmp_path / "pl.yml", _english())
    assert polish.say("kept") == "Nic nie zostało usunięte."
    assert polish.say("forget_no") == _english().say("forget_no")


@pytest.mark.parametrize(
    "body",
    [
        "language: xx\nreview: someone\n",
        "language: pl\n",
        "language: pl\nreview: machine\nfront_end: [not, a, mapping]\n",
        "language: pl\nreview: machine\nresponses: {utter_greet: text}\n",
        "{{{ not yaml",
        "- a list",
    ],
)
def test_a_malformed_catalogue_fails_loudly(tmp_path: Path, body: str) -> None:
    (tmp_path / "pl.yml").write_text(body, encoding="utf-8")
    with pytest.raises(DataFileError):
        load_catalogue(tmp_path / "pl.yml", _english())


def test_an_unknown_code_gets_english() -> None:
    assert catalogue("xx").code == ENGLISH
    assert catalogue(None).code == ENGLISH


def test_right_to_left_text_keeps_numbers_commands_and_addresses_in_order() -> None:
    """Given Arabic text with 999, /exit and a web address, then each is isolated, intact."""
    arabic = Catalogue("ar", MACHINE_DRAFTED)
    text = "اتصل بـ 999 ثم اضغط 55. اكتب /exit. 999bsl.co.uk أو Samaritans: 116 123"
    shown = arabic.readable(text)
    for run in ("999", "55", "/exit", "999bsl.co.uk", "Samaritans", "116 123"):
        assert f"{LEFT_TO_RIGHT_ISOLATE}{run}{POP_DIRECTIONAL_ISOLATE}" in shown
    assert shown.replace(LEFT_TO_RIGHT_ISOLATE, "").replace(POP_DIRECTIONAL_ISOLATE, "") == text


def test_left_to_right_text_is_left_alone() -> None:
    assert _english().readable("call 999") == "call 999"


def test_every_language_has_its_own_name() -> None:
    assert len({language.endonym for language in LANGUAGES}) == len(LANGUAGES) == 12
