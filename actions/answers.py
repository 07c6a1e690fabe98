"""How a message answers the report form's current question.

Every answer is reduced to a fixed-choice value, or to free text that has passed the firewall,
before it can become a slot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.firewall import Firewall
from bot.core.report_fields import (
    ABUSE_KINDS,
    CONTACT_TIMES,
    ENGLISH_REGIONS,
    HELP_TYPES,
    LAST_HAPPENED,
    NATIONS,
    NO,
    NOT_GIVEN,
    RED_FLAGS,
    YES,
)

# Intents that are not answers: the rules for them speak, then the form asks again.
NOT_AN_ANSWER = frozenset(
    {
        "emergency",
        "suicidal_feelings",
        "not_safe_to_talk",
        "stop",
        "privacy_question",
        "talk_to_person",
        "bot_identity",
    }
)

# Asked what happened, people describe danger: the account is kept and the safety reply is sent
# alongside it (actions/report_form.py), rather than losing their words to a misread intent.
SAFETY_INTENTS = frozenset({"emergency", "suicidal_feelings"})

YES_NO_SLOTS = frozenset({"ongoing", "children_in_home", "risk_questions_ok", *RED_FLAGS})
# slot -> (entity, allowed values, whether several values may be given at once)
ENTITY_SLOTS: Mapping[str, tuple[str, frozenset[str], bool]] = {
    "abuse_kinds": ("abuse_kind", ABUSE_KINDS, True),
    "last_happened": ("last_happened", LAST_HAPPENED, False),
    "nation": ("nation", NATIONS, False),
    "region": ("region", ENGLISH_REGIONS, False),
    "help_wanted": ("help_type", HELP_TYPES, True),
    "safe_contact_time": ("contact_time", CONTACT_TIMES, False),
}
FREE_TEXT_SLOTS = frozenset({"report_account"})
YES_NO_ANSWERS = {"affirm": YES, "deny": NO, "skip": NOT_GIVEN}
# Consent is never assumed: skipping the question is a no.
CONSENT_ANSWERS = {"affirm": YES, "deny": NO, "skip": NO}
CHOICE_ANSWERS: Mapping[str, Mapping[str, str]] = {
    "consent_to_share": CONSENT_ANSWERS,
    **dict.fromkeys(YES_NO_SLOTS, YES_NO_ANSWERS),
}


@dataclass(frozen=True)
class Answer:
    """A slot value the form may keep, and whether the firewall removed anything from it."""

    value: Any
    redacted: bool = False


def interpret_answer(
    slot: str, latest_message: Mapping[str, Any], firewall: Firewall
) -> Answer | None:
    """The answer the latest message gives to ``slot``, or None when it gives none."""
    intent = (latest_message.get("intent") or {}).get("name") or ""
    if slot in FREE_TEXT_SLOTS:
        return _account_answer(intent, latest_message.get("text"), firewall)
    if intent in NOT_AN_ANSWER:
        return None
    if slot in CHOICE_ANSWERS:
        return _chosen(CHOICE_ANSWERS[slot].get(intent))
    if intent == "skip":
        return Answer([] if _is_list_slot(slot) else NOT_GIVEN)
    if slot in ENTITY_SLOTS:
        return _entity_answer(slot, latest_message.get("entities") or [])
    return None


def _account_answer(intent: str, text: object, firewall: Firewall) -> Answer | None:
    if intent in NOT_AN_ANSWER - SAFETY_INTENTS:
        return None
    if intent == "skip":
        return Answer(NOT_GIVEN)
    # A button press from an earlier question is not an account of what happened.
    if not isinstance(text, str) or not text.strip() or text.startswith("/"):
        return None
    redaction = firewall.redact(text.strip())
    return Answer(redaction.text, redacted=redaction.changed)


def _chosen(value: str | None) -> Answer | None:
    return None if value is None else Answer(value)


def _is_list_slot(slot: str) -> bool:
    return slot in ENTITY_SLOTS and ENTITY_SLOTS[slot][2]


def _entity_answer(slot: str, entities: list[Mapping[str, Any]]) -> Answer | None:
    entity, allowed, several = ENTITY_SLOTS[slot]
    values: list[str] = []
    for found in entities:
        value = found.get("value")
        if found.get("entity") == entity and value in allowed and value not in values:
            values.append(value)
    if not values:
        return None
    return Answer(values if several else values[0])
