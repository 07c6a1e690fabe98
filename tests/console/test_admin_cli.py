"""``python -m bot staff``: the bootstrap commands, run in-process on a real database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.__main__ import build_parser
from bot.console.admin_cli import run_staff_command
from bot.core.config import load_settings
from bot.core.crypto import KdfParams, WrongPassphraseError
from bot.core.keys import unlock_organisation_keys
from bot.core.models import Staff
from bot.core.store import Store, create_engine_for


def test_create_add_reset_rotate_and_grant(tmp_path: Path, fast_kdf: KdfParams) -> None:
    """Given an empty database, When an admin creates an organisation, adds a caseworker,
    resets her passphrase with the recovery code and rotates the key, Then the recovery code and
    TOTP URIs are printed once, the new passphrase unlocks every key and the old one none."""
    settings = load_settings({"LANTERN_VAR_DIR": str(tmp_path / "var")})

    def run(argv: list[str], *answers: str) -> str:
        replies = iter(answers)
        out = io.StringIO()
        args = build_parser().parse_args(["staff", *argv])
        assert (
            run_staff_command(args, settings, out, ask=lambda _: next(replies), kdf=fast_kdf) == 0
        )
        return out.getvalue()

    created = run(
        ["create-organisation", "--name", "Partner", "--admin", "root"], "root passphrase 1"
    )
    recovery = created.split("RECOVERY CODE (shown once, keep it offline): ")[1].split()[0]
    assert "otpauth://totp/Lantern:root" in created
    added = run(
        ["add", "--by", "root", "--login", "bea", "--role", "caseworker"],
        "root passphrase 1",
        "bea passphrase 11",
    )
    assert "otpauth://totp/Lantern:bea" in added
    run(["reset-password", "--login", "bea"], recovery, "bea passphrase 22")
    rotated = run(["rotate-keys", "--by", "root"], "root passphrase 1", recovery)
    assert "new organisation key" in rotated
    granted = run(
        ["grant-keys", "--by", "root", "--login", "bea"], "root passphrase 1", "bea passphrase 22"
    )
    assert granted.startswith("1 key(s)")
    store = Store(create_engine_for(settings))
    with store.transaction() as session:
        bea = session.query(Staff).filter_by(login_name="bea").one()
        assert len(unlock_organisation_keys(session, bea.id, "bea passphrase 22")) == 2
        with pytest.raises(WrongPassphraseError):
            unlock_organisation_keys(session, bea.id, "bea passphrase 11")
    assert recovery not in (tmp_path / "var" / "lantern.db").read_bytes().decode("latin-1")
