"""Finding support: services from the directory, ranked for what the person has told us.

What they told us is the report's fixed-choice answers (slots) and, read afresh on every request,
their own messages in this conversation (already firewalled; ``bot.core.needs``). Nothing read
from the messages is returned as an event, so none of it is stored.
"""

from __future__ import annotations

import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from bot.core.directory import NEED_TAGS, Service, SupportNeed, format_service
from bot.core.firewall import REDACTION_MARK
from bot.core.languages import latest_language
from bot.core.locale import catalogue
from bot.core.needs import HeardNeeds, read_needs
from bot.core.uk_time import now_in_london

# Intents whose request already says what kind of help is wanted.
HELP_FOR_INTENT = {"talk_to_person": frozenset({"talk"})}
# Keeping someone's documents is abuse whose way out usually runs through independent advice:
# it is ranked as control plus legal help, and immigration-aware services come first.
DOCUMENTS = "documents"
DOCUMENTS_TAGS = frozenset({"emotional", "legal"})
# Said in their words, these describe the help they need rather than what was done to them, so
# the general domestic-abuse services still count beside them.
HELP_TAGS = frozenset({"safe_place", "children", "lgbt"})


def language_of(tracker: Tracker) -> str:
    """The language the front door named on the person's latest message that named one."""
    return latest_language(
        event.get("metadata") for event in reversed(tracker.events) if event.get("event") == "user"
    )


def send_services(
    dispatcher: CollectingDispatcher,
    services: list[Service],
    at: datetime.datetime,
    tracker: Tracker,
) -> None:
    """One short message per service, so each can be read (and forwarded) on its own."""
    texts = catalogue(language_of(tracker))
    for service in services:
        dispatcher.utter_message(text=format_service(service, at, texts))


def send_immigration_aware_support(
    dispatcher: CollectingDispatcher, tracker: Tracker, need: SupportNeed | None = None
) -> None:
    at = now_in_london()
    dispatcher.utter_message(response="utter_immigration_aware_intro")
    services = runtime.directory().immigration_aware(at, need=need)
    send_services(dispatcher, services, at, tracker)


def user_messages(tracker: Tracker) -> list[str]:
    """Every message the person sent in this conversation, as the firewall left it."""
    return [
        str(event.get("text"))
        for event in tracker.events
        if event.get("event") == "user" and event.get("text")
    ]


def _chosen(tracker: Tracker, slot: str) -> str | None:
    value = tracker.get_slot(slot)
    return value if isinstance(value, str) and value and value != "not_given" else None


def need_from(tracker: Tracker, heard: HeardNeeds | None = None) -> SupportNeed:
    """The report's fixed-choice answers, then what their own words add (``heard``)."""
    heard = heard or HeardNeeds()
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    chosen = frozenset(tracker.get_slot("abuse_kinds") or [])
    if heard.harms_others:
        # Someone who says they harm others is offered the services for changing that only.
        kinds = frozenset({"perpetrator"})
    else:
        kinds = (chosen & NEED_TAGS) | (heard.tags - HELP_TAGS)
        kinds |= DOCUMENTS_TAGS if DOCUMENTS in chosen else frozenset()
    # "A caseworker to contact me" is answered by the handoff itself, not by a service.
    help_types = (
        frozenset(tracker.get_slot("help_wanted") or [])
        | HELP_FOR_INTENT.get(intent or "", frozenset())
        | (frozenset() if heard.harms_others else heard.tags & HELP_TAGS)
    ) & NEED_TAGS
    # A place chosen in the report outranks one mentioned in passing.
    nation = _chosen(tracker, "nation") or heard.nation
    region = _chosen(tracker, "region") or (heard.region if nation == heard.nation else None)
    return SupportNeed(
        kinds=kinds,
        help_types=help_types,
        nation=nation,
        region=region if nation == "england" else None,
        language=language_of(tracker),
        # "I push my wife" says he is a man, not that he needs a men's service for victims.
        male_victim=heard.man and not heard.harms_others,
    )


def advice_first(tracker: Tracker, messages: list[str]) -> bool:
    """Independent advice that understands immigration comes first when the person raised it
    (the firewall left its mark) or chose "keeps my documents from me"; decided here, recorded
    nowhere."""
    chosen = tracker.get_slot("abuse_kinds") or []
    return DOCUMENTS in chosen or any(REDACTION_MARK in text for text in messages)


class ActionShowSupport(Action):
    """Ranked services for the person's needs, nation or region, language and the time now."""

    def name(self) -> str:
        return "action_show_support"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        messages = user_messages(tracker)
        need = need_from(tracker, read_needs(messages))
        if advice_first(tracker, messages):
            send_immigration_aware_support(dispatcher, tracker, need)
            return []
        at = now_in_london()
        dispatcher.utter_message(response="utter_services_intro")
        send_services(dispatcher, runtime.directory().rank(need, at), at, tracker)
        return []


class ActionShowImmigrationAwareSupport(Action):
    """Services that understand immigration, after someone volunteers their situation."""

    def name(self) -> str:
        return "action_show_immigration_aware_support"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        send_immigration_aware_support(dispatcher, tracker)
        return []
