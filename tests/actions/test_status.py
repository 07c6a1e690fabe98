"""After volunteered status: the rest of the message is answered, never only the note."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.status import ActionAnswerAfterStatus, runner_up_intent
from bot.core.firewall import default_firewall

from .conftest import TrackerFactory


def status_message(
    make_tracker: TrackerFactory, said: str, ranking: list[tuple[str, float]]
) -> Tracker:
    """The tracker Rasa sends after the channel's firewall and the safety net have run."""
    tracker = make_tracker(
        text=default_firewall().redact(said).text, intent="volunteer_immigration_status"
    )
    tracker.latest_message["intent_ranking"] = [
        {"name": "volunteer_immigration_status", "confidence": 1.0},
        *({"name": name, "confidence": confidence} for name, confidence in ranking),
    ]
    return tracker


async def answer(tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    assert await ActionAnswerAfterStatus().run(dispatcher, tracker, domain) == []
    return dispatcher.messages


async def test_abuse_beside_status_is_offered_the_report(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    # Given a message that tells of abuse and of status, which DIET took for status alone
    tracker = status_message(
        make_tracker,
        "my husband hits me and took my passport, I am on a spouse visa",
        [("greet", 0.05)],
    )
    # When the action answers it
    messages = await answer(tracker, domain)
    # Then the person is offered to tell what happened, not only immigration services
    assert [m.get("response") for m in messages] == ["utter_offer_report"]


async def test_a_runner_up_request_for_support_is_answered_with_support(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = status_message(
        make_tracker, "where can I get help, I have no visa", [("find_support", 0.6)]
    )
    messages = await answer(tracker, domain)
    assert messages[0].get("response") == "utter_services_intro"
    assert len(messages) > 1


async def test_status_alone_gets_immigration_aware_services_and_the_choices(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = status_message(make_tracker, "I am on a spouse visa", [("report_abuse", 0.1)])
    messages = await answer(tracker, domain)
    assert messages[0].get("response") == "utter_immigration_aware_intro"
    assert messages[-1].get("response") == "utter_what_next"
    assert any("Southall Black Sisters" in (m.get("text") or "") for m in messages)


def test_a_weak_runner_up_is_not_trusted() -> None:
    ranking = [
        {"name": "volunteer_immigration_status", "confidence": 1.0},
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "find_support", "confidence": 0.29},
    ]
    assert runner_up_intent({"intent_ranking": ranking}) is None
    ranking[2]["confidence"] = 0.31
    assert runner_up_intent({"intent_ranking": ranking}) == "find_support"
    assert runner_up_intent({}) is None
