"""Support actions: ranked, sourced services for what the person chose."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.support import ActionShowImmigrationAwareSupport, ActionShowSupport

from .conftest import TrackerFactory


async def cards(action: Any, tracker: Any, domain: dict[str, Any]) -> str:
    dispatcher = CollectingDispatcher()
    assert await action.run(dispatcher, tracker, domain) == []
    return "\n".join(message.get("text") or "" for message in dispatcher.messages)


async def test_a_person_in_wales_is_offered_the_welsh_helpline(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    text = await cards(
        ActionShowSupport(), make_tracker(intent="find_support", nation="wales"), domain
    )
    assert "Live Fear Free" in text
    assert "0808 80 10 800" in text


async def test_forced_marriage_is_offered_the_specialists(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(intent="find_support", abuse_kinds=["forced_marriage"])
    text = await cards(ActionShowSupport(), tracker, domain)
    assert "Karma Nirvana" in text or "Forced Marriage Unit" in text


async def test_skipped_answers_do_not_narrow_the_search(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(intent="find_support", nation="not_given", region="not_given")
    assert await cards(ActionShowSupport(), tracker, domain)


async def test_volunteered_status_is_answered_with_independent_immigration_advice(
    make_tracker: TrackerFactory, domain: dict[str, Any]
) -> None:
    text = await cards(ActionShowImmigrationAwareSupport(), make_tracker(), domain)
    assert "Southall Black Sisters" in text or "LAWRS" in text
