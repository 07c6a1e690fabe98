"""Rasa's tracker store, sealed at rest: ``tracker_store: type:`` in ``endpoints.yml`` names it.

The backend (``LANTERN_TRACKER_URL``: SQLite under var/ by default, PostgreSQL or Redis), the key
(``LANTERN_TRACKER_KEY_FILE``) and the idle expiry (``LANTERN_TRACKER_EXPIRY_MINUTES``) come
from the settings, not from ``endpoints.yml``, so ``python -m bot erase`` and ``purge`` reach the
very same trackers. A missing key or unreachable backend stops Rasa at start-up rather than
letting it fall back to its in-memory store.

Erasure: ``python -m bot erase --pseudonym HEX`` deletes the tracker through
:func:`bot.core.tracker_vault.tracker_vault_for`. A front end that sends ``/restart`` (the
terminal chat does on ``/exit``) also erases what was said: this store keeps only the events
after the latest restart, so the earlier conversation is gone from storage at the next save.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import rasa.shared.core.trackers
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SerializedTrackerAsText, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Restarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.config import load_settings
from bot.core.errors import ConfigurationError
from bot.core.log_hygiene import install_log_hygiene
from bot.core.tracker_vault import TrackerVault, tracker_vault_for
from bot.rasa_ext import event_lookup


class EncryptedTrackerStore(TrackerStore, SerializedTrackerAsText):
    """Trackers sealed with AES-256-GCM under the tracker key, bound to their sender id."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        vault: TrackerVault | None = None,
        **kwargs: Any,
    ) -> None:
        if host is not None or kwargs:
            raise ConfigurationError(
                "configure the tracker store with LANTERN_TRACKER_URL and "
                "LANTERN_TRACKER_EXPIRY_MINUTES, not with options in endpoints.yml"
            )
        # Rasa builds its tracker store before it handles any message, so installing log
        # hygiene here covers every conversation, even when Rasa runs without our logging.yml.
        install_log_hygiene()
        # Every turn rebuilds the tracker from its stored events; the table makes finding each
        # event's class cheap (bot/rasa_ext/event_lookup.py).
        event_lookup.install()
        self.vault = vault if vault is not None else tracker_vault_for(load_settings())
        super().__init__(domain, event_broker)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        dialogue = tracker.as_dialogue().as_dict()
        dialogue["events"] = _since_last_restart(dialogue["events"])
        self.vault.put(tracker.sender_id, json.dumps(dialogue).encode("utf-8"))

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return self._retrieve(sender_id, all_sessions=False)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        return self._retrieve(conversation_id, all_sessions=True)

    async def keys(self) -> Iterable[str]:
        return self.vault.sender_ids()

    async def delete(self, sender_id: str) -> bool:
        """Erase one person's tracker (Rasa has no delete; this is for our own callers)."""
        return self.vault.erase(sender_id)

    def _retrieve(self, sender_id: str, all_sessions: bool) -> DialogueStateTracker | None:
        serialised = self.vault.get(sender_id)
        if serialised is None:
            return None
        tracker: DialogueStateTracker | None = self.deserialise_tracker(sender_id, serialised)
        if tracker is None or all_sessions:
            return tracker
        sessions = rasa.shared.core.trackers.get_trackers_for_conversation_sessions(tracker)
        return sessions[-1] if len(sessions) > 1 else tracker


def _since_last_restart(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    restarts = [i for i, event in enumerate(events) if event.get("event") == Restarted.type_name]
    return events[restarts[-1] :] if restarts else events
