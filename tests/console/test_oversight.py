"""Statistics with suppression, the audit page and verifier, the directory page, the keys."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import text

from bot.core.db.keys import unlock_organisation_keys
from bot.core.report_fields import Urgency

from .conftest import ADMIN, OTHER_ADMIN, WORKER, World, sign_in


def test_statistics_suppress_counts_under_five(world: World) -> None:
    """Given three London cases and five very-high-urgency cases, Then region shows "<5" for
    London in the page and the CSV, and urgency shows 5 exactly."""
    for _ in range(3):
        world.submit(region="london")
    for _ in range(5):
        world.submit(region="north_east", urgency=Urgency.VERY_HIGH)
    client = world.client()
    sign_in(world, client)
    page = client.get("/statistics")
    assert page.status_code == 200 and "<svg" in page.text
    rows = list(csv.DictReader(io.StringIO(client.get("/statistics.csv").text)))
    counts = {(row["dimension"], row["value"]): row["count"] for row in rows}
    assert counts[("region", "london")] == "<5"
    assert counts[("region", "north_east")] == "5"
    assert counts[("urgency", "very_high")] == "5"
    assert counts[("urgency", "high")] == "<5"
    assert counts[("outcome", "still_open")] == "8"
    assert all(
        row["dimension"] in {"week", "abuse_kind", "region", "urgency", "outcome"} for row in rows
    )


def test_supervisors_read_the_audit_log_and_run_the_verifier(world: World) -> None:
    handoff_id = world.submit()
    worker, admin = world.client(), world.client()
    sign_in(world, worker)
    worker.get(f"/cases/{handoff_id}")
    assert worker.get("/audit").status_code == 404
    csrf = sign_in(world, admin, ADMIN)
    page = admin.get("/audit").text
    assert "handoff.read" in page and "console.sign_in" in page
    verified = admin.post("/audit", data={"csrf": csrf})
    assert verified.status_code == 200 and "Intact:" in verified.text
    assert admin.post("/audit").status_code == 403


def test_a_supervisor_sees_only_their_own_organisations_entries(world: World) -> None:
    """Given a case of the first organisation that its caseworker read, Then the other
    organisation's admin finds none of it on /audit (only their own sign-in), and the first
    organisation's admin does."""
    handoff_id = world.submit()
    worker, own, other = world.client(), world.client(), world.client()
    sign_in(world, worker)
    worker.get(f"/cases/{handoff_id}")
    sign_in(world, own, ADMIN)
    sign_in(world, other, OTHER_ADMIN)

    theirs, ours = other.get("/audit").text, own.get("/audit").text

    assert handoff_id[:8] in ours and "handoff.read" in ours
    assert handoff_id[:8] not in theirs and "handoff.read" not in theirs
    assert "console.sign_in" in theirs


def test_directory_page_flags_entries_older_than_six_months(world: World) -> None:
    world.clock.advance(days=400)  # every shipped entry is now over six months old
    admin = world.client()
    sign_in(world, admin, ADMIN)
    page = admin.get("/directory")
    assert page.status_code == 200 and "Re-verify: over 6 months old" in page.text


def test_the_organisation_key_is_never_written_to_disk_unwrapped(
    world: World, tmp_path: Path
) -> None:
    """Given a caseworker who signed in and read, replied and noted, Then the private key bytes
    (raw or hex) appear nowhere in the database or under var/."""
    handoff_id = world.submit()
    client = world.client()
    csrf = sign_in(world, client)
    client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf})
    client.post(f"/cases/{handoff_id}/reply", data={"csrf": csrf, "text": "We can help."})
    client.get(f"/cases/{handoff_id}")
    with world.db.transaction() as session:
        staff_id = session.execute(
            text("SELECT id FROM staff WHERE login_name = :login"), {"login": WORKER.login}
        ).scalar_one()
        keys = unlock_organisation_keys(session, staff_id, WORKER.passphrase)
        secrets = [key._secret for key in keys.values()]
        dump = b""
        for table in (
            "organisations",
            "organisation_keys",
            "staff",
            "wrapped_keys",
            "handoffs",
            "thread_messages",
            "case_notes",
            "outbox",
            "audit_log",
        ):
            for row in session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608 - fixed names
                dump += repr(tuple(row)).encode() + b"".join(
                    bytes(value) for value in row if isinstance(value, (bytes, memoryview))
                )
    files = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    for secret in secrets:
        for form in (secret, secret.hex().encode(), secret[:32], secret[-32:]):
            assert form not in dump and form not in files
