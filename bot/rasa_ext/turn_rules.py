"""Rasa-free rules for every turn: what comes in is checked, what goes out never dead-ends."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from bot.core.firewall import REDACTION_MARK, Firewall
from bot.core.safety import SafetyNet, SafetySignal

# The buttons that end every turn, so a reply is never a dead end.
EMERGENCY_PAYLOAD = "/emergency"
PERSON_PAYLOAD = "/talk_to_person"
WAY_OUT_BUTTONS: tuple[dict[str, str], ...] = (
    {"title": "Emergency help", "payload": EMERGENCY_PAYLOAD},
    {"title": "Talk to a person", "payload": PERSON_PAYLOAD},
)
# Said when, for whatever reason, the assistant produced nothing for a turn.
EMPTY_TURN_TEXT = "I'm here. If you are in danger now, call 999."

# A button payload is an intent name, optionally with entities whose values are fixed ids.
_PAYLOAD = re.compile(r"/(?P<intent>[a-z_]{1,40})(?P<entities>\{[^{}]{0,200}\})?")
_ENTITY_ID = re.compile(r"[a-z_]{1,40}")

_SIGNAL_INTENTS = {
    SafetySignal.DANGER: "emergency",
    SafetySignal.NOT_SAFE: "not_safe_to_talk",
    SafetySignal.SUICIDAL: "suicidal_feelings",
}
VOLUNTEERED_STATUS_INTENT = "volunteer_immigration_status"


def is_button_payload(text: str) -> bool:
    """True only for the payload shapes our own buttons send; free text never passes as one."""
    match = _PAYLOAD.fullmatch(text)
    if match is None:
        return False
    if match["entities"] is None:
        return True
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return False
    return isinstance(entities, dict) and all(
        isinstance(key, str)
        and isinstance(value, str)
        and _ENTITY_ID.fullmatch(key) is not None
        and _ENTITY_ID.fullmatch(value) is not None
        for key, value in entities.items()
    )


def screen_incoming_text(text: str, firewall: Firewall) -> str:
    """The text Rasa may see: a button payload as is, anything else defanged and firewalled.

    A leading slash is how Rasa forces an intent and sets slots, so typed text loses it.
    """
    if is_button_payload(text):
        return text
    return firewall.redact(text.lstrip("/").strip()).text


def intent_override(text: str, safety_net: SafetyNet, firewall: Firewall) -> str | None:
    """The intent that must win regardless of what the classifier guessed, or None."""
    if is_button_payload(text):
        return None
    signal = safety_net.check(text)
    if signal is not None:
        return _SIGNAL_INTENTS[signal]
    if REDACTION_MARK in text or firewall.contains_immigration_detail(text):
        return VOLUNTEERED_STATUS_INTENT
    return None


def ensure_way_out(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every turn ends with a way to emergency help and to a person."""
    turn = [dict(message) for message in messages]
    if not turn:
        turn.append({"text": EMPTY_TURN_TEXT})
    last = turn[-1]
    buttons = list(last.get("buttons") or [])
    present = {button.get("payload") for button in buttons}
    buttons.extend(button for button in WAY_OUT_BUTTONS if button["payload"] not in present)
    last["buttons"] = buttons
    return turn
