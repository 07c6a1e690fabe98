"""ActionSubmitReport and ActionDiscardReport on real rasa-sdk objects and a real database."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select

from actions import runtime
from actions.report import (
    CONVERSATION_SLOTS,
    REPORT_SLOTS,
    ActionDiscardReport,
    ActionSubmitReport,
)
from bot.core.crypto import KdfParams
from bot.core.db.audit import SYSTEM, Actor
from bot.core.db.case_links import person_of
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.models import Handoff, HandoffStatus
from bot.core.db.organisations import Credentials, create_organisation
from bot.core.db.routing import set_organisation_coverage
from bot.core.db.store import Database, Store
from bot.core.locale import catalogue
from bot.core.report_fields import Urgency
from tests.support_cases import FRONT_END, read_report

from .conftest import SENDER, TrackerFactory

ANSWERS: dict[str, Any] = {
    "report_account": "He hit me. My spouse visa number is ZU1234567 and he hides it.",
    "abuse_kinds": ["physical"],
    "last_happened": "this_week",
    "ongoing": "yes",
    "children_in_home": "no",
    "nation": "wales",
    "region": None,
    "help_wanted": ["safe_place"],
    "risk_questions_ok": "yes",
    "flag_strangulation": "yes",
    "flag_threats_to_kill": "not_given",
    "flag_weapons": "no",
    "flag_pregnancy": "no",
    "flag_separation": "no",
    "flag_escalation": "no",
    "consent_to_share": "yes",
    "safe_contact_time": "evening",
}
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def store(engine: Engine, fast_kdf: KdfParams, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    store = Store(Database(engine))
    monkeypatch.setattr(runtime, "store", lambda: store)
    monkeypatch.setattr(runtime, "front_end_public_key", FRONT_END.courier_public_key)
    yield store


def provision(store: Store, fast_kdf: KdfParams) -> str:
    with store.db.transaction() as session:
        provisioned = create_organisation(
            session,
            "Test charity",
            Credentials("test-charity", PASSPHRASE),
            datetime.datetime.now(datetime.UTC),
            kdf=fast_kdf,
        )
    return provisioned.admin.staff_id


async def submit(tracker: Any, domain: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitReport().run(dispatcher, tracker, domain)
    return events, dispatcher.messages


async def test_a_shared_report_is_sealed_to_the_charity_without_immigration_details(
    store: Store, fast_kdf: KdfParams, make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    # Given a charity and a finished report whose account mentions a visa and a BRP number
    admin = provision(store, fast_kdf)
    # When the person agrees to share it
    events, messages = await submit(make_tracker(**ANSWERS), domain)
    # Then one open handoff holds only fixed choices in clear, urgency as a level
    with store.db.transaction() as session:
        handoff = session.scalars(select(Handoff)).one()
        keys = unlock_organisation_keys(session, admin, PASSPHRASE)
    assert handoff.status is HandoffStatus.OPEN
    assert handoff.urgency is Urgency.VERY_HIGH
    # And it names the person only sealed to the front end
    assert handoff.pseudonym is None
    assert person_of(handoff, {FRONT_END.key_id: FRONT_END}) == SENDER
    assert (handoff.nation, handoff.safe_contact_time) == ("wales", "evening")
    # And the sealed report opens for the charity, with the account but none of the status
    report = read_report(store.db, handoff.id, keys, Actor("caseworker", admin))
    assert report["report_account"].startswith("He hit me.")
    assert "visa" not in str(report).lower()
    assert "ZU1234567" not in str(report)
    # And the person is told, warned about the danger, shown services, and the answers are dropped
    responses = [message.get("response") for message in messages]
    assert responses[:2] == ["utter_report_shared", "utter_serious_danger"]
    assert any("Live Fear Free" in (message.get("text") or "") for message in messages)
    assert {event["name"] for event in events} == {*REPORT_SLOTS, *CONVERSATION_SLOTS}
    assert all(event["value"] is None for event in events)
    # And the report ends with a closing line and a next step, after the services
    assert responses[-1] == "utter_report_closing"


async def test_the_language_travels_sealed_with_the_report_and_nowhere_in_clear(
    store: Store, fast_kdf: KdfParams, make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    # Given a charity and a person who chose Urdu
    admin = provision(store, fast_kdf)
    # When they share their report
    _, messages = await submit(make_tracker(language="ur", **ANSWERS), domain)
    # Then the sealed report says so, for the caseworker's reply
    with store.db.transaction() as session:
        handoff = session.scalars(select(Handoff)).one()
        keys = unlock_organisation_keys(session, admin, PASSPHRASE)
        columns = {c.name: getattr(handoff, c.name) for c in Handoff.__table__.columns}
    assert read_report(store.db, handoff.id, keys, Actor("caseworker", admin))["language"] == "ur"
    # And no column of the handoff holds it in clear
    assert not any(value in ("ur", ["ur"]) for value in columns.values())
    # And the service cards came in Urdu
    cards = [m["text"] for m in messages if m.get("text")]
    assert cards and all(catalogue("ur").card("for", who="").strip() in card for card in cards)


async def test_asking_for_a_caseworker_shares_the_report_and_still_lists_services(
    store: Store, fast_kdf: KdfParams, make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    """Given a report whose only help wanted is "a caseworker to contact me" (a report choice
    with no directory service behind it), When it is shared, Then the person is told and shown
    services like anyone else rather than getting an empty turn."""
    provision(store, fast_kdf)
    answers = {**ANSWERS, "help_wanted": ["caseworker"]}

    _, messages = await submit(make_tracker(**answers), domain)

    assert messages[0].get("response") == "utter_report_shared"
    assert any("Live Fear Free" in (message.get("text") or "") for message in messages)


async def test_the_report_goes_to_the_partner_covering_the_persons_nation_and_language(
    store: Store, fast_kdf: KdfParams, make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    # Given, oldest first, a partner for England only, one for Wales in English only, and one
    # for Wales in English and Polish
    now = datetime.datetime.now(datetime.UTC)
    coverages = (("england", "en"), ("wales", "en"), ("wales", "pl,en"))
    with store.db.transaction() as session:
        england, wales_en, wales_pl = (
            create_organisation(
                session,
                "Partner",
                Credentials(f"partner{age}", PASSPHRASE),
                now + datetime.timedelta(minutes=age),
                kdf=fast_kdf,
            ).organisation_id
            for age in range(len(coverages))
        )
        for organisation_id, (nation, languages) in zip(
            (england, wales_en, wales_pl), coverages, strict=True
        ):
            set_organisation_coverage(
                session,
                organisation_id,
                actor=SYSTEM,
                now=now,
                nations=[nation],
                languages=languages.split(","),
            )
    # When a person in Wales who chose Polish shares a report
    await submit(make_tracker(language="pl", **ANSWERS), domain)
    # Then the Polish-speaking partner in Wales receives it
    with store.db.transaction() as session:
        assert session.scalars(select(Handoff.organisation_id)).one() == wales_pl


@pytest.mark.parametrize("consent", ["yes", "no"])
async def test_someone_reporting_for_another_is_forgotten_after_the_report(
    consent: str,
    store: Store,
    fast_kdf: KdfParams,
    make_tracker: TrackerFactory,
    domain: dict[str, Any],
) -> None:
    """Given a witness's report, When it is shared or not, Then reporter_role is reset, so a
    next report in this chat is not worded as if about someone else."""
    admin = provision(store, fast_kdf)
    tracker = make_tracker(
        **{**ANSWERS, "consent_to_share": consent, "reporter_role": "someone_else"}
    )
    events, messages = await submit(tracker, domain)
    assert {"event": "slot", "name": "reporter_role", "value": None, "timestamp": None} in events
    assert messages[-1]["response"] == "utter_report_closing"
    if consent == "yes":
        with store.db.transaction() as session:
            handoff = session.scalars(select(Handoff)).one()
            keys = unlock_organisation_keys(session, admin, PASSPHRASE)
        report = read_report(store.db, handoff.id, keys, Actor("caseworker", admin))
        assert report["reporter_role"] == "someone_else"


async def test_without_consent_nothing_is_stored(
    store: Store, fast_kdf: KdfParams, make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    provision(store, fast_kdf)
    _, messages = await submit(make_tracker(**{**ANSWERS, "consent_to_share": "no"}), domain)
    with store.db.transaction() as session:
        assert session.scalars(select(Handoff)).all() == []
    assert messages[0]["response"] == "utter_report_not_shared"


async def test_when_no_charity_can_receive_it_the_answers_are_kept_to_retry(
    store: Store, make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    events, messages = await submit(make_tracker(**ANSWERS), domain)
    assert messages[0]["response"] == "utter_report_not_saved"
    assert events == []


async def test_discard_forgets_every_answer(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionDiscardReport().run(
        dispatcher, make_tracker(report_account="x", nation="wales"), domain
    )
    assert dispatcher.messages[0]["response"] == "utter_report_discarded"
    assert all(event["value"] is None for event in events)
    assert {event["name"] for event in events} >= {"reporter_role", "abuse_kinds_chosen"}
    dispatcher = CollectingDispatcher()
    await ActionDiscardReport().run(dispatcher, make_tracker(), domain)
    assert dispatcher.messages[0]["response"] == "utter_nothing_to_discard"
