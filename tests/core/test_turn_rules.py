"""Every turn's rules: payloads are ours only, typed text is defanged, safety wins, no dead end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.firewall import REDACTION_MARK, default_firewall
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue, catalogues
from bot.core.message_metadata import DOCUMENTS_WITHHELD_KEY, SAFETY_SIGNAL_KEY
from bot.core.safety import default_safety_net
from bot.core.turn_rules import (
    EMERGENCY_PAYLOAD,
    PERSON_PAYLOAD,
    VOLUNTEERED_STATUS_INTENT,
    ScreenedMessage,
    defang,
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


# --- which text may skip the firewall ---------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
# bot.rasa_ext.frontdoor_channel.MAX_MESSAGE_CHARS: that module needs Rasa to import.
MAX_MESSAGE_CHARS = 16_384


def _payloads(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "payload" and isinstance(value, str):
                yield value
            else:
                yield from _payloads(value)
    elif isinstance(node, list):
        for item in node:
            yield from _payloads(item)


def every_button_payload() -> list[str]:
    """Every payload a button of ours sends: the domain's and each language's catalogue's,
    with the response templates' doubled braces as Rasa fills them in."""
    found: set[str] = set()
    for path in [*(ROOT / "domain").rglob("*.yml"), *(ROOT / "data" / "locales").glob("*.yml")]:
        for payload in _payloads(yaml.safe_load(path.read_text(encoding="utf-8"))):
            found.add(payload.replace("{{", "{").replace("}}", "}"))
    return sorted(found)


def test_every_button_of_ours_reaches_rasa_unchanged_and_unoverridden() -> None:
    """Given every payload the domain and the catalogues put on a button, and the standing
    buttons the channel adds, When each is screened, Then Rasa gets it byte for byte and no
    rule overrides its intent."""
    payloads = every_button_payload()
    assert len(payloads) > 40, payloads  # the menus and the form's choices
    assert EMERGENCY_PAYLOAD in payloads
    assert any(payload.startswith("/inform{") for payload in payloads)
    payloads += [button["payload"] for button in way_out_buttons(ENGLISH_TEXTS)]
    assert PERSON_PAYLOAD in payloads
    firewall, safety_net = default_firewall(), default_safety_net()
    for payload in payloads:
        assert is_button_payload(payload), payload
        assert screen_incoming(payload, firewall, safety_net) == ScreenedMessage(payload)
        assert intent_override(payload, safety_net, firewall) is None, payload


@pytest.mark.parametrize(
    "text",
    [
        # free text smuggled into the entities
        '/inform{"abuse_kind": "physical", "note": "he hits me"}',
        '/inform{"abuse_kind": "he hits me"}',
        '/inform{"abuse_kind": ["physical"]}',
        '/inform{"abuse_kind": {"kind": "physical"}}',
        '/inform{"Abuse_Kind": "physical"}',
        '/inform{"abuse_kind": null}',
        # malformed JSON
        '/inform{"abuse_kind": "physical"',
        "/inform{'abuse_kind': 'physical'}",
        '/inform{"abuse_kind": "physical",}',
        "/inform{abuse_kind: physical}",
        '/inform{"abuse_kind" "physical"}',
        # anything before, after or inside the shape
        " /restart",
        "/restart ",
        "/restart\n",
        "\n/emergency",
        "/exit please",
        "/Emergency",
        "/emergency!",
        "/emergency /restart",
        "/talk to person",
        "/",
        "//restart",
        # too long to be one of ours
        "/" + "a" * 41,
        '/inform{"abuse_kind": "' + "a" * 200 + '"}',
        # the front end's own buttons are answered there, never sent to Rasa as a payload
        "lantern:exit",
        "lantern:lang:en",
        # no letters of ours at all
        "",
        "😢",
        "/😢",
        "/مرحبا",
    ],
)
def test_nothing_but_our_payload_shape_is_a_button(text: str) -> None:
    assert not is_button_payload(text)


@pytest.mark.parametrize(
    ("typed", "rasa_sees"),
    [
        (" /restart", "restart"),
        ("\t\n/restart", "restart"),
        ("/ /restart", "restart"),
        ("/ / //restart", "restart"),
        (' /inform{"consent_to_share": "yes"}', 'inform{"consent_to_share": "yes"}'),
        ("\u00a0/stop", "stop"),
        ("/exit please", "exit please"),
        ("/restart ", "restart"),
    ],
)
def test_typed_text_never_reaches_rasa_with_a_leading_slash(typed: str, rasa_sees: str) -> None:
    """Rasa strips a message before it looks for "/", so a space before the slash must not
    keep it: " /restart" would wipe the conversation, a typed /inform would set consent."""
    screened = screened_text(typed)
    assert screened == rasa_sees
    assert not screened.strip().startswith("/")


