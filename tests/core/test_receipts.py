"""The receipt's words: a full list of harmless words, drawn at random, compared in one form,
and hashed slowly with a cost that travels beside the hash."""

from __future__ import annotations

import pytest

from bot.core.crypto import (
    KdfParams,
    KeyFormatError,
    hash_receipt_for_lookup,
    kdf_params_from_token,
    kdf_params_token,
)
from bot.core.firewall import Firewall
from bot.core.receipts import RECEIPT_WORDS, new_receipt, normalise_receipt, word_list
from bot.core.safety import default_safety_net


def test_the_list_holds_2048_different_short_plain_words() -> None:
    words = word_list()
    assert len(words) == len(set(words)) == 2048
    assert all(word.isascii() and word.isalpha() and word.islower() for word in words)


def test_no_word_trips_the_firewall_or_the_safety_net(firewall: Firewall) -> None:
    """A receipt must never be mistaken for danger or an immigration detail, nor removed."""
    net = default_safety_net()
    for word in word_list():
        assert firewall.redact(word).text == word, word
        assert net.check(word) is None, word


def test_a_receipt_is_seven_words_from_the_list_and_never_the_same_twice() -> None:
    receipts = {new_receipt() for _ in range(200)}
    assert len(receipts) == 200
    for receipt in receipts:
        words = receipt.split(" ")
        assert len(words) == RECEIPT_WORDS
        assert set(words) <= set(word_list())


@pytest.mark.parametrize(
    "typed",
    ["Apple  bread\tcrane ", "APPLE BREAD CRANE", "\napple bread\n\ncrane"],
)
def test_any_case_and_spacing_reads_the_same(typed: str) -> None:
    assert normalise_receipt(typed) == "apple bread crane"


def test_the_hash_is_slow_deterministic_and_its_cost_travels_beside_it(
    fast_kdf: KdfParams,
) -> None:
    token = kdf_params_token(fast_kdf)
    assert kdf_params_from_token(token) == fast_kdf
    first = hash_receipt_for_lookup("apple bread crane", fast_kdf)
    assert first == hash_receipt_for_lookup("apple bread crane", kdf_params_from_token(token))
    assert first != hash_receipt_for_lookup("apple bread cranes", fast_kdf)
    assert first != hash_receipt_for_lookup("apple bread crane", KdfParams(16, 1, 1))
    assert len(first) == 64 and "apple" not in first


@pytest.mark.parametrize("token", ["m=99999999,t=1,p=1", "m=8,t=1", "nonsense", "m=x,t=1,p=1"])
def test_an_edited_cost_is_refused_rather_than_run(token: str) -> None:
    with pytest.raises(KeyFormatError):
        kdf_params_from_token(token)
