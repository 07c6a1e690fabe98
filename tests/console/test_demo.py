"""The demo charity of a local run: its caseworker can sign in with what `make run` prints."""

from __future__ import annotations

import stat
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console import accounts
from bot.console.demo import (
    DEMO_CASEWORKER,
    NoDemoOrganisationError,
    demo_account,
    demo_totp_code,
    seed_demo_organisation,
    sign_in_instructions,
)
from bot.core.config import load_settings
from bot.core.crypto import KdfParams
from bot.core.db.local_setup import create_local_setup
from bot.core.db.models import OrganisationKey, Role
from bot.core.db.store import Database, create_engine_for
from bot.core.key_pins import read_key_pins
from tests.support import with_audit_key


def test_the_demo_caseworker_signs_in_with_the_printed_details(
    tmp_path: Path, fast_kdf: KdfParams
) -> None:
    """Given an empty var/, When the demo charity is seeded, Then its file is private, the
    caseworker signs in with its passphrase and the code `make demo-code` prints, and seeding
    again changes nothing."""
    settings = with_audit_key(load_settings({"LANTERN_VAR_DIR": str(tmp_path / "var")}))

    written = seed_demo_organisation(settings, kdf=fast_kdf)

    assert written is not None and stat.S_IMODE(written.stat().st_mode) == 0o600
    worker = demo_account(settings)
    assert worker.login == DEMO_CASEWORKER
    assert worker.passphrase in sign_in_instructions(settings, "http://127.0.0.1:8080")
    now = datetime.now(timezone.utc)
    with Database(create_engine_for(settings)).transaction() as session:
        signed_in = accounts.sign_in(
            session, worker.login, worker.passphrase, demo_totp_code(worker, time.time()), now
        )
    assert isinstance(signed_in, accounts.SignedIn) and signed_in.role is Role.CASEWORKER
    assert signed_in.keys, "the caseworker holds the organisation's key"
    assert seed_demo_organisation(settings, kdf=fast_kdf) is None
    assert demo_account(settings).passphrase == worker.passphrase


def test_without_a_demo_file_the_code_command_explains(tmp_path: Path) -> None:
    settings = load_settings({"LANTERN_VAR_DIR": str(tmp_path / "var")})
    with pytest.raises(NoDemoOrganisationError, match="make keys"):
        demo_account(settings)


def test_the_demo_charitys_key_is_pinned(tmp_path: Path, fast_kdf: KdfParams) -> None:
    """Given `make keys` on a fresh clone, Then the demo charity's key is the one pinned, so a
    local run's reports are sealed to it (and to nothing added later)."""
    settings = load_settings({"LANTERN_VAR_DIR": str(tmp_path / "var")})
    create_local_setup(settings)
    seed_demo_organisation(settings, kdf=fast_kdf)
    with Database(create_engine_for(settings)).transaction() as session:
        (key,) = session.scalars(select(OrganisationKey)).all()
        pair = (key.organisation_id, key.key_id)
    assert read_key_pins(settings.organisation_key_pins_file, "-").pairs == frozenset({pair})
