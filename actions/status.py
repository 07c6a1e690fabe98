"""After volunteered status: a one-line note, then an answer to the rest of the message.

The channel's firewall has already cut the status out and the safety net has forced the intent
``volunteer_immigration_status``, so the classifier's own guess survives only as the runner-up in
the intent ranking. A message that also tells of abuse ("he hits me and took my passport, I'm on
a spouse visa") must get the normal answer to the abuse, never only the note.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.support import ActionShowSupport, send_immigration_aware_support
from bot.core.disclosure import tells_of_abuse

STATUS_INTENT = "volunteer_immigration_status"
# Below this the classifier's runner-up is a guess, not something the person asked for.
RUNNER_UP_MIN_CONFIDENCE = 0.3
SUPPORT_INTENTS = frozenset({"find_support", "talk_to_person"})
# Runner-up intents answered by a response of their own.
RESPONSE_FOR_INTENT = {
    "report_abuse": "utter_offer_report",
    "help_someone_else": "utter_help_someone_else",
}


def runner_up_intent(latest_message: dict[str, Any]) -> str | None:
    """What the classifier made of the message before the safety net forced the status intent."""
    for entry in latest_message.get("intent_ranking") or []:
        name = entry.get("name")
        if name in (STATUS_INTENT, "nlu_fallback"):
            continue
        confidence = entry.get("confidence")
        if isinstance(confidence, int | float) and confidence >= RUNNER_UP_MIN_CONFIDENCE:
            return str(name)
        return None
    return None


class ActionAnswerAfterStatus(Action):
    """The answer that follows ``utter_status_not_recorded`` outside the report form."""

    def name(self) -> str:
        return "action_answer_after_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        intent = runner_up_intent(tracker.latest_message)
        if tells_of_abuse(text):
            intent = "report_abuse"
        if intent in SUPPORT_INTENTS:
            return await ActionShowSupport().run(dispatcher, tracker, domain)
        response = RESPONSE_FOR_INTENT.get(intent or "")
        if response is not None:
            dispatcher.utter_message(response=response)
            return []
        send_immigration_aware_support(dispatcher, tracker)
        dispatcher.utter_message(response="utter_what_next")
        return []
