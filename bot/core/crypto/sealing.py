"""Sealing and opening: function names say who can read the result.

``seal_for_organisation`` output opens only with the charity's private key, which this server
never holds in clear (HPKE, RFC 9180); ``seal_for_front_end`` output opens only with the front
end's own secret (AES-256-GCM); ``seal_for_front_end_courier`` needs only the front end's public
key (HPKE, X25519) and opens only with its secret, so the console can write to the outbox without
holding what opens the chat links. Kept importable on Python 3.10: Rasa's tracker store loads it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
from collections.abc import Mapping
from enum import Enum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.core.crypto.envelope import (
    NONCE_BYTES,
    Binding,
    KeyFormatError,
    TamperedCiphertextError,
    UnknownKeyIdError,
    WrongKeyError,
    binding_context,
    envelope_header,
    pack_envelope,
    unpack_envelope,
)

# The envelope kind of what the console seals to the front end's public key (the outbox).
COURIER_KIND = "front-end-courier"
_MLKEM_SEED_BYTES = 64
_X25519_BYTES = 32
# Plaintexts are padded to one of these sizes (then to whole multiples of the last), so a stolen
# database shows a ciphertext's size bucket, not how much a person wrote. Envelopes sealed
# before padding carry no "pad" in their header and open as they are.
PAD_BUCKETS = (256, 1024, 4096, 16384)
_PAD_LENGTH = struct.Struct(">I")


class SealingSuite(str, Enum):
    """HPKE suites (RFC 9180) this project seals with; the value is written into every envelope."""

    MLKEM768_X25519 = "MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"
    X25519 = "X25519/HKDF-SHA256/AES-256-GCM"


# Post-quantum hybrid by default: a recorded report must stay sealed even against a future
# quantum computer; X25519 alone remains for partners whose tooling cannot yet use ML-KEM.
DEFAULT_SUITE = SealingSuite.MLKEM768_X25519
_HPKE_SUITES = {
    SealingSuite.MLKEM768_X25519: hpke.Suite(
        hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM
    ),
    SealingSuite.X25519: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
}


class OrganisationPublicKey:
    """The half of an organisation's key pair the assistant holds; anyone may seal to it."""

    def __init__(self, organisation_id: str, suite: SealingSuite, public_bytes: bytes) -> None:
        self.organisation_id = organisation_id
        self.suite = SealingSuite(suite)
        self.public_bytes = bytes(public_bytes)
        self.key_id = _key_id(self.suite, self.public_bytes)
        try:
            if self.suite is SealingSuite.X25519:
                self._hpke_key: x25519.X25519PublicKey | hpke.MLKEM768X25519PublicKey = (
                    x25519.X25519PublicKey.from_public_bytes(public_bytes)
                )
            else:
                self._hpke_key = hpke.MLKEM768X25519PublicKey(
                    mlkem.MLKEM768PublicKey.from_public_bytes(public_bytes[:-_X25519_BYTES]),
                    x25519.X25519PublicKey.from_public_bytes(public_bytes[-_X25519_BYTES:]),
                )
        except ValueError as error:
            raise KeyFormatError(f"public key bytes do not fit suite {self.suite.value}") from error

    def __repr__(self) -> str:
        return f"OrganisationPublicKey(key_id={self.key_id!r}, suite={self.suite.value!r})"


class OrganisationPrivateKey:
    """An organisation's private key, only ever in memory after unwrapping; opens its envelopes."""

    def __init__(self, organisation_id: str, suite: SealingSuite, secret_bytes: bytes) -> None:
        self.organisation_id = organisation_id
        self.suite = SealingSuite(suite)
        self._secret = bytes(secret_bytes)
        try:
            if self.suite is SealingSuite.X25519:
                classic = x25519.X25519PrivateKey.from_private_bytes(self._secret)
                self._hpke_key: x25519.X25519PrivateKey | hpke.MLKEM768X25519PrivateKey = classic
                public = classic.public_key().public_bytes_raw()
            else:
                pq = mlkem.MLKEM768PrivateKey.from_seed_bytes(self._secret[:_MLKEM_SEED_BYTES])
                classic = x25519.X25519PrivateKey.from_private_bytes(
                    self._secret[_MLKEM_SEED_BYTES:]
                )
                self._hpke_key = hpke.MLKEM768X25519PrivateKey(pq, classic)
                public = (
                    pq.public_key().public_bytes_raw() + classic.public_key().public_bytes_raw()
                )
        except ValueError as error:
            raise KeyFormatError(
                f"private key bytes do not fit suite {self.suite.value}"
            ) from error
        self._public = OrganisationPublicKey(organisation_id, self.suite, public)
        self.key_id = self._public.key_id

    def public_key(self) -> OrganisationPublicKey:
        return self._public

    def __repr__(self) -> str:
        return f"OrganisationPrivateKey(key_id={self.key_id!r}, suite={self.suite.value!r})"


