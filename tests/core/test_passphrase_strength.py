"""The passphrase estimator: common passwords, repeats, sequences and leet are cheap."""

from __future__ import annotations

import pytest

from bot.core.passphrase_strength import (
    MIN_GUESS_BITS,
    WeakPassphraseError,
    passphrase_guess_bits,
    require_strong_passphrase,
)

WEAK = [
    "password123456",
    "P4ssw0rd!P4ssw0rd!",
    "aaaaaaaaaaaaaaaa",
    "qwertyuiop123456",
    "abcdefghijklmnop",
    "iloveyou iloveyou",
    "Welcome1Welcome1",
    "admin passphrase 1",
    "987654321987654321",
]
STRONG = [
    "marble ostrich lagoon tiny",
    "7fK#p2Lq9xW!",
    "bea quiet otter lamp",
    "vintage-cobalt-thimble-42",
]


@pytest.mark.parametrize("passphrase", WEAK)
def test_common_words_repeats_and_keyboard_runs_are_refused(passphrase: str) -> None:
    assert len(passphrase) >= 12, "every one passes the old length-only rule"
    with pytest.raises(WeakPassphraseError) as refused:
        require_strong_passphrase(passphrase)
    assert passphrase not in str(refused.value), "the refusal never repeats the passphrase"


@pytest.mark.parametrize("passphrase", STRONG)
def test_unrelated_words_or_random_characters_pass(passphrase: str) -> None:
    require_strong_passphrase(passphrase)


def test_leet_swaps_and_capitals_add_little() -> None:
    plain = passphrase_guess_bits("sunshine")
    assert passphrase_guess_bits("Sunshine") == plain + 1
    assert passphrase_guess_bits("5un5h1ne") == plain + 1
    assert passphrase_guess_bits("sunshine") < MIN_GUESS_BITS / 3
