"""The shipped services directory: every fact sourced and dated, every number a UK number.

These read the YAML directly (not through the loader) so a loader bug cannot hide a bad file,
and then check that the loader itself refuses an entry that has lost its source or date.
"""

from __future__ import annotations

import copy
import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.config import DATA_DIR
from bot.core.directory import Directory, DirectoryEntryError

DIRECTORY_FILE = DATA_DIR / "services" / "directory.yml"

# UK numbers as dialled from inside the UK: geographic (01, 02), mobile (07), non-geographic
# (03) and freephone (0800/0808, 9 or 10 digits after the 0), or a harmonised 116 short code.
UK_NUMBER = re.compile(r"0(?:[1237]\d{9}|1\d{8}|80[08]\d{6,7}|8001111)|116\d{3}")
GROUPED_DIGITS = re.compile(r"\d+(?: \d+)*")


def _raw() -> dict[str, Any]:
    document = yaml.safe_load(DIRECTORY_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _all_entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [*document["services"], *document["emergency_routes"]]


def _as_date(value: object) -> datetime.date:
    if isinstance(value, str):
        return datetime.date.fromisoformat(value)
    assert isinstance(value, datetime.date)
    assert not isinstance(value, datetime.datetime)
    return value


def test_every_entry_has_an_https_source_and_an_iso_verified_date() -> None:
    entries = _all_entries(_raw())
    assert entries
    for entry in entries:
        assert isinstance(entry.get("source"), str), entry["id"]
        assert entry["source"].startswith("https://"), entry["id"]
        assert _as_date(entry.get("verified")) <= datetime.date(2026, 12, 2), entry["id"]


def test_ids_are_unique_across_services_and_emergency_routes() -> None:
    ids = [entry["id"] for entry in _all_entries(_raw())]
    assert len(ids) == len(set(ids))


def test_every_phone_and_text_number_is_a_uk_number() -> None:
    numbers = [
        route["value"]
        for service in _raw()["services"]
        for route in service["contact"]
        if route["kind"] in {"phone", "text"}
    ]
    assert len(numbers) >= 15
    for number in numbers:
        assert GROUPED_DIGITS.fullmatch(number), number
        digits = number.replace(" ", "")
        # A text line may be a five-digit short code (NCDV's 60777).
        assert UK_NUMBER.fullmatch(digits) or re.fullmatch(r"\d{5}", digits), number


def test_every_service_can_be_contacted_somehow() -> None:
    for service in _raw()["services"]:
        assert service["contact"], service["id"]


def test_the_required_emergency_routes_are_all_present() -> None:
    ids = {route["id"] for route in _raw()["emergency_routes"]}
    assert ids == {
        "call_999",
        "silent_solution",
        "bsl_999",
        "emergency_sms",
        "ask_for_ani",
        "samaritans",
        "call_101",
    }


def test_the_shipped_file_loads_and_nothing_in_it_is_stale_at_gathering() -> None:
    directory = Directory.from_file(DIRECTORY_FILE)
    assert len(directory.services) == len(_raw()["services"])
    assert directory.stale(datetime.date(2026, 12, 2)) == []


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "directory.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("section", ["services", "emergency_routes"])
@pytest.mark.parametrize("field", ["source", "verified"])
def test_loader_rejects_an_entry_without_source_or_verified_date(
    tmp_path: Path, section: str, field: str
) -> None:
    """Given the shipped file with one entry's source (or date) removed,
    when it is loaded, then the error names that entry and that field."""
    document = copy.deepcopy(_raw())
    entry = document[section][1]
    del entry[field]

    with pytest.raises(DirectoryEntryError) as caught:
        Directory.from_file(_write(tmp_path, document))

    assert (caught.value.entry_id, caught.value.field) == (entry["id"], field)
    assert entry["id"] in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("source", "http://example.org/insecure"),
        ("source", "the charity's leaflet"),
        ("verified", "25/11/2026"),
        ("helps_with", ["physical", "made_up_need"]),
        ("nations", ["england", "france"]),
        ("hours", {"mon": ["17:00-09:00"]}),
        ("sorce", "https://typo.example.org"),
    ],
)
def test_loader_rejects_malformed_fields(tmp_path: Path, field: str, value: object) -> None:
    document = copy.deepcopy(_raw())
    document["services"][0][field] = value

    with pytest.raises(DirectoryEntryError) as caught:
        Directory.from_file(_write(tmp_path, document))

    assert caught.value.entry_id == document["services"][0]["id"]
    assert caught.value.field.startswith(field)


def test_loader_rejects_a_phone_number_with_letters(tmp_path: Path) -> None:
    document = copy.deepcopy(_raw())
    document["services"][0]["contact"][0] = {"kind": "phone", "value": "0808 CALL NOW"}

    with pytest.raises(DirectoryEntryError) as caught:
        Directory.from_file(_write(tmp_path, document))

    assert caught.value.field == "contact[0].value"


def test_loader_rejects_a_duplicate_id(tmp_path: Path) -> None:
    document = copy.deepcopy(_raw())
    document["services"].append(copy.deepcopy(document["services"][0]))

    with pytest.raises(DirectoryEntryError) as caught:
        Directory.from_file(_write(tmp_path, document))

    assert caught.value.field == "id"
