"""The firewall in the dialogue: no slot, question or button asks about immigration status.

Reads the real domain and training data. Mentions are allowed where Lantern promises *not* to
ask ("I never ask about immigration status"); questions, slots, entities and buttons are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import load_domain

ROOT = Path(__file__).resolve().parents[2]

# Words that would make a question, a slot or a button ask for status or a proxy for it.
ASKING_TERMS = re.compile(
    r"immigra|visa|passport|national(ity|ities)|citizen|country|countries|where .*from|"
    r"\bborn\b|document|papers|\bstatus\b|asylum|refugee|leave to remain|\bilr\b|settle|"
    r"\bbrp\b|share code|nrpf|public funds|home office|sponsor|deport|residen|ethnic|"
    r"\brace\b|religio|language of your|first language|mother tongue",
    re.IGNORECASE,
)


# The one button that names documents: an abuse kind (someone keeps them from the person), which
# asks nothing about status and never names a document.
DOCUMENTS_KEPT_BUTTON = 'Keeps my documents from me /inform{{"abuse_kind": "documents"}}'

# A sentence that asks without a question mark: "Tell me your ...", "Please enter ...".
REQUEST = re.compile(r"(tell|please|type|enter|give|share|pick|write|send|upload)\b", re.I)


def sentences(text: str) -> Iterator[str]:
    yield from (part.strip() for part in re.split(r"(?<=[.?!])\s+|\n", text) if part.strip())


def asking_violations(domain: dict[str, Any]) -> list[str]:
    """Every place in a domain that asks for, or would store, immigration status."""
    found = []
    names = [*domain.get("slots", {}), *domain.get("entities", []), *domain.get("intents", [])]
    for name in names:
        # volunteer_immigration_status is an intent that is answered, never stored.
        if name != "volunteer_immigration_status" and ASKING_TERMS.search(name.replace("_", " ")):
            found.append(f"name {name}")
    for form in domain.get("forms", {}).values():
        for slot in form.get("required_slots", []):
            if ASKING_TERMS.search(slot.replace("_", " ")):
                found.append(f"form slot {slot}")
    for response, variations in domain.get("responses", {}).items():
        for variation in variations:
            text = variation.get("text", "")
            questions = [s for s in sentences(text) if s.endswith("?") or REQUEST.match(s)]
            found += [f"{response}: {q}" for q in questions if ASKING_TERMS.search(q)]
            for button in variation.get("buttons") or []:
                label = f"{button.get('title', '')} {button.get('payload', '')}"
                if label == DOCUMENTS_KEPT_BUTTON:
                    continue
                if ASKING_TERMS.search(label):
                    found.append(f"{response} button: {label}")
    return found


def test_the_real_domain_never_asks_about_immigration_status() -> None:
    # Given Lantern's domain / When every slot, question and button is read / Then none asks.
    assert asking_violations(load_domain(ROOT / "domain")) == []


def test_the_real_domain_declares_no_slot_that_could_hold_status() -> None:
    slots = load_domain(ROOT / "domain")["slots"]
    assert "volunteer_immigration_status" not in slots
    assert all(not ASKING_TERMS.search(name.replace("_", " ")) for name in slots)


def test_no_training_data_teaches_an_entity_for_status() -> None:
    entity_names = set()
    for path in (ROOT / "data" / "nlu").rglob("*.yml"):
        text = path.read_text()
        entity_names.update(re.findall(r'"entity":\s*"([a-z_]+)"', text))
        entity_names.update(re.findall(r"\]\(([a-z_]+)[:)]", text))
    assert entity_names, "the NLU data should annotate some entities"
    assert [name for name in entity_names if ASKING_TERMS.search(name.replace("_", " "))] == []


@pytest.mark.parametrize(
    "bad",
    [
        {"slots": {"visa_type": {}}},
        {"responses": {"utter_ask_origin": [{"text": "Which country are you from?"}]}},
        {"responses": {"utter_x": [{"text": "Thanks. Do you have a passport?"}]}},
        {"responses": {"utter_x": [{"text": "Hi", "buttons": [{"title": "I have ILR"}]}]}},
        {"responses": {"utter_ask_y": [{"text": "Please type your Home Office reference."}]}},
        {"forms": {"f": {"required_slots": ["nationality"]}}},
    ],
)
def test_the_check_catches_a_domain_that_asks(bad: dict[str, Any]) -> None:
    # The check itself must be able to fail.
    assert asking_violations(bad) != []


def test_a_promise_not_to_ask_is_not_a_question() -> None:
    promise = {"responses": {"utter_p": [{"text": "I never ask about immigration status."}]}}
    assert asking_violations(promise) == []
