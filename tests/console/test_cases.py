"""Cases: isolation between organisations, queue order, claim, reply, notes, close."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.crypto import FrontEndKey
from bot.core.db.audit import Actor
from bot.core.db.directory_edits import save_edit
from bot.core.db.models import CaseNote, Handoff, HandoffStatus, OutboxMessage, ThreadMessage
from bot.core.db.store import Store
from bot.core.directory import Directory
from bot.core.report_fields import Urgency
from tests.support_cases import get_handoff

from .conftest import ADMIN, OTHER_ADMIN, PERSON, World, sign_in

STATUS_PHRASE = "I am on my spouse visa and my BRP number is ZU1234567"


def test_staff_of_another_organisation_get_404_on_the_case(world: World) -> None:
    """Given a case routed to the first organisation, When the other organisation's admin asks
    for it (page or action), Then both answer 404, exactly as for a case that does not exist."""
    handoff_id = world.submit()
    client = world.client()
    csrf = sign_in(world, client, OTHER_ADMIN)
    assert client.get(f"/cases/{handoff_id}").status_code == 404
    assert client.get("/cases/" + "0" * 32).status_code == 404
    assert client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf}).status_code == 404
    assert handoff_id not in client.get("/").text


def test_queue_orders_by_urgency_then_age_and_shows_who_claimed(world: World) -> None:
    standard = world.submit(urgency=Urgency.STANDARD)
    world.clock.advance(minutes=1)
    very_high = world.submit(urgency=Urgency.VERY_HIGH, story="He said he would kill me.")
    client, admin = world.client(), world.client()
    csrf = sign_in(world, client)
    sign_in(world, admin, ADMIN)
    page = client.get("/").text
    assert page.index(very_high) < page.index(standard)
    assert "kill" not in page  # the queue shows fixed-choice fields only
    client.post(f"/cases/{standard}/claim", data={"csrf": csrf})
    assert "Claimed by alice" in admin.get("/").text
    assert "Claimed by you" in client.get("/").text


def test_reply_goes_to_thread_and_outbox_without_immigration_status(world: World) -> None:
    """Given a claimed case, When the caseworker's reply volunteers a visa and a BRP number,
    Then the thread shows it redacted and the outbox payload (for the front end) holds no
    status either."""
    handoff_id = world.submit()
    client = world.client()
    csrf = sign_in(world, client)
    assert client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf}).status_code == 303
    reply = client.post(
        f"/cases/{handoff_id}/reply", data={"csrf": csrf, "text": f"Thank you. {STATUS_PHRASE}."}
    )
    assert reply.status_code == 303
    note = client.post(f"/cases/{handoff_id}/note", data={"csrf": csrf, "text": STATUS_PHRASE})
    assert note.status_code == 303
    page = client.get(f"/cases/{handoff_id}").text
    assert "Thank you." in page and "He pushed me" in page
    assert "ZU1234567" not in page and "spouse visa" not in page
    key = FrontEndKey(world.settings.front_end_key())
    deliveries = Store(world.db).pending_deliveries({key.key_id: key})
    assert [d.pseudonym for d in deliveries] == [PERSON]
    assert "Thank you." in deliveries[0].text and "ZU1234567" not in deliveries[0].text
    assert "spouse visa" not in deliveries[0].text
    with world.db.transaction() as session:
        blobs = [
            *session.scalars(select(ThreadMessage.sealed_body)),
            *session.scalars(select(CaseNote.sealed_body)),
            *session.scalars(select(OutboxMessage.sealed_payload)),
        ]
    assert blobs and all(b"ZU1234567" not in blob and b"Thank you" not in blob for blob in blobs)


def test_reply_and_close_need_a_claim_and_close_records_the_outcome(world: World) -> None:
    handoff_id = world.submit()
    client = world.client()
    csrf = sign_in(world, client)
    refused = client.post(f"/cases/{handoff_id}/reply", data={"csrf": csrf, "text": "Hello"})
    assert refused.status_code == 409
    client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf})
    bad = client.post(
        f"/cases/{handoff_id}/close", data={"csrf": csrf, "outcome": "referred", "service": "x"}
    )
    assert bad.status_code == 409
    closed = client.post(f"/cases/{handoff_id}/close", data={"csrf": csrf, "outcome": "no_contact"})
    assert closed.status_code == 303
    handoff = get_handoff(world.db, handoff_id)
    assert handoff.status is HandoffStatus.CLOSED and handoff.outcome == "no_contact"
    assert handoff_id not in client.get("/").text


def test_release_returns_the_case_to_the_queue(world: World) -> None:
    handoff_id = world.submit()
    client = world.client()
    csrf = sign_in(world, client)
    client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf})
    client.post(f"/cases/{handoff_id}/release", data={"csrf": csrf})
    with world.db.transaction() as session:
        handoff = session.get(Handoff, handoff_id)
        assert handoff is not None
        assert handoff.status is HandoffStatus.OPEN and handoff.claimed_by is None


def test_a_referral_can_name_a_service_a_supervisor_added(world: World) -> None:
    """Given a service added in the console's directory after the console started, When a
    caseworker closes a case as a referral to it, Then the referral is accepted and recorded."""
    handoff_id = world.submit()
    client = world.client()
    csrf = sign_in(world, client)
    client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf})
    added = {
        "id": "added_helpline",
        "name": "Added Helpline",
        "helps_with": ["talk"],
        "who": "anyone affected by domestic abuse",
        "nations": ["england"],
        "languages": ["en"],
        # Ofcom's range for drama: a number that can never reach a real person.
        "contact": [{"kind": "phone", "value": "0808 157 0999"}],
        "hours": {"always": True},
        "immigration_advice": False,
        "source": "https://example.org/added-helpline",
        "verified": "2026-11-20",
    }
    base = Directory.from_file(world.settings.data_dir / "services" / "directory.yml")
    with world.db.transaction() as session:
        save_edit(session, base, added, Actor("admin"), world.clock(), adding=True)

    page = client.get(f"/cases/{handoff_id}")
    closed = client.post(
        f"/cases/{handoff_id}/close",
        data={"csrf": csrf, "outcome": "referred", "service": "added_helpline"},
    )

    assert "Added Helpline" in page.text
    assert closed.status_code == 303
    assert get_handoff(world.db, handoff_id).outcome_service == "added_helpline"


def test_a_withdrawn_case_refuses_a_note_kindly_and_keeps_none(world: World) -> None:
    """Given a claimed case the person then withdrew (erasure), When the caseworker adds a note,
    Then the console refuses with a kind 409 and no note is stored."""
    handoff_id = world.submit()
    client = world.client()
    csrf = sign_in(world, client)
    client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf})
    Store(world.db).erase_pseudonym(PERSON, world.front_end)

    refused = client.post(f"/cases/{handoff_id}/note", data={"csrf": csrf, "text": "Called."})

    assert refused.status_code == 409 and "withdrew" in refused.text
    with world.db.transaction() as session:
        assert session.scalars(select(CaseNote)).all() == []
