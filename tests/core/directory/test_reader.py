"""The one service validator (``parse_service``) that the file loader and console edits share,
and ``Directory.with_edits``. Numbers typed here are from Ofcom's drama ranges."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.config import DATA_DIR
from bot.core.directory import Directory, DirectoryEntryError, parse_service

DIRECTORY_FILE = DATA_DIR / "services" / "directory.yml"
TODAY = datetime.date(2026, 12, 2)


def _document() -> dict[str, Any]:
    document = yaml.safe_load(DIRECTORY_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _galop() -> dict[str, Any]:
    return copy.deepcopy(next(s for s in _document()["services"] if s["id"] == "galop"))


def test_the_file_loader_refuses_a_verified_date_after_today(tmp_path: Path) -> None:
    document = _document()
    document["emergency_routes"][0]["verified"] = TODAY + datetime.timedelta(days=1)
    path = tmp_path / "directory.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(DirectoryEntryError) as caught:
        Directory.from_file(path, TODAY)

    assert (caught.value.entry_id, caught.value.field) == ("call_999", "verified")
    assert Directory.from_file(path, TODAY + datetime.timedelta(days=1)).emergency_routes


@pytest.mark.parametrize(
    ("kind", "number", "accepted"),
    [
        ("phone", "0808 157 0123", True),
        ("phone", "020 7946 0123", True),
        ("phone", "116 123", True),
        ("text", "07700 900123", True),
        ("text", "85258", True),  # texts may go to a five-digit short code
        ("phone", "85258", False),
        ("phone", "0808 157 01", False),
        ("phone", "+44 808 157 0123", False),
        ("phone", "0908 157 0123", False),
    ],
)
def test_phone_and_text_numbers_must_be_uk_numbers(kind: str, number: str, accepted: bool) -> None:
    entry = _galop()
    entry["contact"] = [{"kind": kind, "value": number}]

    if accepted:
        assert parse_service(entry, "test", TODAY).contact[0].value == number
    else:
        with pytest.raises(DirectoryEntryError) as caught:
            parse_service(entry, "test", TODAY)
        assert caught.value.field == "contact[0].value"


def test_regions_must_be_ones_a_person_can_choose() -> None:
    entry = _galop()
    entry["regions"] = ["london"]
    assert parse_service(entry, "test", TODAY).regions == {"london"}

    entry["regions"] = ["Londn"]
    with pytest.raises(DirectoryEntryError) as caught:
        parse_service(entry, "test", TODAY)
    assert caught.value.field == "regions"


@pytest.mark.parametrize("raw", [None, "galop", {"id": "Not Snake"}, {"name": "no id"}])
def test_an_entry_without_a_snake_case_id_is_refused(raw: object) -> None:
    with pytest.raises(DirectoryEntryError) as caught:
        parse_service(raw, "console", TODAY)

    assert caught.value.field == "id"
    assert str(caught.value).startswith("console:")


def test_with_edits_replaces_in_place_and_appends_new_services() -> None:
    base = Directory.from_file(DIRECTORY_FILE, TODAY)
    renamed = parse_service({**_galop(), "name": "Galop (renamed)"}, "test", TODAY)
    added = parse_service({**_galop(), "id": "a_new_service"}, "test", TODAY)

    merged = base.with_edits([added, renamed])

    assert [s.id for s in merged.services] == [*(s.id for s in base.services), "a_new_service"]
    assert merged.service("galop") is renamed
    assert base.service("galop") is not renamed  # the file's directory is left as it was


def test_with_edits_refuses_an_emergency_route_id() -> None:
    base = Directory.from_file(DIRECTORY_FILE, TODAY)
    shadow = parse_service({**_galop(), "id": "call_999"}, "test", TODAY)

    with pytest.raises(DirectoryEntryError) as caught:
        base.with_edits([shadow])

    assert (caught.value.entry_id, caught.value.field) == ("call_999", "id")
