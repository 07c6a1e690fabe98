"""Sealing, opening and key wrapping: the only module in the project that imports ``cryptography``.

Function names say who can read the result. ``seal_for_organisation`` output opens only with the
charity's private key, which this server never holds in clear; ``seal_for_front_end`` output opens
only with the front end's own secret; ``wrap_organisation_key_for_staff`` output opens only with
that staff member's passphrase.

Every sealed value is an envelope: ``b"LNT" | version | header length (2 bytes) | header | body``.
The header is canonical JSON naming the kind, key id and suite. The header and a :class:`Binding`
(organisation, record, field, format version) are fed to HPKE as ``info`` (or AES-GCM as
associated data), so a ciphertext moved to another record, field or organisation, or with an
edited header, fails to open. Kept importable on Python 3.10: Rasa's tracker store loads it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import struct
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from cryptography.exceptions import InvalidKey, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from bot.core.errors import LanternError

ENVELOPE_VERSION = 1
_MAGIC = b"LNT"
_PREFIX = struct.Struct(">3sBH")
_NONCE_BYTES = 12
_MLKEM_SEED_BYTES = 64
_X25519_BYTES = 32
MIN_PASSPHRASE_CHARS = 12
# An attacker who can edit a wrapped blob must not make unwrapping allocate unbounded memory.
_MAX_KDF_MEMORY_KIB = 4 * 1024 * 1024
_MAX_KDF_ITERATIONS = 64


class SealedDataError(LanternError):
    """A value could not be sealed, opened, wrapped or unwrapped."""


class TamperedCiphertextError(SealedDataError):
    """The envelope was altered, truncated, or belongs to another record, field or organisation."""


class WrongKeyError(SealedDataError):
    """The key offered is not the key the envelope names, or belongs to another organisation."""


class UnknownKeyIdError(SealedDataError):
    """The envelope names a key id that is not among the keys offered."""


class WrongPassphraseError(SealedDataError):
    """The passphrase or recovery code does not unwrap the key, or the wrapped blob was altered."""


class KeyFormatError(SealedDataError):
    """Key bytes, a passphrase or KDF parameters are malformed or too weak."""


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


@dataclass(frozen=True)
class Binding:
    """Where a sealed value belongs; it opens only when presented with the same binding."""

    record_id: str
    field: str
    organisation_id: str | None = None
    format_version: int = 1

    def canonical(self) -> bytes:
        return _canonical(
            {
                "field": self.field,
                "format": self.format_version,
                "organisation": self.organisation_id,
                "record": self.record_id,
            }
        )


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost; stored inside every wrapped blob so it can be raised without re-wrapping."""

    memory_cost_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4


# RFC 9106's second recommended option (64 MiB, t=3, p=4): strong yet fits a small server.
PRODUCTION_KDF = KdfParams()


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


class FrontEndKey:
    """The front end's own symmetric key, derived from a secret file's bytes (at least 32)."""

    def __init__(self, secret_material: bytes) -> None:
        if len(secret_material) < 32:
            raise KeyFormatError("front-end secret material must hold at least 32 bytes")
        # HKDF lets the secret file hold hex or raw bytes alike and separates this use of it.
        self._key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"lantern front-end seal v1"
        ).derive(secret_material)
        self.key_id = hashlib.sha256(b"lantern front-end key id\x00" + self._key).hexdigest()[:32]
        self._aead = AESGCM(self._key)

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
    header = _header("organisation", org_key.key_id, org_key.suite.value)
    info = _context(header, binding)
    body = _HPKE_SUITES[org_key.suite].encrypt(plaintext, org_key._hpke_key, info=info)
    return _pack(header, body)


def open_as_organisation(
    envelope: bytes, private_keys: Mapping[str, OrganisationPrivateKey], binding: Binding
) -> bytes:
    """Open a value sealed for an organisation with whichever of its keys the envelope names."""
    header, body, fields = _unpack(envelope, "organisation")
    key = private_keys.get(str(fields["kid"]))
    if key is None:
        raise UnknownKeyIdError(f"no private key offered for key id {fields['kid']}")
    if key.key_id != fields["kid"] or key.suite.value != fields["suite"]:
        raise WrongKeyError(f"the key offered under id {fields['kid']} is a different key")
    if binding.organisation_id != key.organisation_id:
        raise WrongKeyError("the binding names another organisation than the key's owner")
    suite = _HPKE_SUITES[key.suite]
    try:
        return suite.decrypt(body, key._hpke_key, info=_context(header, binding))
    except InvalidTag as error:
        raise TamperedCiphertextError(
            "sealed value was altered or belongs to another record, field or organisation"
        ) from error


