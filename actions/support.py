"""Finding support: services from the directory, ranked for what the person has told us."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from bot.core.directory import Service, SupportNeed, format_service
from bot.core.directory_model import NEED_TAGS

LONDON = ZoneInfo("Europe/London")
# Intents whose request already says what kind of help is wanted.
HELP_FOR_INTENT = {"talk_to_person": frozenset({"talk"})}


def now_in_london() -> datetime.datetime:
    return datetime.datetime.now(tz=LONDON)


def send_services(
    dispatcher: CollectingDispatcher, services: list[Service], at: datetime.datetime
) -> None:
    """One short message per service, so each can be read (and forwarded) on its own."""
    for service in services:
        dispatcher.utter_message(text=format_service(service, at))


def send_immigration_aware_support(dispatcher: CollectingDispatcher) -> None:
    at = now_in_london()
    dispatcher.utter_message(response="utter_immigration_aware_intro")
    send_services(dispatcher, runtime.directory().immigration_aware(at), at)


def need_from(tracker: Tracker) -> SupportNeed:
    """What the person has chosen so far; only fixed-choice slots, never free text."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    nation = tracker.get_slot("nation")
    region = tracker.get_slot("region")
    return SupportNeed(
        kinds=frozenset(tracker.get_slot("abuse_kinds") or []),
        # "A caseworker to contact me" is answered by the handoff itself, not by a service.
        help_types=(
            frozenset(tracker.get_slot("help_wanted") or [])
            | HELP_FOR_INTENT.get(intent or "", frozenset())
        )
        & NEED_TAGS,
        nation=nation if nation and nation != "not_given" else None,
        region=region if region and region != "not_given" else None,
        language=tracker.get_slot("language"),
    )


class ActionShowSupport(Action):
    """Ranked services for the person's needs, nation or region, language and the time now."""

    def name(self) -> str:
        return "action_show_support"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        at = now_in_london()
        dispatcher.utter_message(response="utter_services_intro")
        send_services(dispatcher, runtime.directory().rank(need_from(tracker), at), at)
        return []


class ActionShowImmigrationAwareSupport(Action):
    """Services that understand immigration, after someone volunteers their situation."""

    def name(self) -> str:
        return "action_show_immigration_aware_support"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        send_immigration_aware_support(dispatcher)
        return []
