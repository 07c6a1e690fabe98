"""Everything a staff passphrase guards: the wrapped organisation key, sign-in and TOTP.

``wrap_organisation_key_for_staff`` output opens only with that staff member's passphrase, and
``wrap_organisation_key_for_recovery`` output only with the admin's offline recovery code; both
derive their key with Argon2id, whose cost travels inside every wrapped blob.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidKey, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from bot.core.crypto.envelope import (
    NONCE_BYTES,
    KeyFormatError,
    TamperedCiphertextError,
    WrongPassphraseError,
    envelope_header,
    pack_envelope,
    unpack_envelope,
)
from bot.core.crypto.sealing import OrganisationPrivateKey, SealingSuite

MIN_PASSPHRASE_CHARS = 12
# An attacker who can edit a wrapped blob must not make unwrapping allocate unbounded memory.
_MAX_KDF_MEMORY_KIB = 4 * 1024 * 1024
_MAX_KDF_ITERATIONS = 64


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost; stored inside every wrapped blob so it can be raised without re-wrapping."""

    memory_cost_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4


# RFC 9106's second recommended option (64 MiB, t=3, p=4): strong yet fits a small server.
PRODUCTION_KDF = KdfParams()


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
    header = envelope_header(
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
    nonce = os.urandom(NONCE_BYTES)
    kek = AESGCM(_derive(secret, salt, params))
    return pack_envelope(header, nonce + kek.encrypt(nonce, key._secret, header))


def _unwrap(kind: str, wrapped: bytes, secret: bytes) -> OrganisationPrivateKey:
    header, body, fields = unpack_envelope(wrapped, kind)
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
        raw = kek.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], header)
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


# --- The person's receipt (``bot.core.db.receipts``): random words, only slowly hashed. ---

# Fixed, because a receipt is found by its hash and no account is known before it is: its words
# carry 77 random bits, so a per-row salt would add nothing against precomputed tables.
_RECEIPT_SALT = b"lantern.person-receipt.v1"


def hash_receipt_for_lookup(receipt: str, kdf_params: KdfParams = PRODUCTION_KDF) -> str:
    """Argon2id of the (already normalised) receipt, hex: what is stored, and what is looked up.
    Nobody can read the receipt back from it; guessing costs one Argon2id run per try."""
    _check_kdf(kdf_params)
    return _derive(_passphrase_bytes(receipt), _RECEIPT_SALT, kdf_params).hex()


def kdf_params_token(params: KdfParams) -> str:
    """The cost as a short token stored beside a receipt hash, so the cost can be raised later."""
    _check_kdf(params)
    return f"m={params.memory_cost_kib},t={params.iterations},p={params.lanes}"


def kdf_params_from_token(token: str) -> KdfParams:
    """The cost a stored token names; an edited token must not allocate unbounded memory."""
    try:
        fields = dict(item.split("=", 1) for item in token.split(","))
        params = KdfParams(int(fields["m"]), int(fields["t"]), int(fields["p"]))
    except (KeyError, ValueError) as error:
        raise KeyFormatError("a stored receipt cost is malformed") from error
    _check_kdf(params)
    return params


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


def staff_password_kdf(encoded: str) -> KdfParams:
    """The Argon2id cost a stored hash was made with, so a re-wrap can keep it."""
    return _phc_params(encoded)


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
    accepted = None
    # Every step is computed and compared, matching or not, so how long a refusal takes does
    # not say how near the code came (the caller spends one Argon2id either way, too).
    for step in range(now_step - _TOTP_DRIFT_STEPS, now_step + _TOTP_DRIFT_STEPS + 1):
        expected = _totp(secret).generate(step * TOTP_STEP_SECONDS)
        matches = hmac.compare_digest(expected, candidate)
        if matches and step > last_step and accepted is None:
            accepted = step
    return accepted


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
    salt, nonce = os.urandom(16), os.urandom(NONCE_BYTES)
    header = envelope_header(
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
    return pack_envelope(header, nonce + kek.encrypt(nonce, secret, header))


def unwrap_totp_secret_as_staff(wrapped: bytes, passphrase: str) -> bytes:
    """The TOTP secret; a wrong passphrase raises :class:`WrongPassphraseError`."""
    header, body, fields = unpack_envelope(wrapped, "totp-wrap")
    try:
        params = KdfParams(int(fields["m"]), int(fields["t"]), int(fields["p"]))
        salt = base64.b64decode(str(fields["salt"]), validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise TamperedCiphertextError("wrapped TOTP secret header is malformed") from error
    _check_kdf(params)
    kek = AESGCM(_derive(_passphrase_bytes(passphrase), salt, params))
    try:
        return kek.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], header)
    except InvalidTag as error:
        raise WrongPassphraseError("the passphrase does not unwrap this TOTP secret") from error
