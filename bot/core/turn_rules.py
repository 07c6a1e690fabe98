"""Rasa-free rules for every turn, shared by the front end and the Rasa channel: what comes in is
checked, what goes out never dead-ends."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.firewall import REDACTION_MARK, Firewall
from bot.core.locale import Catalogue
from bot.core.message_metadata import (
    DOCUMENTS_WITHHELD_KEY,
    EMERGENCY_PAYLOAD,
    PERSON_PAYLOAD,
    SAFETY_SIGNAL_KEY,
)
from bot.core.safety import SafetyNet, SafetySignal

# A button payload is an intent name, optionally with entities whose values are fixed ids.
_PAYLOAD = re.compile(r"/(?P<intent>[a-z_]{1,40})(?P<entities>\{[^{}]{0,200}\})?")
_ENTITY_ID = re.compile(r"[a-z_]{1,40}")
# Leading whitespace and slashes, however mixed: Rasa strips the text before it looks for "/".
_LEADING_SLASHES = re.compile(r"^[\s/]+")

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


def defang(text: str) -> str:
    """Typed text that cannot force an intent: no slash left at its start, even after a space."""
    return _LEADING_SLASHES.sub("", text).strip()


def _words(text: str) -> str:
    """The text with underscores read as spaces, as the firewall's lexicon reads words."""
    return text.replace("_", " ")


def _names_status(text: str, firewall: Firewall) -> bool:
    return firewall.contains_immigration_detail(_words(text))


@dataclass(frozen=True)
class ScreenedMessage:
    """What Rasa may see of a typed message, and what was read off it before the firewall."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def screen_incoming(text: str, firewall: Firewall, safety_net: SafetyNet) -> ScreenedMessage:
    """What Rasa may see: a button payload as is, anything else defanged and firewalled.

    A leading slash, even after a space, is how Rasa forces an intent and sets slots, so typed
    text loses it; a payload naming an immigration status ("/spouse_visa") is none of our
    buttons and is firewalled like typed text. The safety signal and the documents flag are
    read off the text as typed: the firewall removes a whole status sentence, and that
    sentence may be the one saying she is being sent abroad to be married.
    """
    if is_button_payload(text) and not _names_status(text, firewall):
        return ScreenedMessage(text)
    typed = defang(text)
    redaction = firewall.redact(typed)
    if _names_status(redaction.text, firewall):
        # "spouse_visa" hides its words from the lexicon; read as words, it is firewalled too.
        redaction = firewall.redact(_words(typed))
    metadata: dict[str, Any] = {}
    signal = safety_net.check(typed)
    if signal is not None:
        metadata[SAFETY_SIGNAL_KEY] = signal.value
    if redaction.withheld_documents:
        metadata[DOCUMENTS_WITHHELD_KEY] = True
    return ScreenedMessage(redaction.text, metadata)


def intent_override(
    text: str,
    safety_net: SafetyNet,
    firewall: Firewall,
    metadata: Mapping[str, Any] | None = None,
) -> str | None:
    """The intent that must win regardless of what the classifier guessed, or None.

    ``metadata`` is the front door's reading of the text before the firewall; only a known
    signal counts, and the text itself is checked as well for channels that set none.
    """
    if is_button_payload(text) and not _names_status(text, firewall):
        return None
    typed = (metadata or {}).get(SAFETY_SIGNAL_KEY)
    signals = [safety_net.check(text), *(s for s in SafetySignal if s.value == typed)]
    found = [signal for signal in signals if signal is not None]
    if found:
        # SafetySignal lists the most urgent first
        return _SIGNAL_INTENTS[min(found, key=list(SafetySignal).index)]
    if REDACTION_MARK in text or _names_status(text, firewall):
        return VOLUNTEERED_STATUS_INTENT
    return None


def way_out_buttons(texts: Catalogue) -> tuple[dict[str, str], ...]:
    return (
        {"title": texts.say("emergency_button"), "payload": EMERGENCY_PAYLOAD},
        {"title": texts.say("person_button"), "payload": PERSON_PAYLOAD},
    )


def ensure_way_out(messages: Sequence[dict[str, Any]], texts: Catalogue) -> list[dict[str, Any]]:
    """Every turn ends with a way to emergency help and to a person, in the person's language;
    a turn the assistant left empty says it is here."""
    turn = [dict(message) for message in messages]
    if not turn:
        turn.append({"text": texts.say("empty_turn")})
    last = turn[-1]
    buttons = list(last.get("buttons") or [])
    present = {button.get("payload") for button in buttons}
    buttons.extend(b for b in way_out_buttons(texts) if b["payload"] not in present)
    last["buttons"] = buttons
    return turn
