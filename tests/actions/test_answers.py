"""How a message answers the current question."""

from __future__ import annotations

import pytest

from actions.answers import interpret_answer
from bot.core.firewall import default_firewall


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
        ("abuse_kinds", message("skip"), []),
        ("consent_to_share", message("skip"), "no"),
        ("consent_to_share", message("affirm"), "yes"),
        ("nation", message("inform", nation="scotland"), "scotland"),
        ("abuse_kinds", message("inform", abuse_kind="economic"), ["economic"]),
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


def test_several_kinds_of_abuse_in_one_message_are_all_kept_once() -> None:
    msg = {
        "intent": {"name": "inform"},
        "entities": [
            {"entity": "abuse_kind", "value": "physical"},
            {"entity": "abuse_kind", "value": "economic"},
            {"entity": "abuse_kind", "value": "physical"},
        ],
    }
    answer = interpret_answer("abuse_kinds", msg, default_firewall())
    assert answer is not None
    assert answer.value == ["physical", "economic"]
