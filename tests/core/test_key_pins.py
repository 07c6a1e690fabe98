"""The pins file: read strictly, added to by the acts that create keys."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.core.errors import ConfigurationError
from bot.core.key_pins import pin_key, read_key_pins
from bot.core.private_files import LooseSecretFileError

ORG, KEY, OTHER_KEY = "a" * 32, "b" * 32, "c" * 32


def test_pins_added_are_read_back_and_the_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "organisation_keys.pins"
    pin_key(path, ORG, KEY)
    pin_key(path, ORG, OTHER_KEY)
    pins = read_key_pins(path, "VARIABLE")
    assert pins.allows(ORG, KEY) and pins.allows(ORG, OTHER_KEY)
    assert not pins.allows(OTHER_KEY, KEY)  # a pin names its organisation
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_comments_and_blank_lines_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "pins"
    path.write_text(f"# pins\n\n{ORG} {KEY}  # the partner, since rotation\n")
    assert read_key_pins(path, "VARIABLE").pairs == frozenset({(ORG, KEY)})


@pytest.mark.parametrize("line", [KEY, f"{ORG} {KEY} extra", f"{ORG} {KEY[:-1]}", f"{ORG}:{KEY}"])
def test_a_malformed_line_stops_start_up(tmp_path: Path, line: str) -> None:
    path = tmp_path / "pins"
    path.write_text(f"{ORG} {KEY}\n{line}\n")
    with pytest.raises(ConfigurationError, match="line 2"):
        read_key_pins(path, "VARIABLE")


def test_a_missing_file_names_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="LANTERN_ORGANISATION_KEY_PINS_FILE"):
        read_key_pins(tmp_path / "absent", "LANTERN_ORGANISATION_KEY_PINS_FILE")


@pytest.mark.parametrize("loose", [0o620, 0o602, 0o666])
def test_a_pins_file_others_may_write_stops_start_up(tmp_path: Path, loose: int) -> None:
    """Another account that could add a line could pin its own key: refused, by name."""
    path = tmp_path / "pins"
    pin_key(path, ORG, KEY)
    path.chmod(loose)
    with pytest.raises(LooseSecretFileError, match="chmod 644"):
        read_key_pins(path, "VARIABLE")
    path.chmod(0o644)  # readable by others is fine: pins are not secret
    assert read_key_pins(path, "VARIABLE").allows(ORG, KEY)
