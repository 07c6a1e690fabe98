"""The envelope every sealed value travels in, and the errors opening one can raise.

Every sealed value is an envelope: ``b"LNT" | version | header length (2 bytes) | header | body``.
The header is canonical JSON naming the kind, key id and suite. The header and a :class:`Binding`
(organisation, record, field, format version) are fed to HPKE as ``info`` (or AES-GCM as
associated data), so a ciphertext moved to another record, field or organisation, or with an
edited header, fails to open.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.errors import LanternError

ENVELOPE_VERSION = 1
_MAGIC = b"LNT"
_PREFIX = struct.Struct(">3sBH")
NONCE_BYTES = 12


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


@dataclass(frozen=True)
class Binding:
    """Where a sealed value belongs; it opens only when presented with the same binding."""

    record_id: str
    field: str
    organisation_id: str | None = None
    format_version: int = 1

    def canonical(self) -> bytes:
        return canonical_json(
            {
                "field": self.field,
                "format": self.format_version,
                "organisation": self.organisation_id,
                "record": self.record_id,
            }
        )


def envelope_key_id(envelope: bytes) -> str:
    """The key id an envelope names (front-end or organisation), without opening it."""
    return str(unpack_envelope(envelope, None)[2]["kid"])


def envelope_kind(envelope: bytes) -> str:
    """The kind an envelope declares (who it was sealed for), without opening it."""
    return str(unpack_envelope(envelope, None)[2].get("kind"))


def canonical_json(fields: Mapping[str, object]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def envelope_header(kind: str, key_id: str, suite: str, **extra: object) -> bytes:
    return canonical_json(
        {"kind": kind, "kid": key_id, "suite": suite, "v": ENVELOPE_VERSION, **extra}
    )


def binding_context(header: bytes, binding: Binding) -> bytes:
    return b"lantern seal\x00" + header + b"\x00" + binding.canonical()


def pack_envelope(header: bytes, body: bytes) -> bytes:
    return _PREFIX.pack(_MAGIC, ENVELOPE_VERSION, len(header)) + header + body


def unpack_envelope(envelope: bytes, kind: str | None) -> tuple[bytes, bytes, dict[str, Any]]:
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
    if len(envelope) <= end + NONCE_BYTES:
        raise TamperedCiphertextError("sealed value is truncated")
    return header, envelope[end:], fields