@pytest.mark.parametrize(
    ("typed", "status_words"),
    [
        ("/spouse_visa", ["spouse", "visa"]),
        ("/i_am_undocumented", ["undocumented"]),
        (" /overstayed_my_visa", ["overstayed", "visa"]),
        ("/asylum_seeker", ["asylum"]),
        ('/inform{"status": "spouse_visa"}', ["spouse", "visa"]),
        ('/inform{"immigration_status": "no_recourse_to_public_funds"}', ["recourse"]),
        ("spouse_visa", ["spouse", "visa"]),
    ],
)
def test_status_disguised_as_a_command_does_not_skip_the_firewall(
    typed: str, status_words: list[str]
) -> None:
    """Given an immigration status in the shape of a button payload (intent name or entity),
    When it is screened, Then Rasa sees the firewall's mark instead, and the status intent
    wins, both on the screened text and on the raw text of a channel that sets no metadata."""
    firewall, safety_net = default_firewall(), default_safety_net()
    screened = screen_incoming(typed, firewall, safety_net)
    for word in status_words:
        assert word not in screened.text.lower(), screened.text
    assert REDACTION_MARK in screened.text
    assert not firewall.contains_immigration_detail(screened.text.replace("_", " "))
    assert intent_override(screened.text, safety_net, firewall) == VOLUNTEERED_STATUS_INTENT
    assert intent_override(typed, safety_net, firewall) == VOLUNTEERED_STATUS_INTENT


def test_an_unknown_intent_in_our_shape_passes_only_when_it_names_no_status() -> None:
    # Rasa itself drops an intent its domain lacks; what the firewall must catch still goes.
    assert screened_text("/frobnicate") == "/frobnicate"
    assert screened_text("/frobnicate_visa") == REDACTION_MARK


def test_empty_and_blank_input_reaches_rasa_as_empty_text_with_nothing_read_off() -> None:
    firewall, safety_net = default_firewall(), default_safety_net()
    for blank in ("", "   ", "\n\t", "/", " / / "):
        assert screen_incoming(blank, firewall, safety_net) == ScreenedMessage("")
        assert intent_override(blank, safety_net, firewall) is None


def test_emoji_only_and_right_to_left_text_reach_rasa_as_written() -> None:
    assert screened_text("😢😢") == "😢😢"
    assert screened_text("/😢") == "😢"
    assert screened_text("زوجي يضربني") == "زوجي يضربني"  # my husband hits me
    assert screened_text("/مرحبا") == "مرحبا"
    # The firewall reads right-to-left text too: "I am an asylum seeker"
    arabic = screen_incoming("أنا طالبة لجوء", default_firewall(), default_safety_net())
    assert arabic.text == REDACTION_MARK
    assert "لجوء" not in arabic.text


def test_huge_input_is_still_firewalled_to_its_last_sentence() -> None:
    """Given the longest message the channel takes, with a status in its last sentence,
    Then the status is removed and what came before it is kept."""
    huge = "he shouts at me. " * 960 + "I am on a spouse visa."
    assert len(huge) <= MAX_MESSAGE_CHARS
    screened = screened_text(huge)
    assert "visa" not in screened
    assert screened.startswith("he shouts at me. he shouts")
    assert screened.endswith(REDACTION_MARK + ".")
    huge_payload = '/inform{"abuse_kind": "' + "physical_" * 30 + '"}'
    assert screened_text(huge_payload) == huge_payload[1:]


def test_a_danger_typed_before_a_slash_command_still_brings_999() -> None:
    screened = screen_incoming(" /he has a knife", default_firewall(), default_safety_net())
    assert screened.text == "he has a knife"
    assert screened.metadata == {SAFETY_SIGNAL_KEY: "danger"}


@pytest.mark.parametrize(
    ("typed", "defanged"),
    [
        ("/restart", "restart"),
        ("  //restart  ", "restart"),
        ("/ \n /restart", "restart"),
        ("hello /there", "hello /there"),
        ("/", ""),
        ("", ""),
    ],
)
def test_defang(typed: str, defanged: str) -> None:
    assert defang(typed) == defanged


def test_ensure_way_out_copies_the_turn_and_leaves_earlier_buttons_alone() -> None:
    yes = {"title": "Yes", "payload": "/affirm"}
    turn = [{"text": "one", "buttons": [yes]}, {"text": "two", "buttons": None}]
    ended = ensure_way_out(turn, ENGLISH_TEXTS)
    assert ended[0] == {"text": "one", "buttons": [yes]}
    assert [b["payload"] for b in ended[1]["buttons"]] == [EMERGENCY_PAYLOAD, PERSON_PAYLOAD]
    # the assistant's own messages are not changed in place
    assert turn[1] == {"text": "two", "buttons": None}
    # the last message's own buttons come first, the standing ones after them
    ended = ensure_way_out([{"text": "x", "buttons": [yes]}], ENGLISH_TEXTS)
    assert [b["payload"] for b in ended[0]["buttons"]] == [
        "/affirm",
        EMERGENCY_PAYLOAD,
        PERSON_PAYLOAD,
    ]
