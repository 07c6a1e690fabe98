"""``python -m bot audit | audit-verify | purge | erase``, real subprocesses on a temp var/."""

from __future__ import annotations

import os
import secrets
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.core.config import PROJECT_ROOT, Settings, load_settings
from bot.core.crypto import FrontEndKey
from bot.core.db.models import AuditEntry, Handoff, HandoffStatus, Organisation
from bot.core.db.store import Database, HandoffFields, create_engine_for
from bot.core.tracker_vault import tracker_vault_for
from tests.support_cases import get_handoff, legacy_draft, open_case

APP_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A var/ of its own, prepared by the real ``local-setup`` command."""
    environment = dict(os.environ, LANTERN_VAR_DIR=str(tmp_path_factory.mktemp("var")))
    for variable in list(environment):
        if variable.startswith("LANTERN_") and variable != "LANTERN_VAR_DIR":
            del environment[variable]
    assert run(environment, "local-setup").returncode == 0
    return environment


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(APP_PYTHON), "-m", "bot", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def db_at(settings: Settings, now: datetime | None = None) -> Database:
    return Database(create_engine_for(settings), clock=(lambda: now) if now else None)


def draft_for(settings: Settings, pseudonym: str, now: datetime | None = None) -> str:
    """A draft the older two-step sharing left behind: erase and purge still clear them."""
    db = db_at(settings, now)
    with db.transaction() as session:
        organisation_id = session.scalars(select(Organisation.id)).one()
    return legacy_draft(db, pseudonym, organisation_id)


def case_for(settings: Settings, pseudonym: str) -> str:
    db = db_at(settings)
    with db.transaction() as session:
        organisation_id = session.scalars(select(Organisation.id)).one()
    key = FrontEndKey(settings.front_end_key())
    return open_case(db, pseudonym, organisation_id, HandoffFields(), {"account": "x"}, key=key)


def audit_actions(settings: Settings) -> list[str]:
    with db_at(settings).transaction() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_erase_removes_drafts_withdraws_cases_and_deletes_the_tracker(
    env: dict[str, str],
) -> None:
    """Given a person with a draft, a submitted case and a tracker, when ``erase`` runs, then the
    draft is gone, the case is withdrawn without its report, the tracker is gone, and it is
    audited; someone else's tracker stays."""
    settings = load_settings(env)
    person, bystander = secrets.token_hex(32), secrets.token_hex(32)
    submitted = case_for(settings, person)
    draft = draft_for(settings, person)
    vault = tracker_vault_for(settings)
    vault.put(person, b'{"events": []}')
    vault.put(bystander, b'{"events": []}')

    result = run(env, "erase", "--pseudonym", person)

    assert result.returncode == 0, result.stderr
    assert "tracker deleted: True" in result.stdout
    assert person not in result.stdout
    with db_at(settings).transaction() as session:
        assert session.get(Handoff, draft) is None
        case = session.get(Handoff, submitted)
        assert case is not None and case.status is HandoffStatus.WITHDRAWN
        assert case.sealed_report is None and case.pseudonym is None
        assert case.sealed_link is None
    assert vault.get(person) is None and vault.get(bystander) is not None
    assert "person.erase" in audit_actions(settings)


def test_erase_refuses_a_raw_id(env: dict[str, str]) -> None:
    result = run(env, "erase", "--pseudonym", "123456789")
    assert result.returncode == 2
    assert result.stderr.startswith("lantern: ")
    assert "Traceback" not in result.stderr


def test_purge_deletes_stale_drafts_and_idle_trackers_and_is_audited(env: dict[str, str]) -> None:
    settings = load_settings(env)
    stale = draft_for(settings, secrets.token_hex(32), datetime.now(timezone.utc) - timedelta(3))
    fresh = draft_for(settings, secrets.token_hex(32))

    default = run(env, "purge")
    assert default.returncode == 0, default.stderr
    assert get_handoff(db_at(settings), stale) is not None

    result = run(env, "purge", "--draft-days", "2", "--closed-days", "30")

    assert result.returncode == 0, result.stderr
    assert "drafts_deleted=1" in result.stdout
    with db_at(settings).transaction() as session:
        assert session.get(Handoff, stale) is None
        assert session.get(Handoff, fresh) is not None
    assert audit_actions(settings).count("retention.purge") == 2


def test_purge_days_come_from_the_environment_too(env: dict[str, str]) -> None:
    settings = load_settings(env)
    stale = draft_for(settings, secrets.token_hex(32), datetime.now(timezone.utc) - timedelta(3))
    result = run({**env, "LANTERN_PURGE_DRAFT_DAYS": "2"}, "purge")
    assert result.returncode == 0, result.stderr
    with db_at(settings).transaction() as session:
        assert session.get(Handoff, stale) is None


def test_purge_rejects_a_nonsense_retention(env: dict[str, str]) -> None:
    assert run(env, "purge", "--draft-days", "0").returncode == 2
    bad_env = run({**env, "LANTERN_PURGE_CLOSED_DAYS": "soon"}, "purge")
    assert bad_env.returncode == 2
    assert "LANTERN_PURGE_CLOSED_DAYS" in bad_env.stderr


def test_a_checkpoint_exported_by_the_cli_finds_a_cut_tail(
    tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]
) -> None:
    """Given a checkpoint printed by ``audit checkpoint`` (and by every ``purge``) and kept in a
    file, When the newest entries are deleted past the triggers, Then ``audit verify`` alone
    passes and ``audit verify --against`` the file exits 1."""
    own = {**env, "LANTERN_VAR_DIR": str(tmp_path_factory.mktemp("cut"))}
    assert run(own, "local-setup").returncode == 0
    purged = run(own, "purge")
    assert purged.returncode == 0 and "audit checkpoint {" in purged.stdout
    checkpoint = run(own, "audit", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    saved = tmp_path_factory.mktemp("offsite") / "checkpoint.txt"
    saved.write_text(checkpoint.stdout, "utf-8")
    assert run(own, "audit", "verify", "--against", str(saved)).returncode == 0

    engine = create_engine_for(load_settings(own))
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        last = connection.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()
        connection.execute(text("DELETE FROM audit_log WHERE seq = :last"), {"last": last})

    assert run(own, "audit", "verify").returncode == 0
    cut = run(own, "audit", "verify", "--against", str(saved))
    assert cut.returncode == 1 and "tail was cut" in cut.stdout


def test_audit_verify_passes_then_names_the_edited_entry(env: dict[str, str]) -> None:
    """Runs last in this module: it edits the audit log past its triggers."""
    intact = run(env, "audit-verify")
    assert intact.returncode == 0, intact.stderr
    assert "audit log intact" in intact.stdout

    engine = create_engine_for(load_settings(env))
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("UPDATE audit_log SET action = 'handoff.read' WHERE seq = 2"))

    broken = run(env, "audit-verify")
    assert broken.returncode == 1
    assert "BROKEN at entry 2" in broken.stdout


def test_the_console_refuses_to_start_without_the_front_ends_public_key(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Given the console's host lacks the public key file, When `python -m bot console` starts,
    Then it stops at once with a message naming the file and its variable, serving nothing."""
    missing = tmp_path / "front_end.pub"
    done = run({**env, "LANTERN_FRONT_END_PUBLIC_KEY_FILE": str(missing)}, "console")
    assert done.returncode == 2
    assert str(missing) in done.stderr and "LANTERN_FRONT_END_PUBLIC_KEY_FILE" in done.stderr
