"""Submitting or discarding the report the form collected."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.support import language_of, need_from, send_services
from bot.core.db.store import HandoffFields
from bot.core.errors import LanternError
from bot.core.languages import LANGUAGE_KEY as LANGUAGE
from bot.core.report_fields import NOT_GIVEN, RED_FLAGS, YES, Urgency, urgency_level
from bot.core.uk_time import now_in_london

logger = logging.getLogger(__name__)

REPORT_SLOTS = (
    "report_account",
    "abuse_kinds",
    "last_happened",
    "ongoing",
    "children_in_home",
    "nation",
    "region",
    "help_wanted",
    "consent_to_share",
    "safe_contact_time",
    "risk_questions_ok",
    *RED_FLAGS,
    "urgency",
)
# Steps of the conversation, not answers: forgotten with the answers, never sealed.
CHOSEN_KINDS = "abuse_kinds_chosen"
CONVERSATION_SLOTS = (CHOSEN_KINDS, "reporter_role")


def answers_from(tracker: Tracker) -> dict[str, Any]:
    return {slot: tracker.get_slot(slot) for slot in REPORT_SLOTS}


def fields_from(answers: dict[str, Any], urgency: str) -> HandoffFields:
    """The fixed-choice facts the console may show without opening the sealed report."""

    def chosen(slot: str) -> str | None:
        value = answers.get(slot)
        return value if isinstance(value, str) and value != NOT_GIVEN else None

    return HandoffFields(
        urgency=Urgency(urgency),
        abuse_kinds=tuple(answers.get("abuse_kinds") or ()),
        nation=chosen("nation"),
        region=chosen("region"),
        help_types=tuple(answers.get("help_wanted") or ()),
        last_happened=chosen("last_happened"),
        consent=answers.get("consent_to_share") == YES,
        safe_contact_time=chosen("safe_contact_time"),
    )


def share_with_caseworker(
    pseudonym: str, answers: dict[str, Any], urgency: str, language: str | None = None
) -> str:
    """Seal the report to the charity that fits the person and open a handoff."""
    return runtime.store().share_report(
        pseudonym,
        fields_from(answers, urgency),
        answers,
        language,
        courier=runtime.front_end_public_key(),
    )


def forget_answers() -> list[dict[str, Any]]:
    # reporter_role too: a next report in this chat may be about the person themselves.
    return [SlotSet(slot, None) for slot in (*REPORT_SLOTS, *CONVERSATION_SLOTS)]


class ActionSubmitReport(Action):
    """Shares the report when the person said yes, shows support either way, and closes with
    what happens now."""

    def name(self) -> str:
        return "action_submit_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        answers = answers_from(tracker)
        urgency = urgency_level(answers)
        answers["urgency"] = urgency
        answers["reporter_role"] = tracker.get_slot("reporter_role") or "self"
        # Sealed with the answers, so the caseworker can reply in it; nowhere in plain.
        answers[LANGUAGE] = language_of(tracker)
        events = forget_answers()
        if answers["consent_to_share"] == YES:
            try:
                share_with_caseworker(tracker.sender_id, answers, urgency, answers[LANGUAGE])
                dispatcher.utter_message(response="utter_report_shared")
            except LanternError as error:
                logger.error("report could not be shared: %s", type(error).__name__)
                dispatcher.utter_message(response="utter_report_not_saved")
                # Kept, so that starting the report again finds every answer and retries.
                events = []
        else:
            dispatcher.utter_message(response="utter_report_not_shared")
        if urgency == "very_high":
            dispatcher.utter_message(response="utter_serious_danger")
        at = now_in_london()
        try:
            send_services(dispatcher, runtime.directory().rank(need_from(tracker), at), at, tracker)
        except LanternError as error:
            # The report's fate is already told; a failed listing must not blank the whole turn.
            logger.error("services could not be listed: %s", type(error).__name__)
        dispatcher.utter_message(response="utter_report_closing")
        return events


class ActionDiscardReport(Action):
    """Forgets every answer given so far in this conversation."""

    def name(self) -> str:
        return "action_discard_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if any(tracker.get_slot(slot) is not None for slot in (*REPORT_SLOTS, CHOSEN_KINDS)):
            dispatcher.utter_message(response="utter_report_discarded")
        else:
            dispatcher.utter_message(response="utter_nothing_to_discard")
        return forget_answers()
