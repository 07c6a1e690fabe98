"""The report form: each answer is interpreted and firewalled before it becomes a slot."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.answers import Answer, choose_abuse_kinds, interpret_answer, opening_account
from actions.support import language_of, send_immigration_aware_support
from bot.core.firewall import default_firewall
from bot.core.locale import catalogue
from bot.core.report_fields import RED_FLAGS, YES

SAFETY_REPLIES = {"emergency": "utter_emergency", "suicidal_feelings": "utter_suicidal_feelings"}
ACCOUNT = "report_account"
KINDS = "abuse_kinds"
# Kinds picked with buttons while the question stays open; abuse_kinds is set on "Done".
CHOSEN = "abuse_kinds_chosen"
DOCUMENTS = "documents"
KIND_IN_PAYLOAD = re.compile(r'"abuse_kind":\s*"([a-z_]+)"')


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
            # The message that opened the form may already be the account ("my husband beats me").
            if tracker.get_slot(ACCOUNT) is not None:
                return []
            opening = opening_account(tracker.latest_message, default_firewall())
            if opening is None:
                return []
            dispatcher.utter_message(response="utter_account_from_opening")
            return self._keep(dispatcher, tracker, domain, ACCOUNT, opening)
        if requested == KINDS:
            return self._choose_kinds(dispatcher, tracker, domain)
        answer = interpret_answer(requested, tracker.latest_message, default_firewall())
        if answer is None:
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in SAFETY_REPLIES:
            dispatcher.utter_message(response=SAFETY_REPLIES[intent])
        return self._keep(dispatcher, tracker, domain, requested, answer)

    def _keep(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        slot: str,
        answer: Answer,
    ) -> list[dict[str, Any]]:
        if answer.redacted:
            dispatcher.utter_message(response="utter_status_not_recorded")
            send_immigration_aware_support(dispatcher, tracker)
        events = [SlotSet(slot, answer.value)]
        chosen = list(tracker.get_slot(CHOSEN) or [])
        if answer.withheld_documents and DOCUMENTS not in chosen:
            # Keeping someone's documents is abuse: the kinds question starts with it chosen.
            chosen.append(DOCUMENTS)
            events.append(SlotSet(CHOSEN, chosen))
            tell_chosen(dispatcher, tracker, domain, chosen)
        return events

    def _choose_kinds(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        chosen = list(tracker.get_slot(CHOSEN) or [])
        choice = choose_abuse_kinds(tracker.latest_message, chosen)
        if choice is None:
            return []
        if choice.done:
            return [SlotSet(KINDS, choice.chosen), SlotSet(CHOSEN, None)]
        tell_chosen(dispatcher, tracker, domain, choice.chosen)
        return [SlotSet(CHOSEN, choice.chosen)]


def kind_labels(domain: DomainDict, language: str) -> dict[str, str]:
    """Each abuse kind's button title in the kinds question, so what was chosen is told in the
    words the person pressed, in their language."""
    labels: dict[str, str] = {}
    responses = {**domain.get("responses", {}), **catalogue(language).responses}
    for variation in responses.get("utter_ask_abuse_kinds", []):
        if variation.get("condition"):
            continue
        for button in variation.get("buttons") or []:
            found = KIND_IN_PAYLOAD.search(str(button.get("payload", "")))
            if found:
                labels[found.group(1)] = str(button.get("title", found.group(1)))
    return labels


def tell_chosen(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, chosen: list[str]
) -> None:
    if not chosen:
        dispatcher.utter_message(response="utter_abuse_kinds_none_chosen")
        return
    labels = kind_labels(domain, language_of(tracker))
    dispatcher.utter_message(
        response="utter_abuse_kinds_chosen",
        chosen=", ".join(labels.get(kind, kind) for kind in chosen),
    )
