"""Every turn's rules: payloads are ours only, typed text is defanged, safety wins, no dead end."""

from __future__ import annotations

import pytest

from bot.core.firewall import REDACTION_MARK, default_firewall
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue, catalogues
from bot.core.message_metadata import DOCUMENTS_WITHHELD_KEY, SAFETY_SIGNAL_KEY
from bot.core.safety import default_safety_net
from bot.rasa_ext.turn_rules import (
    VOLUNTEERED_STATUS_INTENT,
    ensure_way_out,
    intent_override,
    is_button_payload,
    screen_incoming,
    way_out_buttons,
)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("he's got a knife", "emergency"),
        ("they're taking my daughter abroad to be cut", "emergency"),
        ("gtg he's back", "not_safe_to_talk"),
        ("he's home", "not_safe_to_talk"),
        ("i want to die and he's back", "not_safe_to_talk"),
        ("I want to die", "suicidal_feelings"),
        (f"I am on a {REDACTION_MARK}", VOLUNTEERED_STATUS_INTENT),
        ("he takes my money", None),
        ("/emergency", None),
    ],
)
def test_intent_override(text: str, intent: str | None) -> None:
    assert intent_override(text, default_safety_net(), default_firewall()) == intent


def test_danger_wins_over_volunteered_status() -> None:
    text = "he has a knife and I am on a spouse visa"
    assert intent_override(text, default_safety_net(), default_firewall()) == "emergency"


@pytest.mark.parametrize(
    ("text", "ours"),
    [
        ("/emergency", True),
        ('/inform{"abuse_kind":"physical"}', True),
        ('/inform{"abuse_kind":"Physical!"}', False),
        ('/inform{"abuse_kind":1}', False),
        ("/inform{not json}", False),
        ("emergency", False),
        ("/he's back", False),
    ],
)
def test_is_button_payload(text: str, ours: bool) -> None:
    assert is_button_payload(text) is ours


def screened_text(text: str) -> str:
    return screen_incoming(text, default_firewall(), default_safety_net()).text


def test_screen_incoming_keeps_payloads_and_defangs_typed_slashes() -> None:
    assert screened_text("/emergency") == "/emergency"
    assert screened_text('/inform{"x": "<b>"}') == 'inform{"x": "<b>"}'
    screened = screened_text("  my husband hits me, I am on a spouse visa ")
    assert "visa" not in screened
    assert screened.startswith("my husband hits me")


def test_danger_read_before_the_firewall_wins_even_when_its_sentence_is_removed() -> None:
    # Given a sentence carrying both a planned forced marriage and a status word
    typed = "I am on a spouse visa and they are sending me abroad next week to get married"
    firewall, safety_net = default_firewall(), default_safety_net()
    # When the front door screens it
    screened = screen_incoming(typed, firewall, safety_net)
    # Then Rasa never sees the status, and the danger is read off the text as typed
    assert "visa" not in screened.text
    assert screened.metadata == {SAFETY_SIGNAL_KEY: "danger"}
    # so it still wins where the firewall took the whole sentence and only its mark is left
    assert intent_override(REDACTION_MARK, safety_net, firewall, screened.metadata) == "emergency"
    assert intent_override(REDACTION_MARK, safety_net, firewall) == VOLUNTEERED_STATUS_INTENT


def test_documents_kept_from_the_person_are_flagged_without_naming_them() -> None:
    screened = screen_incoming(
        "he took my passport and hides it", default_firewall(), default_safety_net()
    )
    assert "passport" not in screened.text
    assert screened.metadata == {DOCUMENTS_WITHHELD_KEY: True}


def test_an_unknown_signal_in_metadata_is_ignored() -> None:
    firewall, safety_net = default_firewall(), default_safety_net()
    assert intent_override("thanks", safety_net, firewall, {SAFETY_SIGNAL_KEY: "bogus"}) is None
    # The more urgent of the text's own signal and the typed one wins
    metadata = {SAFETY_SIGNAL_KEY: "danger"}
    assert intent_override("I want to die", safety_net, firewall, metadata) == "emergency"


ENGLISH_TEXTS = catalogue(ENGLISH)


def test_ensure_way_out_appends_the_standing_buttons_once() -> None:
    standing = way_out_buttons(ENGLISH_TEXTS)
    own = {"title": "Emergency help", "payload": standing[0]["payload"]}
    turn = ensure_way_out([{"text": "one"}, {"text": "two", "buttons": [own]}], ENGLISH_TEXTS)
    assert turn[0] == {"text": "one"}
    payloads = [button["payload"] for button in turn[1]["buttons"]]
    assert payloads == [button["payload"] for button in standing]


def test_an_empty_turn_still_leaves_a_way_out() -> None:
    turn = ensure_way_out([], ENGLISH_TEXTS)
    assert turn[0]["text"] == ENGLISH_TEXTS.say("empty_turn")
    assert "999" in turn[0]["text"]
    assert len(turn[0]["buttons"]) == len(way_out_buttons(ENGLISH_TEXTS))


@pytest.mark.parametrize("code", sorted(catalogues()))
def test_the_standing_buttons_speak_the_persons_language(code: str) -> None:
    texts = catalogue(code)
    turn = ensure_way_out([{"text": "x"}], texts)
    assert [b["title"] for b in turn[0]["buttons"]] == [
        texts.say("emergency_button"),
        texts.say("person_button"),
    ]
