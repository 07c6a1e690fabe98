"""Sender pseudonyms: keyed, stable, and never the id itself."""

from __future__ import annotations

import hashlib

import pytest

from bot.core.pseudonym import PseudonymError, is_pseudonym, pseudonym_for

KEY = b"k" * 32


def test_pseudonym_is_64_hex_chars_and_stable() -> None:
    first = pseudonym_for(123456789, KEY)

    assert is_pseudonym(first)
    assert pseudonym_for("123456789", KEY) == first


def test_pseudonym_depends_on_the_key() -> None:
    """Given the same Telegram id, When the key differs, Then the pseudonym differs: without the
    server's key nobody can recompute it from a list of ids."""
    assert pseudonym_for(42, KEY) != pseudonym_for(42, b"j" * 32)


def test_pseudonym_is_not_a_plain_hash_of_the_id() -> None:
    telegram_id = 987654321
    pseudonym = pseudonym_for(telegram_id, KEY)

    assert str(telegram_id) not in pseudonym
    assert pseudonym != hashlib.sha256(str(telegram_id).encode()).hexdigest()


@pytest.mark.parametrize("bad_id", [True, "", "   ", 4.2])
def test_malformed_ids_are_refused(bad_id: object) -> None:
    with pytest.raises(PseudonymError):
        pseudonym_for(bad_id, KEY)  # type: ignore[arg-type]


def test_short_key_is_refused() -> None:
    with pytest.raises(PseudonymError):
        pseudonym_for(1, b"short")


@pytest.mark.parametrize("value", ["123456789", "A" * 64, "a" * 63, "g" * 64])
def test_raw_ids_are_not_pseudonyms(value: str) -> None:
    assert not is_pseudonym(value)
