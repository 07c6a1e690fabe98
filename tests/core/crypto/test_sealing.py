"""Padding of sealed values: a ciphertext's size shows its bucket, not its length; values sealed
before padding still open."""

from __future__ import annotations

import os

import pytest

from bot.core.crypto import (
    Binding,
    FrontEndKey,
    generate_organisation_key,
    open_as_front_end,
    open_as_organisation,
    seal_for_front_end,
    seal_for_organisation,
)
from bot.core.crypto.envelope import NONCE_BYTES, binding_context, envelope_header, pack_envelope
from bot.core.crypto.sealing import _HPKE_SUITES, PAD_BUCKETS

ORG = "0" * 32
BINDING = Binding("1" * 32, "handoff.report", ORG)
FRONT = Binding("2" * 32, "outbox.payload")


def test_organisation_envelopes_of_different_lengths_share_a_bucket_size() -> None:
    """Given a one-word answer and a 200-byte story, Then both envelopes are the same size, and a
    300-byte one (over the first bucket) is larger; each opens to exactly what was sealed."""
    private = generate_organisation_key(ORG)
    texts = [b"yes", b"x" * 200, b"y" * 300]

    sealed = [seal_for_organisation(text, private.public_key(), BINDING) for text in texts]

    assert len(sealed[0]) == len(sealed[1]) < len(sealed[2])
    keys = {private.key_id: private}
    assert [open_as_organisation(blob, keys, BINDING) for blob in sealed] == texts


@pytest.mark.parametrize("length", [0, 1, 251, 252, 1020, 1021, 16380, 16381, 40000])
def test_front_end_envelopes_are_padded_to_buckets(length: int) -> None:
    key = FrontEndKey.generate()
    plaintext = os.urandom(length)

    sealed = seal_for_front_end(plaintext, key, FRONT)

    bucket = next((b for b in PAD_BUCKETS if length + 4 <= b), None) or (
        -(-(length + 4) // PAD_BUCKETS[-1]) * PAD_BUCKETS[-1]
    )
    header = envelope_header("front-end", key.key_id, "AES-256-GCM", pad=1)
    assert len(sealed) == len(pack_envelope(header, b"")) + NONCE_BYTES + bucket + 16
    assert open_as_front_end(sealed, {key.key_id: key}, FRONT) == plaintext


def test_values_sealed_before_padding_still_open() -> None:
    """Rows written before padding have no "pad" in their header: they open unchanged."""
    private = generate_organisation_key(ORG)
    public = private.public_key()
    header = envelope_header("organisation", public.key_id, public.suite.value)
    body = _HPKE_SUITES[public.suite].encrypt(
        b"an old report", public._hpke_key, info=binding_context(header, BINDING)
    )
    old_org = pack_envelope(header, body)
    key = FrontEndKey.generate()
    front_header = envelope_header("front-end", key.key_id, "AES-256-GCM")
    nonce = os.urandom(NONCE_BYTES)
    old_front = pack_envelope(
        front_header,
        nonce + key._aead.encrypt(nonce, b"4242", binding_context(front_header, FRONT)),
    )

    assert open_as_organisation(old_org, {private.key_id: private}, BINDING) == b"an old report"
    assert open_as_front_end(old_front, {key.key_id: key}, FRONT) == b"4242"
