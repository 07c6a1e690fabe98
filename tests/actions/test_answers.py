"""How a message answers the current question."""

from __future__ import annotations

import pytest

from actions.answers import choose_abuse_kinds, interpret_answer, opening_account
from bot.core.firewall import default_firewall
from bot.core.message_metadata import DOCUMENTS_WITHHELD_KEY


def message(intent: str, text: str = "", **entities: str) -> dict[str, object]:
    return {
        "intent": {"name": intent},
        "text": text,
        "entities": [{"entity": k, "value": v} for k, v in entities.items()],
    }


@pytest.mark.parametrize(
    ("slot", "msg", "expected"),
    [
        ("ongoing", message("affirm"), "yes"),
        ("flag_weapons", message("deny"), "no"),
        ("children_in_home", message("skip"), "not_given"),
        ("help_wanted", message("skip"), []),
        ("consent_to_share", message("skip"), "no"),
        ("consent_to_share", message("affirm"), "yes"),
        ("nation", message("inform", nation="scotland"), "scotland"),
        ("help_wanted", message("inform", help_type="legal"), ["legal"]),
    ],
)
def test_answers_become_fixed_choice_values(
    slot: str, msg: dict[str, object], expected: object
) -> None:
    answer = interpret_answer(slot, msg, default_firewall())
    assert answer is not None
    assert answer.value == expected


@pytest.mark.parametrize(
    ("slot", "msg"),
    [
        ("nation", message("inform", nation="narnia")),  # not a value we offer
        ("nation", message("inform", region="london")),  # another question's entity
        ("ongoing", message("greet")),
        ("report_account", message("stop", "stop")),
        ("report_account", message("inform", "   ")),
        ("report_account", message("inform", '/inform{"nation": "wales"}')),
        ("consent_to_share", message("inform", "maybe")),
    ],
)
def test_non_answers_fill_nothing(slot: str, msg: dict[str, object]) -> None:
    assert interpret_answer(slot, msg, default_firewall()) is None


def test_several_kinds_of_abuse_typed_in_one_message_are_all_kept_once_and_end_the_question() -> (
    None
):
    msg = {
        "intent": {"name": "inform"},
        "text": "he hits me and takes my money",
        "entities": [
            {"entity": "abuse_kind", "value": "physical"},
            {"entity": "abuse_kind", "value": "economic"},
            {"entity": "abuse_kind", "value": "physical"},
        ],
    }
    choice = choose_abuse_kinds(msg, ["documents"])
    assert choice is not None
    assert (choice.chosen, choice.done) == (["documents", "physical", "economic"], True)


def pressed(kind: str) -> dict[str, object]:
    return message("inform", f'/inform{{"abuse_kind": "{kind}"}}', abuse_kind=kind)


def test_a_kind_button_adds_it_and_keeps_the_question_open_and_a_second_press_takes_it_away() -> (
    None
):
    first = choose_abuse_kinds(pressed("physical"), [])
    assert first is not None
    assert (first.chosen, first.done) == (["physical"], False)
    second = choose_abuse_kinds(pressed("economic"), first.chosen)
    assert second is not None
    assert second.chosen == ["physical", "economic"]
    again = choose_abuse_kinds(pressed("physical"), second.chosen)
    assert again is not None
    assert (again.chosen, again.done) == (["economic"], False)


@pytest.mark.parametrize("intent", ["affirm", "skip"])
def test_done_or_skip_ends_the_choosing_with_what_was_chosen(intent: str) -> None:
    choice = choose_abuse_kinds(message(intent, "/" + intent), ["sexual", "documents"])
    assert choice is not None
    assert (choice.chosen, choice.done) == (["sexual", "documents"], True)


@pytest.mark.parametrize(
    "msg",
    [
        message("inform", "/inform", abuse_kind="narnia"),
        message("emergency", "he is at the door", abuse_kind="physical"),
        message("greet", "hello"),
    ],
)
def test_non_answers_choose_no_kind(msg: dict[str, object]) -> None:
    assert choose_abuse_kinds(msg, ["physical"]) is None


def test_an_opening_that_tells_what_happened_is_the_account() -> None:
    answer = opening_account(message("report_abuse", "my husband beats me"), default_firewall())
    assert answer is not None
    assert answer.value == "my husband beats me"


def test_an_opening_account_is_firewalled() -> None:
    text = "my husband beats me and says my spouse visa will be cancelled"
    answer = opening_account(message("report_abuse", text), default_firewall())
    assert answer is not None
    assert answer.redacted
    assert "visa" not in answer.value.lower()
    assert answer.value.startswith("my husband beats me")


@pytest.mark.parametrize(
    "msg",
    [
        message("report_abuse", "i want to report domestic abuse"),
        message("report_abuse", "I want to report what my husband does"),
        message("report_abuse", "/report_abuse"),
        message("find_support", "my husband beats me, where can I get help"),
    ],
)
def test_a_request_to_report_a_button_or_another_intent_is_no_account(
    msg: dict[str, object],
) -> None:
    assert opening_account(msg, default_firewall()) is None


def test_an_account_that_tells_of_documents_kept_from_the_person_says_so() -> None:
    msg = message("inform", "he took my passport and hit me when i asked for it")
    answer = interpret_answer("report_account", msg, default_firewall())
    assert answer is not None
    assert answer.withheld_documents
    assert "passport" not in answer.value.lower()


def test_documents_flagged_by_the_front_door_survive_the_firewalled_text() -> None:
    # Given the front door read the flag off the typed text, and Rasa saw only what was left
    msg = message("inform", "(immigration detail removed) and he hit me when i asked for it")
    msg["metadata"] = {DOCUMENTS_WITHHELD_KEY: True}
    # When the form reads the account
    answer = interpret_answer("report_account", msg, default_firewall())
    # Then the kind "keeps my documents from me" is still known
    assert answer is not None
    assert answer.withheld_documents
    plain = interpret_answer(
        "report_account",
        message("inform", "(immigration detail removed) and he hit me"),
        default_firewall(),
    )
    assert plain is not None
    assert not plain.withheld_documents