def seal_for_front_end(plaintext: bytes, key: FrontEndKey, binding: Binding) -> bytes:
    """Seal under the front end's own key: only the front end (and Rasa's store) can read it."""
    header = _header("front-end", key.key_id, "AES-256-GCM")
    nonce = os.urandom(_NONCE_BYTES)
    sealed = key._aead.encrypt(nonce, plaintext, _context(header, binding))
    return _pack(header, nonce + sealed)


def open_as_front_end(envelope: bytes, keys: Mapping[str, FrontEndKey], binding: Binding) -> bytes:
    """Open a front-end envelope with whichever of the (current or retired) keys it names."""
    header, body, fields = _unpack(envelope, "front-end")
    key = keys.get(str(fields["kid"]))
    if key is None:
        raise UnknownKeyIdError(f"no front-end key offered for key id {fields['kid']}")
    if key.key_id != fields["kid"]:
        raise WrongKeyError(f"the key offered under id {fields['kid']} is a different key")
    try:
        return key._aead.decrypt(
            body[:_NONCE_BYTES], body[_NONCE_BYTES:], _context(header, binding)
        )
    except InvalidTag as error:
        raise TamperedCiphertextError(
            "front-end sealed value was altered or belongs to another record or field"
        ) from error


def envelope_key_id(envelope: bytes) -> str:
    """The key id an envelope names (front-end or organisation), without opening it."""
    return str(_unpack(envelope, None)[2]["kid"])


def wrap_organisation_key_for_staff(
    private_key: OrganisationPrivateKey, passphrase: str, kdf_params: KdfParams = PRODUCTION_KDF
) -> bytes:
    """Wrap the organisation key so that only this staff member's passphrase unwraps it."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise KeyFormatError(f"a staff passphrase needs at least {MIN_PASSPHRASE_CHARS} characters")
    return _wrap("staff-wrap", private_key, _passphrase_bytes(passphrase), kdf_params)


def unwrap_organisation_key_as_staff(wrapped: bytes, passphrase: str) -> OrganisationPrivateKey:
    """Unwrap in memory; a wrong passphrase raises :class:`WrongPassphraseError`."""
    return _unwrap("staff-wrap", wrapped, _passphrase_bytes(passphrase))


def generate_recovery_code() -> str:
    """160 random bits as eight groups of base32, for the admin to keep offline."""
    code = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def wrap_organisation_key_for_recovery(
    private_key: OrganisationPrivateKey, recovery_code: str, kdf_params: KdfParams = PRODUCTION_KDF
) -> bytes:
    """Wrap the organisation key under the admin's recovery code (for lost staff passphrases)."""
    return _wrap("recovery-wrap", private_key, _recovery_bytes(recovery_code), kdf_params)


def unwrap_organisation_key_with_recovery_code(
    wrapped: bytes, recovery_code: str
) -> OrganisationPrivateKey:
    """Unwrap with the recovery code; dashes, spaces and letter case are ignored."""
    return _unwrap("recovery-wrap", wrapped, _recovery_bytes(recovery_code))


def _wrap(kind: str, key: OrganisationPrivateKey, secret: bytes, params: KdfParams) -> bytes:
    _check_kdf(params)
    salt = os.urandom(16)
    header = _header(
        kind,
        key.key_id,
        key.suite.value,
        org=key.organisation_id,
        kdf="argon2id",
        m=params.memory_cost_kib,
        t=params.iterations,
        p=params.lanes,
        salt=base64.b64encode(salt).decode("ascii"),
    )
    nonce = os.urandom(_NONCE_BYTES)
    kek = AESGCM(_derive(secret, salt, params))
    return _pack(header, nonce + kek.encrypt(nonce, key._secret, header))


