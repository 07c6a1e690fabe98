"""The report form: each answer is interpreted and firewalled before it becomes a slot."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.answers import interpret_answer
from actions.support import send_immigration_aware_support
from bot.core.firewall import default_firewall
from bot.core.report_fields import RED_FLAGS, YES

SAFETY_REPLIES = {"emergency": "utter_emergency", "suicidal_feelings": "utter_suicidal_feelings"}


class ValidateReportForm(FormValidationAction):
    """Fills only the question that was asked, and only with a checked value."""

    def name(self) -> str:
        return "validate_report_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        skipped: set[str] = set()
        if tracker.get_slot("nation") != "england":
            skipped.add("region")
        if tracker.get_slot("risk_questions_ok") != YES:
            skipped.update(RED_FLAGS)
        if tracker.get_slot("consent_to_share") != YES:
            skipped.add("safe_contact_time")
        return [slot for slot in domain_slots if slot not in skipped]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        events = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return events + ([next_slot] if next_slot else [])

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested is None:
            return []
        answer = interpret_answer(requested, tracker.latest_message, default_firewall())
        if answer is None:
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in SAFETY_REPLIES:
            dispatcher.utter_message(response=SAFETY_REPLIES[intent])
        if answer.redacted:
            dispatcher.utter_message(response="utter_status_not_recorded")
            send_immigration_aware_support(dispatcher)
        return [SlotSet(requested, answer.value)]
