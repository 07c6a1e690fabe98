"""How a message answers the report form's current question.

Every answer is reduced to a fixed-choice value, or to free text that has passed the firewall,
before it can become a slot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.disclosure import tells_of_abuse
from bot.core.firewall import Firewall
from bot.core.message_metadata import DOCUMENTS_WITHHELD_KEY
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
        "about_lantern",
        "talk_to_person",
    }
)

# Asked what happened, people describe danger: the account is kept and the safety reply is sent
# alongside it (actions/report_form.py), rather than losing their words to a misread intent.
SAFETY_INTENTS = frozenset({"emergency", "suicidal_feelings"})

YES_NO_SLOTS = frozenset({"ongoing", "children_in_home", "risk_questions_ok", *RED_FLAGS})
# slot -> (entity, allowed values, whether several values may be given at once)
ENTITY_SLOTS: Mapping[str, tuple[str, frozenset[str], bool]] = {
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


# "Done" on the abuse-kinds question; typed "yes" or "skip" there ends the choosing too.
DONE_CHOOSING = frozenset({"affirm", "skip"})
# Words of a request to report ("I want to report domestic abuse"): alone they are no account.
REQUEST_WORDS = re.compile(r"\b(report\w*|domestic|abus\w*|violen\w*|coercive)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Answer:
    """A slot value the form may keep, whether the firewall removed anything from it, and
    whether the text tells of someone keeping the person's documents (an abuse kind)."""

    value: Any
    redacted: bool = False
    withheld_documents: bool = False


@dataclass(frozen=True)
class KindsChoice:
    """The abuse kinds chosen so far, and whether the person has finished choosing."""

    chosen: list[str]
    done: bool


def interpret_answer(
    slot: str, latest_message: Mapping[str, Any], firewall: Firewall
) -> Answer | None:
    """The answer the latest message gives to ``slot``, or None when it gives none."""
    intent = (latest_message.get("intent") or {}).get("name") or ""
    if slot in FREE_TEXT_SLOTS:
        return _account_answer(intent, latest_message, firewall)
    if intent in NOT_AN_ANSWER:
        return None
    if slot in CHOICE_ANSWERS:
        return _chosen(CHOICE_ANSWERS[slot].get(intent))
    if intent == "skip":
        return Answer([] if _is_list_slot(slot) else NOT_GIVEN)
    if slot in ENTITY_SLOTS:
        return _entity_answer(slot, latest_message.get("entities") or [])
    return None


def opening_account(latest_message: Mapping[str, Any], firewall: Firewall) -> Answer | None:
    """The account in a message that opened the report ("my husband beats me"), so it is not
    asked for again; None for a plain request to report or a button."""
    intent = (latest_message.get("intent") or {}).get("name")
    text = latest_message.get("text")
    if intent != "report_abuse" or not isinstance(text, str):
        return None
    if not tells_of_abuse(REQUEST_WORDS.sub(" ", text)):
        return None
    return _account_answer(intent, latest_message, firewall)


def choose_abuse_kinds(latest_message: Mapping[str, Any], chosen: list[str]) -> KindsChoice | None:
    """A button adds its kind (or takes it away again) and keeps the question open; kinds typed
    in words are a whole answer; Done ends the choosing."""
    intent = (latest_message.get("intent") or {}).get("name") or ""
    if intent in NOT_AN_ANSWER:
        return None
    if intent in DONE_CHOOSING:
        return KindsChoice(chosen, done=True)
    picked = _values(latest_message.get("entities") or [], "abuse_kind", ABUSE_KINDS)
    if not picked:
        return None
    text = latest_message.get("text")
    if isinstance(text, str) and text.startswith("/"):
        kind = picked[0]
        toggled = [k for k in chosen if k != kind] if kind in chosen else [*chosen, kind]
        return KindsChoice(toggled, done=False)
    return KindsChoice([*chosen, *(kind for kind in picked if kind not in chosen)], done=True)


def _account_answer(
    intent: str, latest_message: Mapping[str, Any], firewall: Firewall
) -> Answer | None:
    text = latest_message.get("text")
    if intent in NOT_AN_ANSWER - SAFETY_INTENTS:
        return None
    if intent == "skip":
        return Answer(NOT_GIVEN)
    # A button press from an earlier question is not an account of what happened.
    if not isinstance(text, str) or not text.strip() or text.startswith("/"):
        return None
    redaction = firewall.redact(text.strip())
    # The front door read the flag off the text as typed; what reaches here is already
    # firewalled, so the words that told of it may be gone.
    metadata = latest_message.get("metadata")
    typed_flag = isinstance(metadata, dict) and metadata.get(DOCUMENTS_WITHHELD_KEY) is True
    return Answer(
        redaction.text,
        redacted=redaction.changed,
        withheld_documents=redaction.withheld_documents or typed_flag,
    )


def _chosen(value: str | None) -> Answer | None:
    return None if value is None else Answer(value)


def _is_list_slot(slot: str) -> bool:
    return slot in ENTITY_SLOTS and ENTITY_SLOTS[slot][2]


def _values(entities: list[Mapping[str, Any]], entity: str, allowed: frozenset[str]) -> list[str]:
    values: list[str] = []
    for found in entities:
        value = found.get("value")
        if found.get("entity") == entity and value in allowed and value not in values:
            values.append(value)
    return values


def _entity_answer(slot: str, entities: list[Mapping[str, Any]]) -> Answer | None:
    entity, allowed, several = ENTITY_SLOTS[slot]
    values = _values(entities, entity, allowed)
    if not values:
        return None
    return Answer(values if several else values[0])
