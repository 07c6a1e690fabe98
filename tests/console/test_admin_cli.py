"""``python -m bot staff``: the bootstrap commands, run in-process on a real database."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.__main__ import build_parser
from bot.console.admin_cli import run_staff_command
from bot.core.config import Settings, load_settings
from bot.core.crypto import KdfParams, WrongPassphraseError
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.models import AuditEntry, Organisation, OrganisationKey, Role, Staff, WrappedKey
from bot.core.db.organisations import AccountError
from bot.core.db.routing import CoverageError
from bot.core.db.store import Database, create_engine_for
from bot.core.key_pins import read_key_pins
from bot.core.passphrase_strength import WeakPassphraseError
from tests.support import with_audit_key

Run = Callable[..., str]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return with_audit_key(load_settings({"LANTERN_VAR_DIR": str(tmp_path / "var")}))


@pytest.fixture
def run(settings: Settings, fast_kdf: KdfParams) -> Run:
    """``python -m bot staff <argv>`` in-process; ``answers`` reply to the prompts in order."""

    def run_staff(argv: list[str], *answers: str) -> str:
        replies = iter(answers)
        out = io.StringIO()
        args = build_parser().parse_args(["staff", *argv])
        assert (
            run_staff_command(args, settings, out, ask=lambda _: next(replies), kdf=fast_kdf) == 0
        )
        return out.getvalue()

    return run_staff


def test_create_add_reset_rotate_and_grant(tmp_path: Path, settings: Settings, run: Run) -> None:
    """Given an empty database, When an admin creates an organisation, adds a caseworker,
    resets her passphrase with the recovery code and rotates the key, Then the recovery code and
    TOTP URIs are printed once, the new passphrase unlocks every key and the old one none."""
    created = run(
        ["create-organisation", "--name", "Partner", "--admin", "root"], "root violet harbour 1"
    )
    recovery = created.split("RECOVERY CODE (shown once, keep it offline): ")[1].split()[0]
    assert "otpauth://totp/Lantern:root" in created
    added = run(
        ["add", "--by", "root", "--login", "bea", "--role", "caseworker"],
        "root violet harbour 1",
        "bea quiet otter lamp",
    )
    assert "otpauth://totp/Lantern:bea" in added
    run(["reset-password", "--login", "bea"], recovery, "bea lantern marsh 22")
    rotated = run(["rotate-keys", "--by", "root"], "root violet harbour 1", recovery)
    assert "new organisation key" in rotated
    granted = run(
        ["grant-keys", "--by", "root", "--login", "bea"],
        "root violet harbour 1",
        "bea lantern marsh 22",
    )
    assert granted.startswith("1 key(s)")
    with Database(create_engine_for(settings)).transaction() as session:
        bea = session.query(Staff).filter_by(login_name="bea").one()
        assert len(unlock_organisation_keys(session, bea.id, "bea lantern marsh 22")) == 2
        with pytest.raises(WrongPassphraseError):
            unlock_organisation_keys(session, bea.id, "bea quiet otter lamp")
    assert recovery not in (tmp_path / "var" / "lantern.db").read_bytes().decode("latin-1")


def test_an_admin_declares_coverage_and_nobody_else_can(settings: Settings, run: Run) -> None:
    """Given two organisations, When the first one's admin declares coverage, Then it is printed,
    stored for that organisation only and audited; options left out stay, ``any`` clears; a
    caseworker, a wrong passphrase and an unknown token are refused with nothing changed."""
    run(["create-organisation", "--name", "Partner", "--admin", "root"], "root violet harbour 1")
    run(["create-organisation", "--name", "Elsewhere", "--admin", "other"], "other slate river 1")
    run(
        ["add", "--by", "root", "--login", "bea", "--role", "caseworker"],
        "root violet harbour 1",
        "bea quiet otter lamp",
    )
    declared = run(
        [
            "coverage",
            "--by",
            "root",
            "--nations",
            "england,wales",
            "--regions",
            "london",
            "--languages",
            "en, cy",
            "--help-types",
            "talk,legal",
        ],
        "root violet harbour 1",
    )
    assert declared.splitlines()[1:] == [
        "  nations: england, wales",
        "  regions: london",
        "  languages: cy, en",
        "  help types: legal, talk",
    ]
    cleared = run(["coverage", "--by", "root", "--languages", "any"], "root violet harbour 1")
    assert "  languages: any" in cleared
    assert "  nations: england, wales" in cleared
    refused = [
        (["--by", "bea", "--nations", "any"], "bea quiet otter lamp", AccountError),
        (["--by", "root", "--nations", "any"], "wrong passphrase", AccountError),
        (["--by", "root", "--nations", "england,mars"], "root violet harbour 1", CoverageError),
        (["--by", "root", "--help-types", "visa"], "root violet harbour 1", CoverageError),
    ]
    for argv, passphrase, error in refused:
        with pytest.raises(error):
            run(["coverage", *argv], passphrase)
    with Database(create_engine_for(settings)).transaction() as session:
        rows = {row.name: row for row in session.query(Organisation)}
        partner = rows["Partner"]
        assert (partner.covers_nations, partner.languages) == (["england", "wales"], None)
        assert rows["Elsewhere"].covers_nations is None
        audited = session.query(AuditEntry).filter_by(action="organisation.coverage").all()
        root = session.query(Staff).filter_by(login_name="root").one()
        assert [(entry.actor_id, entry.object_id) for entry in audited] == [
            (root.id, partner.id),
            (root.id, partner.id),
        ]


def test_a_weak_new_passphrase_is_refused_before_anything_is_stored(
    settings: Settings, run: Run
) -> None:
    """Given an admin choosing a passphrase, When it is a common password with a digit, Then the
    command refuses it and no organisation exists; a strong one is accepted."""
    with pytest.raises(WeakPassphraseError, match="guesses"):
        run(["create-organisation", "--name", "Partner", "--admin", "root"], "password123456")
    with Database(create_engine_for(settings)).transaction() as session:
        assert session.query(Organisation).count() == 0
    run(["create-organisation", "--name", "Partner", "--admin", "root"], "root violet harbour 1")


def test_disable_enable_and_remove_are_audited_and_removal_deletes_the_key_copies(
    settings: Settings, run: Run
) -> None:
    """Given a caseworker holding the organisation key, When the admin disables, re-enables and
    then removes her, Then each act is audited, removal deletes her wrapped keys and her
    credentials, and after rotation grant-keys refuses her."""
    created = run(
        ["create-organisation", "--name", "Partner", "--admin", "root"], "root violet harbour 1"
    )
    recovery = created.split("RECOVERY CODE (shown once, keep it offline): ")[1].split()[0]
    run(
        ["add", "--by", "root", "--login", "bea", "--role", "caseworker"],
        "root violet harbour 1",
        "bea quiet otter lamp",
    )
    assert "disabled" in run(["disable", "--by", "root", "--login", "bea"], "root violet harbour 1")
    run(["enable", "--by", "root", "--login", "bea"], "root violet harbour 1")
    removed = run(["remove", "--by", "root", "--login", "bea"], "root violet harbour 1")
    assert "1 wrapped key(s) deleted" in removed and "rotate-keys" in removed
    run(["rotate-keys", "--by", "root"], "root violet harbour 1", recovery)
    with pytest.raises(AccountError):
        run(["grant-keys", "--by", "root", "--login", "bea"], "root violet harbour 1", "x" * 12)
    with Database(create_engine_for(settings)).transaction() as session:
        bea = session.query(Staff).filter_by(role=Role.CASEWORKER).one()
        assert bea.disabled_at is not None and bea.login_name is None
        assert bea.password_hash is None and bea.totp_wrapped is None
        assert session.query(WrappedKey).filter_by(staff_id=bea.id).count() == 0
        acts = [
            entry.action
            for entry in session.query(AuditEntry).filter_by(object_id=bea.id)
            if entry.action.startswith("staff.")
        ]
        assert acts[-4:] == ["staff.disable", "staff.enable", "staff.disable", "staff.remove"]


def test_the_keys_the_cli_creates_are_pinned_and_the_line_for_other_hosts_printed(
    settings: Settings, run: Run
) -> None:
    """Given an admin creating an organisation and later rotating its key, Then each new key is
    pinned in this host's pins file, and the output gives the line the other hosts need."""
    created = run(
        ["create-organisation", "--name", "Partner", "--admin", "root"], "root violet harbour 1"
    )
    recovery = created.split("RECOVERY CODE (shown once, keep it offline): ")[1].split()[0]
    run(["rotate-keys", "--by", "root"], "root violet harbour 1", recovery)
    with Database(create_engine_for(settings)).transaction() as session:
        keys = session.scalars(select(OrganisationKey)).all()
        pairs = {(key.organisation_id, key.key_id) for key in keys}
    assert len(pairs) == 2
    assert read_key_pins(settings.organisation_key_pins_file, "-").pairs == pairs
    assert any(
        f"every host that seals (bot side and console): {a} {b}" in created for a, b in pairs
    )