class FrontEndPublicKey:
    """The public half of the front end's courier key pair: anyone holding it (the console) can
    seal outbox messages to the front end, and nobody holding only it can open anything."""

    def __init__(self, public_bytes: bytes) -> None:
        self.public_bytes = bytes(public_bytes)
        try:
            self._hpke_key = x25519.X25519PublicKey.from_public_bytes(self.public_bytes)
        except ValueError as error:
            raise KeyFormatError("a front-end public key is 32 bytes of X25519") from error
        self.key_id = _key_id(SealingSuite.X25519, self.public_bytes)

    @classmethod
    def from_hex(cls, text: str) -> FrontEndPublicKey:
        """The form ``make keys`` writes to the public key file."""
        try:
            return cls(bytes.fromhex(text.strip()))
        except ValueError as error:
            raise KeyFormatError("a front-end public key file holds 64 hex digits") from error

    def __repr__(self) -> str:
        return f"FrontEndPublicKey(key_id={self.key_id!r})"


class FrontEndKey:
    """The front end's own keys, derived from a secret file's bytes (at least 32): a symmetric
    key for what only it writes and reads, and the private half of its courier key pair."""

    def __init__(self, secret_material: bytes) -> None:
        if len(secret_material) < 32:
            raise KeyFormatError("front-end secret material must hold at least 32 bytes")
        # HKDF lets the secret file hold hex or raw bytes alike and separates this use of it.
        self._key = _derive(secret_material, b"lantern front-end seal v1")
        self.key_id = hashlib.sha256(b"lantern front-end key id\x00" + self._key).hexdigest()[:32]
        self._aead = AESGCM(self._key)
        # Derived from the same file, so no second secret has to reach the front end's host.
        self._courier = x25519.X25519PrivateKey.from_private_bytes(
            _derive(secret_material, b"lantern front-end courier x25519 v1")
        )
        self._courier_public = FrontEndPublicKey(self._courier.public_key().public_bytes_raw())

    def courier_public_key(self) -> FrontEndPublicKey:
        """What the console may hold: it seals the outbox to this and can open nothing."""
        return self._courier_public

    @classmethod
    def generate(cls) -> FrontEndKey:
        return cls(secrets.token_bytes(32))

    def __repr__(self) -> str:
        return f"FrontEndKey(key_id={self.key_id!r})"


def generate_organisation_key(
    organisation_id: str, suite: SealingSuite = DEFAULT_SUITE
) -> OrganisationPrivateKey:
    """A fresh key pair; wrap the private half for staff at once and never store it in clear."""
    size = _X25519_BYTES if suite is SealingSuite.X25519 else _MLKEM_SEED_BYTES + _X25519_BYTES
    return OrganisationPrivateKey(organisation_id, suite, secrets.token_bytes(size))


def seal_for_organisation(
    plaintext: bytes, org_key: OrganisationPublicKey, binding: Binding
) -> bytes:
    """Seal so that only holders of the organisation's private key can read the result."""
    if binding.organisation_id != org_key.organisation_id:
        raise WrongKeyError("the binding names another organisation than the key's owner")
    header = envelope_header("organisation", org_key.key_id, org_key.suite.value, pad=1)
    info = binding_context(header, binding)
    body = _HPKE_SUITES[org_key.suite].encrypt(_padded(plaintext), org_key._hpke_key, info=info)
    return pack_envelope(header, body)


def seal_for_front_end_courier(
    plaintext: bytes, public_key: FrontEndPublicKey, binding: Binding
) -> bytes:
    """Seal with the front end's public key: only the front end (its secret) can read it."""
    header = envelope_header(COURIER_KIND, public_key.key_id, SealingSuite.X25519.value, pad=1)
    info = binding_context(header, binding)
    body = _HPKE_SUITES[SealingSuite.X25519].encrypt(
        _padded(plaintext), public_key._hpke_key, info=info
    )
    return pack_envelope(header, body)


