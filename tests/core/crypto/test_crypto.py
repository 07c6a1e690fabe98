"""Sealing, opening, tamper detection, rotation and key wrapping in bot.core.crypto."""

from __future__ import annotations

import json
import struct

import pytest

from bot.core.crypto import (
    Binding,
    FrontEndKey,
    FrontEndPublicKey,
    KdfParams,
    KeyFormatError,
    OrganisationPrivateKey,
    SealingSuite,
    TamperedCiphertextError,
    UnknownKeyIdError,
    WrongKeyError,
    WrongPassphraseError,
    envelope_key_id,
    envelope_kind,
    generate_organisation_key,
    generate_recovery_code,
    open_as_front_end,
    open_as_front_end_courier,
    open_as_organisation,
    seal_for_front_end,
    seal_for_front_end_courier,
    seal_for_organisation,
    unwrap_organisation_key_as_staff,
    unwrap_organisation_key_with_recovery_code,
    wrap_organisation_key_for_recovery,
    wrap_organisation_key_for_staff,
)

ORG = "0" * 31 + "1"
OTHER_ORG = "0" * 31 + "2"
PLAINTEXT = "He took my phone again. — ثبوت".encode()
PASSPHRASE = "lantern staff passphrase"
SUITES = list(SealingSuite)


def binding(record: str = "r1", field: str = "handoff.report", org: str | None = ORG) -> Binding:
    return Binding(record, field, org)


def keyring(*keys: OrganisationPrivateKey) -> dict[str, OrganisationPrivateKey]:
    return {key.key_id: key for key in keys}


@pytest.fixture(params=SUITES, ids=lambda suite: suite.name)
def org_key(request: pytest.FixtureRequest) -> OrganisationPrivateKey:
    return generate_organisation_key(ORG, request.param)


def test_sealed_value_opens_only_with_the_same_binding(org_key: OrganisationPrivateKey) -> None:
    sealed = seal_for_organisation(PLAINTEXT, org_key.public_key(), binding())

    assert PLAINTEXT not in sealed
    assert open_as_organisation(sealed, keyring(org_key), binding()) == PLAINTEXT


@pytest.mark.parametrize(
    "moved_to",
    [binding(record="r2"), binding(field="thread.body"), Binding("r1", "handoff.report", ORG, 2)],
    ids=["other record", "other field", "other format version"],
)
def test_ciphertext_moved_elsewhere_fails_as_tampered(
    org_key: OrganisationPrivateKey, moved_to: Binding
) -> None:
    """Given a report sealed for record r1, When it is presented as another record, field or
    format version, Then it refuses to open with a tamper error."""
    sealed = seal_for_organisation(PLAINTEXT, org_key.public_key(), binding())

    with pytest.raises(TamperedCiphertextError):
        open_as_organisation(sealed, keyring(org_key), moved_to)


def test_ciphertext_swapped_to_another_organisation_fails() -> None:
    ours = generate_organisation_key(ORG)
    theirs = generate_organisation_key(OTHER_ORG)
    sealed = seal_for_organisation(PLAINTEXT, ours.public_key(), binding())

    with pytest.raises(UnknownKeyIdError):
        open_as_organisation(sealed, keyring(theirs), binding(org=OTHER_ORG))
    with pytest.raises(WrongKeyError):
        open_as_organisation(sealed, keyring(ours), binding(org=OTHER_ORG))


def test_sealing_for_an_organisation_with_another_organisations_key_is_refused() -> None:
    with pytest.raises(WrongKeyError):
        seal_for_organisation(
            PLAINTEXT, generate_organisation_key(OTHER_ORG).public_key(), binding()
        )


@pytest.mark.parametrize("cut", [1, 17, 400, 2000])
def test_truncated_ciphertext_fails_as_tampered(org_key: OrganisationPrivateKey, cut: int) -> None:
    sealed = seal_for_organisation(PLAINTEXT, org_key.public_key(), binding())

    with pytest.raises(TamperedCiphertextError):
        open_as_organisation(sealed[: max(len(sealed) - cut, 0)], keyring(org_key), binding())


def test_flipped_body_byte_fails_as_tampered(org_key: OrganisationPrivateKey) -> None:
    sealed = bytearray(seal_for_organisation(PLAINTEXT, org_key.public_key(), binding()))
    sealed[-5] ^= 0x01

    with pytest.raises(TamperedCiphertextError):
        open_as_organisation(bytes(sealed), keyring(org_key), binding())