def _unwrap(kind: str, wrapped: bytes, secret: bytes) -> OrganisationPrivateKey:
    header, body, fields = _unpack(wrapped, kind)
    try:
        params = KdfParams(int(fields["m"]), int(fields["t"]), int(fields["p"]))
        salt = base64.b64decode(str(fields["salt"]), validate=True)
        suite = SealingSuite(fields["suite"])
        organisation_id = str(fields["org"])
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise TamperedCiphertextError("wrapped key header is malformed") from error
    _check_kdf(params)
    kek = AESGCM(_derive(secret, salt, params))
    try:
        raw = kek.decrypt(body[:_NONCE_BYTES], body[_NONCE_BYTES:], header)
    except InvalidTag as error:
        raise WrongPassphraseError("the passphrase does not unwrap this key") from error
    key = OrganisationPrivateKey(organisation_id, suite, raw)
    if key.key_id != fields["kid"]:
        raise TamperedCiphertextError("unwrapped key does not match the key id it was filed under")
    return key


def _derive(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    return _argon2(salt, params).derive(secret)


def _check_kdf(params: KdfParams) -> None:
    if not (
        1 <= params.lanes <= 64
        and 8 * params.lanes <= params.memory_cost_kib <= _MAX_KDF_MEMORY_KIB
        and 1 <= params.iterations <= _MAX_KDF_ITERATIONS
    ):
        raise KeyFormatError("Argon2id parameters are out of range")


def _passphrase_bytes(passphrase: str) -> bytes:
    # NFC so the same passphrase typed on two keyboards derives the same key.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _recovery_bytes(code: str) -> bytes:
    return "".join(code.split()).replace("-", "").upper().encode("ascii", "replace")


def _key_id(suite: SealingSuite, public_bytes: bytes) -> str:
    digest = hashlib.sha256(b"lantern key id\x00" + suite.value.encode() + b"\x00" + public_bytes)
    return digest.hexdigest()[:32]


def _canonical(fields: Mapping[str, object]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _header(kind: str, key_id: str, suite: str, **extra: object) -> bytes:
    return _canonical({"kind": kind, "kid": key_id, "suite": suite, "v": ENVELOPE_VERSION, **extra})


def _context(header: bytes, binding: Binding) -> bytes:
    return b"lantern seal\x00" + header + b"\x00" + binding.canonical()


def _pack(header: bytes, body: bytes) -> bytes:
    return _PREFIX.pack(_MAGIC, ENVELOPE_VERSION, len(header)) + header + body


def _unpack(envelope: bytes, kind: str | None) -> tuple[bytes, bytes, dict[str, Any]]:
    envelope = bytes(envelope)
    if len(envelope) < _PREFIX.size:
        raise TamperedCiphertextError("sealed value is truncated")
    magic, version, header_length = _PREFIX.unpack_from(envelope)
    if magic != _MAGIC or version != ENVELOPE_VERSION:
        raise TamperedCiphertextError("not a Lantern envelope of a known version")
    end = _PREFIX.size + header_length
    header = envelope[_PREFIX.size : end]
    try:
        fields = json.loads(header)
    except ValueError as error:
        raise TamperedCiphertextError(
            "sealed value is truncated or its header is damaged"
        ) from error
    if not isinstance(fields, dict) or "kid" not in fields or "suite" not in fields:
        raise TamperedCiphertextError("envelope header lacks a key id or suite")
    if kind is not None and fields.get("kind") != kind:
        raise TamperedCiphertextError(f"expected a {kind} envelope, got {fields.get('kind')!r}")
    if len(envelope) <= end + _NONCE_BYTES:
        raise TamperedCiphertextError("sealed value is truncated")
    return header, envelope[end:], fields


# --- Staff sign-in for the console: password hashes and the TOTP second factor. ---

TOTP_DIGITS = 6
TOTP_STEP_SECONDS = 30
_TOTP_SECRET_BYTES = 20
# One step either side absorbs a laptop clock a little off and a code typed as it rolls over.
_TOTP_DRIFT_STEPS = 1


def hash_staff_password(password: str, kdf_params: KdfParams = PRODUCTION_KDF) -> str:
    """An Argon2id PHC string (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) with its own salt."""
    if len(password) < MIN_PASSPHRASE_CHARS:
        raise KeyFormatError(f"a staff passphrase needs at least {MIN_PASSPHRASE_CHARS} characters")
    _check_kdf(kdf_params)
    return _argon2(os.urandom(16), kdf_params).derive_phc_encoded(_passphrase_bytes(password))


def verify_staff_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches; the library compares the digests in constant time."""
    _check_kdf(_phc_params(encoded))
    try:
        Argon2id.verify_phc_encoded(_passphrase_bytes(password), encoded)
    except InvalidKey:
        return False
    return True


def _phc_params(encoded: str) -> KdfParams:
    # A hash edited in the database must not make a sign-in allocate unbounded memory.
    try:
        fields = dict(item.split("=", 1) for item in encoded.split("$")[3].split(","))
        return KdfParams(int(fields["m"]), int(fields["t"]), int(fields["p"]))
    except (IndexError, KeyError, ValueError) as error:
        raise KeyFormatError("a stored password hash is malformed") from error


def _argon2(salt: bytes, params: KdfParams) -> Argon2id:
    return Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_cost_kib,
    )


def new_totp_secret() -> bytes:
    """A fresh 160-bit TOTP secret (RFC 6238 with SHA-1, as every authenticator app expects)."""
    return secrets.token_bytes(_TOTP_SECRET_BYTES)


def totp_provisioning_uri(secret: bytes, account_name: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app scans; show it once, at enrolment."""
    return _totp(secret).get_provisioning_uri(account_name, issuer)


def totp_code(secret: bytes, unix_time: float) -> str:
    """The six-digit code for ``unix_time``."""
    return _totp(secret).generate(int(unix_time)).decode("ascii")


def accepted_totp_step(secret: bytes, code: str, unix_time: float, last_step: int) -> int | None:
    """The time step ``code`` belongs to (within one step of now), or None.

    Steps at or before ``last_step`` are refused, so a code seen over a shoulder cannot be
    used a second time.
    """
    now_step = int(unix_time) // TOTP_STEP_SECONDS
    candidate = code.strip().encode("ascii", "replace")
    for step in range(now_step - _TOTP_DRIFT_STEPS, now_step + _TOTP_DRIFT_STEPS + 1):
        expected = _totp(secret).generate(step * TOTP_STEP_SECONDS)
        if step > last_step and hmac.compare_digest(expected, candidate):
            return step
    return None


def _totp(secret: bytes) -> TOTP:
    # SHA-1 inside HMAC is what RFC 6238 and authenticator apps use; HMAC-SHA1 is not broken.
    sha1 = hashes.SHA1()  # noqa: S303
    return TOTP(secret, TOTP_DIGITS, sha1, TOTP_STEP_SECONDS, enforce_key_length=True)


def wrap_totp_secret_for_staff(
    secret: bytes, passphrase: str, kdf_params: KdfParams = PRODUCTION_KDF
) -> bytes:
    """Seal a TOTP secret under the staff member's passphrase (AES-256-GCM, Argon2id key).

    The database alone then yields no second factor: whoever reads it still needs the
    passphrase, and whoever phished the passphrase still needs the phone.
    """
    _check_kdf(kdf_params)
    salt, nonce = os.urandom(16), os.urandom(_NONCE_BYTES)
    header = _header(
        "totp-wrap",
        "totp",
        "AES-256-GCM",
        kdf="argon2id",
        m=kdf_params.memory_cost_kib,
        t=kdf_params.iterations,
        p=kdf_params.lanes,
        salt=base64.b64encode(salt).decode("ascii"),
    )
    kek = AESGCM(_derive(_passphrase_bytes(passphrase), salt, kdf_params))
    return _pack(header, nonce + kek.encrypt(nonce, secret, header))


def unwrap_totp_secret_as_staff(wrapped: bytes, passphrase: str) -> bytes:
    """The TOTP secret; a wrong passphrase raises :class:`WrongPassphraseError`."""
    header, body, fields = _unpack(wrapped, "totp-wrap")
    try:
        params = KdfParams(int(fields["m"]), int(fields["t"]), int(fields["p"]))
        salt = base64.b64decode(str(fields["salt"]), validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise TamperedCiphertextError("wrapped TOTP secret header is malformed") from error
    _check_kdf(params)
    kek = AESGCM(_derive(_passphrase_bytes(passphrase), salt, params))
    try:
        return kek.decrypt(body[:_NONCE_BYTES], body[_NONCE_BYTES:], header)
    except InvalidTag as error:
        raise WrongPassphraseError("the passphrase does not unwrap this TOTP secret") from error
