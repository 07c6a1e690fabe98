"""ValidateReportForm, run as the action server runs it, on real rasa-sdk objects."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.report_form import ValidateReportForm
from bot.core.firewall import REDACTION_MARK
from bot.core.locale import catalogue
from bot.core.report_fields import RED_FLAGS

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


CORE = dict(
    report_account="x",
    abuse_kinds=[],
    last_happened="today",
    ongoing="yes",
    children_in_home="no",
    nation="not_given",
    help_wanted=[],
)


async def test_after_the_help_wanted_the_eighth_question_is_consent(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="skip",
        requested_slot="help_wanted",
        active_loop="report_form",
        **{**CORE, "help_wanted": None},
    )
    slots, _ = await run_form(tracker, domain)
    assert slots == {"help_wanted": [], "requested_slot": "consent_to_share"}


async def test_after_the_contact_time_the_extra_questions_are_offered(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="inform",
        entities=[{"entity": "contact_time", "value": "evening"}],
        requested_slot="safe_contact_time",
        active_loop="report_form",
        consent_to_share="yes",
        **CORE,
    )
    slots, _ = await run_form(tracker, domain)
    assert slots == {"safe_contact_time": "evening", "requested_slot": "risk_questions_ok"}


async def test_declining_to_share_skips_the_contact_time_and_still_offers_the_extra_questions(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="deny", requested_slot="consent_to_share", active_loop="report_form", **CORE
    )
    slots, _ = await run_form(tracker, domain)
    assert slots == {"consent_to_share": "no", "requested_slot": "risk_questions_ok"}


@pytest.mark.parametrize("intent", ["deny", "skip"])
async def test_declining_the_extra_questions_ends_the_form(
    intent: str, make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent=intent,
        requested_slot="risk_questions_ok",
        active_loop="report_form",
        consent_to_share="no",
        **CORE,
    )
    slots, _ = await run_form(tracker, domain)
    assert slots["requested_slot"] is None
    assert not any(flag in slots for flag in RED_FLAGS)


async def test_accepting_the_extra_questions_asks_the_gravest_red_flag_first(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="affirm",
        requested_slot="risk_questions_ok",
        active_loop="report_form",
        consent_to_share="no",
        **CORE,
    )
    slots, _ = await run_form(tracker, domain)
    assert slots == {"risk_questions_ok": "yes", "requested_slot": "flag_strangulation"}


def test_each_default_question_shows_its_place_of_nine_and_each_extra_its_place_of_six(
    domain: dict[str, Any],
) -> None:
    """The numbers in the questions' texts follow the form's order, region sharing the
    nation's number, so the person's "3 of 9" is true whatever the wording becomes."""
    order = [slot for slot in domain["forms"]["report_form"]["required_slots"]]
    core = [slot for slot in order if slot not in RED_FLAGS and slot != "risk_questions_ok"]
    expected = {}
    number = 0
    for slot in core:
        number += slot != "region"
        expected[slot] = f"({number} of 9) "
    expected.update({flag: f"(Extra {n} of 6) " for n, flag in enumerate(RED_FLAGS, start=1)})
    assert number == 9
    for slot, prefix in expected.items():
        for variation in domain["responses"][f"utter_ask_{slot}"]:
            assert variation["text"].startswith(prefix), slot


async def test_an_opening_that_tells_what_happened_fills_the_account_and_asks_the_kinds(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    # Given the form is starting on the person's first message, which tells what happened
    tracker = make_tracker(text="my husband beats me", intent="report_abuse")
    # When the form validates it
    slots, messages = await run_form(tracker, domain)
    # Then it is the account, the person is told so, and the next question is the kinds
    assert slots == {"report_account": "my husband beats me", "requested_slot": "abuse_kinds"}
    assert [m["response"] for m in messages] == ["utter_account_from_opening"]


async def test_a_plain_request_to_report_asks_for_the_account(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(text="I want to report domestic abuse", intent="report_abuse")
    slots, messages = await run_form(tracker, domain)
    assert slots == {"requested_slot": "report_account"}
    assert messages == []


async def test_resuming_a_kept_report_never_overwrites_its_account(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        text="my husband beats me", intent="report_abuse", report_account="he shouts"
    )
    slots, _ = await run_form(tracker, domain)
    assert slots == {"requested_slot": "abuse_kinds"}


def kind_button(kind: str) -> dict[str, Any]:
    return dict(
        text=f'/inform{{"abuse_kind": "{kind}"}}',
        intent="inform",
        entities=[{"entity": "abuse_kind", "value": kind}],
    )


async def test_kinds_are_chosen_one_press_at_a_time_and_told_back_until_done(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    asked = dict(requested_slot="abuse_kinds", active_loop="report_form", report_account="x")
    # When the person presses "Physical" with "Money" already chosen
    tracker = make_tracker(**kind_button("physical"), abuse_kinds_chosen=["economic"], **asked)
    slots, messages = await run_form(tracker, domain)
    # Then the question stays open and tells what is chosen, in the buttons' words
    assert slots == {
        "abuse_kinds_chosen": ["economic", "physical"],
        "requested_slot": "abuse_kinds",
    }
    assert messages[0]["response"] == "utter_abuse_kinds_chosen"
    assert messages[0]["chosen"] == "Money, Physical"
    # And "Done" keeps both and moves on
    tracker = make_tracker(
        text="/affirm", intent="affirm", abuse_kinds_chosen=["economic", "physical"], **asked
    )
    slots, _ = await run_form(tracker, domain)
    assert slots == {
        "abuse_kinds": ["economic", "physical"],
        "abuse_kinds_chosen": None,
        "requested_slot": "last_happened",
    }


async def test_what_was_chosen_is_told_in_the_persons_language(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    asked = dict(requested_slot="abuse_kinds", active_loop="report_form", report_account="x")
    # Given a person who chose Polish presses "Physical" with "Money" already chosen
    tracker = make_tracker(
        **kind_button("physical"), language="pl", abuse_kinds_chosen=["economic"], **asked
    )
    _, messages = await run_form(tracker, domain)
    # Then what is chosen is told in the Polish buttons' words
    buttons = catalogue("pl").responses["utter_ask_abuse_kinds"][0]["buttons"]
    polish = {
        b["payload"].split('"')[-2]: b["title"] for b in buttons if "abuse_kind" in b["payload"]
    }
    assert messages[0]["chosen"] == f"{polish['economic']}, {polish['physical']}"
    assert "Physical" not in messages[0]["chosen"]


async def test_taking_away_the_last_kind_says_nothing_is_chosen(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        **kind_button("tech"),
        abuse_kinds_chosen=["tech"],
        requested_slot="abuse_kinds",
        active_loop="report_form",
        report_account="x",
    )
    slots, messages = await run_form(tracker, domain)
    assert slots["abuse_kinds_chosen"] == []
    assert messages[0]["response"] == "utter_abuse_kinds_none_chosen"


async def test_documents_kept_from_the_person_in_the_account_are_chosen_as_a_kind(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    # Given the person writes that he took their passport
    tracker = make_tracker(
        text="he took my passport and hit me when i asked for it",
        intent="inform",
        requested_slot="report_account",
        active_loop="report_form",
    )
    slots, messages = await run_form(tracker, domain)
    # Then the account keeps no document, and "keeps my documents from me" starts chosen
    assert "passport" not in slots["report_account"].lower()
    assert slots["abuse_kinds_chosen"] == ["documents"]
    chosen = [m for m in messages if m.get("response") == "utter_abuse_kinds_chosen"]
    assert chosen[0]["chosen"] == "Keeps my documents from me"
    assert slots["requested_slot"] == "abuse_kinds"