def test_rekeyed_envelope_header_fails_as_tampered() -> None:
    """Given two keys of one organisation, When an envelope's header is edited to name the other
    key, Then the other (genuine) key cannot open it: the header is bound into HPKE's info."""
    first, second = generate_organisation_key(ORG), generate_organisation_key(ORG)
    sealed = seal_for_organisation(PLAINTEXT, first.public_key(), binding())
    rekeyed = _rewrite_header(sealed, kid=second.key_id)

    assert envelope_key_id(rekeyed) == second.key_id
    with pytest.raises(TamperedCiphertextError):
        open_as_organisation(rekeyed, keyring(first, second), binding())


def test_a_different_key_filed_under_the_envelopes_key_id_is_named_wrong() -> None:
    right, wrong = generate_organisation_key(ORG), generate_organisation_key(ORG)
    sealed = seal_for_organisation(PLAINTEXT, right.public_key(), binding())

    with pytest.raises(WrongKeyError):
        open_as_organisation(sealed, {right.key_id: wrong}, binding())


def test_rotation_new_key_seals_old_key_still_opens() -> None:
    old, new = generate_organisation_key(ORG), generate_organisation_key(ORG)
    before = seal_for_organisation(b"before rotation", old.public_key(), binding("a"))
    after = seal_for_organisation(b"after rotation", new.public_key(), binding("b"))

    assert envelope_key_id(after) == new.key_id
    assert open_as_organisation(before, keyring(old, new), binding("a")) == b"before rotation"
    assert open_as_organisation(after, keyring(old, new), binding("b")) == b"after rotation"
    with pytest.raises(UnknownKeyIdError):
        open_as_organisation(before, keyring(new), binding("a"))


def test_envelope_names_its_key_id_suite_and_version(org_key: OrganisationPrivateKey) -> None:
    sealed = seal_for_organisation(PLAINTEXT, org_key.public_key(), binding())
    header = _header(sealed)

    assert header == {
        "kid": org_key.key_id,
        "kind": "organisation",
        "pad": 1,
        "suite": org_key.suite.value,
        "v": 1,
    }


def test_default_suite_is_the_post_quantum_hybrid() -> None:
    assert generate_organisation_key(ORG).suite is SealingSuite.MLKEM768_X25519


def test_front_end_seal_round_trip_and_binding() -> None:
    key = FrontEndKey.generate()
    chat = Binding("p" * 64, "chat_link.chat_id")
    sealed = seal_for_front_end(b"123456789", key, chat)

    assert open_as_front_end(sealed, {key.key_id: key}, chat) == b"123456789"
    with pytest.raises(TamperedCiphertextError):
        open_as_front_end(sealed, {key.key_id: key}, Binding("q" * 64, "chat_link.chat_id"))
    with pytest.raises(UnknownKeyIdError):
        open_as_front_end(sealed, {}, chat)
    with pytest.raises(TamperedCiphertextError):
        open_as_organisation(sealed, {}, chat)


def test_front_end_key_from_the_same_secret_is_the_same_key() -> None:
    secret = b"f" * 64
    sealed = seal_for_front_end(b"x", FrontEndKey(secret), binding())
    again = FrontEndKey(secret)

    assert open_as_front_end(sealed, {again.key_id: again}, binding()) == b"x"
    with pytest.raises(KeyFormatError):
        FrontEndKey(b"short")


def test_staff_wrap_round_trip_and_wrong_passphrase(
    org_key: OrganisationPrivateKey, fast_kdf: KdfParams
) -> None:
    wrapped = wrap_organisation_key_for_staff(org_key, PASSPHRASE, fast_kdf)
    unwrapped = unwrap_organisation_key_as_staff(wrapped, PASSPHRASE)
    sealed = seal_for_organisation(PLAINTEXT, org_key.public_key(), binding())

    assert unwrapped.key_id == org_key.key_id
    assert open_as_organisation(sealed, keyring(unwrapped), binding()) == PLAINTEXT
    with pytest.raises(WrongPassphraseError):
        unwrap_organisation_key_as_staff(wrapped, PASSPHRASE + "!")


