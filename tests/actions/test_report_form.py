"""ValidateReportForm, run as the action server runs it, on real rasa-sdk objects."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.report_form import ValidateReportForm
from bot.core.firewall import REDACTION_MARK

from .conftest import TrackerFactory


async def run_form(tracker: Any, domain: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateReportForm().run(dispatcher, tracker, domain)
    slots = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    return slots, dispatcher.messages


async def test_volunteered_status_in_the_account_is_removed_and_acknowledged(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    # Given the form asks what happened, and the person mentions their visa in the answer
    tracker = make_tracker(
        text="He hits me and says my spouse visa will be cancelled if I leave",
        intent="volunteer_immigration_status",
        requested_slot="report_account",
        active_loop="report_form",
    )
    # When the form validates the answer
    slots, messages = await run_form(tracker, domain)
    # Then the account is kept without the status, and the person is told it was not kept
    account = slots["report_account"]
    assert "visa" not in account.lower()
    assert REDACTION_MARK in account
    assert "He hits me" in account
    assert messages[0]["response"] == "utter_status_not_recorded"
    assert any("Southall Black Sisters" in (m.get("text") or "") for m in messages)
    assert slots["requested_slot"] == "abuse_kinds"


async def test_an_account_without_status_is_kept_as_written(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        text="he shouts at me and takes my wages",
        intent="report_abuse",
        requested_slot="report_account",
        active_loop="report_form",
    )
    slots, messages = await run_form(tracker, domain)
    assert slots["report_account"] == "he shouts at me and takes my wages"
    assert messages == []


async def test_danger_described_in_the_account_is_kept_and_answered_with_999(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        text="he is at the door now",
        intent="emergency",
        requested_slot="report_account",
        active_loop="report_form",
    )
    slots, messages = await run_form(tracker, domain)
    assert slots["report_account"] == "he is at the door now"
    assert messages[0]["response"] == "utter_emergency"


async def test_an_emergency_is_not_taken_as_an_answer_to_a_choice(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        text="he is at the door now",
        intent="emergency",
        requested_slot="ongoing",
        active_loop="report_form",
        report_account="x",
        abuse_kinds=[],
        last_happened="today",
    )
    slots, _ = await run_form(tracker, domain)
    assert "ongoing" not in slots


async def test_skip_moves_on_and_england_brings_the_region_question(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        text="/inform",
        intent="inform",
        entities=[{"entity": "nation", "value": "england"}],
        requested_slot="nation",
        active_loop="report_form",
        report_account="not_given",
        abuse_kinds=["physical"],
        last_happened="today",
        ongoing="yes",
        children_in_home="no",
    )
    slots, _ = await run_form(tracker, domain)
    assert slots == {"nation": "england", "requested_slot": "region"}


async def test_outside_england_the_region_is_not_asked(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="inform",
        entities=[{"entity": "nation", "value": "wales"}],
        requested_slot="nation",
        active_loop="report_form",
        report_account="x",
        abuse_kinds=[],
        last_happened="not_given",
        ongoing="no",
        children_in_home="no",
    )
    slots, _ = await run_form(tracker, domain)
    assert slots["requested_slot"] == "help_wanted"


async def test_skipping_the_risk_questions_goes_straight_to_consent(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="skip",
        requested_slot="risk_questions_ok",
        active_loop="report_form",
        report_account="x",
        abuse_kinds=[],
        last_happened="today",
        ongoing="yes",
        children_in_home="no",
        nation="not_given",
        help_wanted=[],
    )
    slots, _ = await run_form(tracker, domain)
    assert slots == {"risk_questions_ok": "not_given", "requested_slot": "consent_to_share"}


async def test_declining_to_share_ends_the_form_without_asking_for_a_contact_time(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="deny",
        requested_slot="consent_to_share",
        active_loop="report_form",
        report_account="x",
        abuse_kinds=[],
        last_happened="today",
        ongoing="yes",
        children_in_home="no",
        nation="not_given",
        help_wanted=[],
        risk_questions_ok="no",
    )
    slots, _ = await run_form(tracker, domain)
    assert slots == {"consent_to_share": "no", "requested_slot": None}