def open_as_front_end_courier(
    envelope: bytes, keys: Mapping[str, FrontEndKey], binding: Binding
) -> bytes:
    """Open a courier envelope with whichever of the front end's (current or retired) keys it
    names; ``keys`` are the front end's own, by their symmetric key id as elsewhere."""
    header, body, fields = unpack_envelope(envelope, COURIER_KIND)
    by_public = {key.courier_public_key().key_id: key for key in keys.values()}
    key = by_public.get(str(fields["kid"]))
    if key is None:
        raise UnknownKeyIdError(f"no front-end key offered for courier key id {fields['kid']}")
    if fields["suite"] != SealingSuite.X25519.value:
        raise WrongKeyError("a courier envelope names a suite the front end does not use")
    try:
        plaintext = _HPKE_SUITES[SealingSuite.X25519].decrypt(
            body, key._courier, info=binding_context(header, binding)
        )
    except InvalidTag as error:
        raise TamperedCiphertextError(
            "front-end sealed value was altered or belongs to another record or field"
        ) from error
    return _unpadded(plaintext) if fields.get("pad") == 1 else plaintext


def open_as_organisation(
    envelope: bytes, private_keys: Mapping[str, OrganisationPrivateKey], binding: Binding
) -> bytes:
    """Open a value sealed for an organisation with whichever of its keys the envelope names."""
    header, body, fields = unpack_envelope(envelope, "organisation")
    key = private_keys.get(str(fields["kid"]))
    if key is None:
        raise UnknownKeyIdError(f"no private key offered for key id {fields['kid']}")
    if key.key_id != fields["kid"] or key.suite.value != fields["suite"]:
        raise WrongKeyError(f"the key offered under id {fields['kid']} is a different key")
    if binding.organisation_id != key.organisation_id:
        raise WrongKeyError("the binding names another organisation than the key's owner")
    suite = _HPKE_SUITES[key.suite]
    try:
        plaintext = suite.decrypt(body, key._hpke_key, info=binding_context(header, binding))
    except InvalidTag as error:
        raise TamperedCiphertextError(
            "sealed value was altered or belongs to another record, field or organisation"
        ) from error
    return _unpadded(plaintext) if fields.get("pad") == 1 else plaintext


def seal_for_front_end(plaintext: bytes, key: FrontEndKey, binding: Binding) -> bytes:
    """Seal under the front end's own key: only the front end (and Rasa's store) can read it."""
    header = envelope_header("front-end", key.key_id, "AES-256-GCM", pad=1)
    nonce = os.urandom(NONCE_BYTES)
    sealed = key._aead.encrypt(nonce, _padded(plaintext), binding_context(header, binding))
    return pack_envelope(header, nonce + sealed)


def open_as_front_end(envelope: bytes, keys: Mapping[str, FrontEndKey], binding: Binding) -> bytes:
    """Open a front-end envelope with whichever of the (current or retired) keys it names."""
    header, body, fields = unpack_envelope(envelope, "front-end")
    key = keys.get(str(fields["kid"]))
    if key is None:
        raise UnknownKeyIdError(f"no front-end key offered for key id {fields['kid']}")
    if key.key_id != fields["kid"]:
        raise WrongKeyError(f"the key offered under id {fields['kid']} is a different key")
    try:
        plaintext = key._aead.decrypt(
            body[:NONCE_BYTES], body[NONCE_BYTES:], binding_context(header, binding)
        )
    except InvalidTag as error:
        raise TamperedCiphertextError(
            "front-end sealed value was altered or belongs to another record or field"
        ) from error
    return _unpadded(plaintext) if fields.get("pad") == 1 else plaintext


def _padded(plaintext: bytes) -> bytes:
    """A 4-byte length, the plaintext, then zeros up to the smallest bucket that holds both."""
    needed = _PAD_LENGTH.size + len(plaintext)
    largest = PAD_BUCKETS[-1]
    size = next((b for b in PAD_BUCKETS if needed <= b), -(-needed // largest) * largest)
    return _PAD_LENGTH.pack(len(plaintext)) + plaintext + bytes(size - needed)


def _unpadded(padded: bytes) -> bytes:
    # Authenticated already, so a bad length means a sealing bug, not an attacker; refuse it.
    if len(padded) < _PAD_LENGTH.size:
        raise TamperedCiphertextError("padded plaintext is shorter than its length prefix")
    (length,) = _PAD_LENGTH.unpack_from(padded)
    if length > len(padded) - _PAD_LENGTH.size:
        raise TamperedCiphertextError("padded plaintext is shorter than its length says")
    return padded[_PAD_LENGTH.size : _PAD_LENGTH.size + length]


def _derive(secret_material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret_material)


def _key_id(suite: SealingSuite, public_bytes: bytes) -> str:
    digest = hashlib.sha256(b"lantern key id\x00" + suite.value.encode() + b"\x00" + public_bytes)
    return digest.hexdigest()[:32]