def test_wrapped_blob_stores_its_kdf_parameters(fast_kdf: KdfParams) -> None:
    wrapped = wrap_organisation_key_for_staff(generate_organisation_key(ORG), PASSPHRASE, fast_kdf)
    header = _header(wrapped)

    assert (header["kdf"], header["m"], header["t"], header["p"]) == ("argon2id", 8, 1, 1)


def test_wrapped_blob_with_edited_kdf_parameters_does_not_unwrap(fast_kdf: KdfParams) -> None:
    wrapped = wrap_organisation_key_for_staff(generate_organisation_key(ORG), PASSPHRASE, fast_kdf)

    with pytest.raises(WrongPassphraseError):
        unwrap_organisation_key_as_staff(_rewrite_header(wrapped, t=2), PASSPHRASE)
    with pytest.raises(KeyFormatError):
        unwrap_organisation_key_as_staff(_rewrite_header(wrapped, m=2**40), PASSPHRASE)


def test_short_passphrase_is_refused(fast_kdf: KdfParams) -> None:
    with pytest.raises(KeyFormatError):
        wrap_organisation_key_for_staff(generate_organisation_key(ORG), "short", fast_kdf)


def test_recovery_code_unwraps_regardless_of_case_and_dashes(fast_kdf: KdfParams) -> None:
    key = generate_organisation_key(ORG)
    code = generate_recovery_code()
    wrapped = wrap_organisation_key_for_recovery(key, code, fast_kdf)
    typed = code.lower().replace("-", " ")

    assert unwrap_organisation_key_with_recovery_code(wrapped, typed).key_id == key.key_id
    with pytest.raises(WrongPassphraseError):
        unwrap_organisation_key_with_recovery_code(wrapped, generate_recovery_code())
    with pytest.raises(TamperedCiphertextError):
        unwrap_organisation_key_as_staff(wrapped, code)


def test_keys_do_not_print_their_secrets() -> None:
    key = generate_organisation_key(ORG)

    assert key._secret.hex() not in repr(key)
    assert "key_id" in repr(key.public_key())


PREFIX = struct.Struct(">3sBH")


def _header(envelope: bytes) -> dict[str, object]:
    _, _, length = PREFIX.unpack_from(envelope)
    header: dict[str, object] = json.loads(envelope[PREFIX.size : PREFIX.size + length])
    return header


def _rewrite_header(envelope: bytes, **changes: object) -> bytes:
    magic, version, length = PREFIX.unpack_from(envelope)
    header = {**_header(envelope), **changes}
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    return PREFIX.pack(magic, version, len(raw)) + raw + envelope[PREFIX.size + length :]


def test_the_courier_seal_needs_only_the_public_key_and_opens_only_with_the_secret() -> None:
    """Given only the front end's public key (what the console holds), When an outbox message
    is sealed to it, Then the front end's secret opens it and only at the same binding, and
    neither another front end's key nor the organisation's opener does."""
    secret = b"f" * 64
    front_end = FrontEndKey(secret)
    public = FrontEndPublicKey.from_hex(front_end.courier_public_key().public_bytes.hex())
    outbox = Binding("o" * 32, "outbox.payload")
    sealed = seal_for_front_end_courier(PLAINTEXT, public, outbox)

    assert PLAINTEXT not in sealed
    assert envelope_kind(sealed) == "front-end-courier"
    again = FrontEndKey(secret)  # derived again from the file, as after a restart
    assert open_as_front_end_courier(sealed, {again.key_id: again}, outbox) == PLAINTEXT
    with pytest.raises(TamperedCiphertextError):
        open_as_front_end_courier(sealed, {again.key_id: again}, Binding("x" * 32, outbox.field))
    other = FrontEndKey.generate()
    with pytest.raises(UnknownKeyIdError):
        open_as_front_end_courier(sealed, {other.key_id: other}, outbox)
    with pytest.raises(TamperedCiphertextError):  # not the symmetric kind: no confusion
        open_as_front_end(sealed, {again.key_id: again}, outbox)


def test_the_public_key_file_form_is_checked() -> None:
    with pytest.raises(KeyFormatError):
        FrontEndPublicKey.from_hex("not hex")
    with pytest.raises(KeyFormatError):
        FrontEndPublicKey(b"\x01" * 31)
