"""Exactly-once turns on the front end's side: the durable update queue, and after a crash,
telling a turn Rasa already took from one it never saw.

PTB's Updater puts each fetched update on ``Application.update_queue`` and confirms the batch
(asks for a higher offset) only after every put returned; a webhook answers Telegram only after
its put returned. So :class:`DurableUpdateQueue` records the update in the inbox inside ``put``:
nothing is confirmed to Telegram before it is durable, and an update_id seen before is dropped
there, before any handler runs. At start-up the front end replays what the inbox holds unfinished.

The one gap a database cannot close alone is "Rasa answered, then we crashed before marking the
update done": replaying it would ask Rasa a second time. The update_id travels in the message's
metadata and stays on the user event in the tracker, so before a replayed turn is sent the
front end looks there (:func:`answered_before`); if Rasa had it, the answer it gave is shown
from the tracker instead of asking again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.core.errors import LanternError
from bot.core.locale import catalogue
from bot.core.message_metadata import UPDATE_ID_KEY
from bot.core.tracker_vault import TrackerVault
from bot.core.turn_rules import ensure_way_out
from bot.frontdoor.rasa_client import BotMessage, parse_turn

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
# The update being handled, per asyncio task (PTB runs each update in its own task).
CURRENT_UPDATE: ContextVar[int | None] = ContextVar("lantern_current_update", default=None)


class InboxUnavailableError(LanternError):
    """An update could not be recorded (the database is down): it must not be confirmed."""


class DurableUpdateQueue(asyncio.Queue[object]):
    """The Application's update queue; ``admit`` records an update and says whether it is new.

    While the inbox cannot be written, ``put`` waits and tries again (polling: PTB's loop would
    die on any exception that is not a TelegramError, and nothing is confirmed meanwhile), or
    after ``attempts`` raises InboxUnavailableError (webhook: a 500, and Telegram sends again).
    The first failure of each update calls ``unrecorded``, so the person is not left waiting in
    silence (``bot.frontdoor.db_down``).
    """

    def __init__(
        self,
        admit: Callable[[Update], Awaitable[bool]],
        *,
        unrecorded: Callable[[Update], Awaitable[None]],
        attempts: int | None = None,
        backoff_seconds: float = 0.5,
    ) -> None:
        super().__init__()
        self._admit, self._unrecorded = admit, unrecorded
        self._attempts, self._backoff = attempts, backoff_seconds

    async def put(self, item: object) -> None:
        # PTB also puts its own stop signal here: only updates go through the inbox.
        if isinstance(item, Update) and not await self._admit_durably(item):
            return
        await super().put(item)

    async def _admit_durably(self, update: Update) -> bool:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._admit(update)
            except (SQLAlchemyError, OSError) as error:
                logger.error("the inbox could not record an update: %s", type(error).__name__)
                if attempt == 1:
                    await self._tell_unrecorded(update)
                if self._attempts is not None and attempt >= self._attempts:
                    raise InboxUnavailableError(type(error).__name__) from error
                await asyncio.sleep(min(MAX_BACKOFF_SECONDS, self._backoff * 2 ** (attempt - 1)))

    async def _tell_unrecorded(self, update: Update) -> None:
        try:
            await self._unrecorded(update)
        except Exception as error:  # noqa: BLE001 - a courtesy must never stop the update's retries
            logger.error("the database-down answer failed: %s", type(error).__name__)


def inbox_body(update: Update) -> dict[str, Any]:
    """What the inbox keeps of an update until its turn is done (sealed). An edit is refused,
    not read (``FrontEnd.on_edited``), so its new text is never stored at all."""
    body = update.to_dict()
    edited = body.get("edited_message")
    if isinstance(edited, dict):
        for field in ("text", "entities", "caption", "caption_entities"):
            edited.pop(field, None)
    return body


def answered_before(
    trackers: TrackerVault, pseudonym: str, update_id: int, language: str | None
) -> list[BotMessage] | None:
    """The turn Rasa gave for this update, read from the tracker; None if Rasa never had it."""
    serialised = trackers.get(pseudonym)
    if serialised is None:
        return None
    events = json.loads(serialised).get("events") or []
    start = next(
        (
            index
            for index, event in enumerate(events)
            if event.get("event") == "user"
            and (event.get("metadata") or {}).get(UPDATE_ID_KEY) == update_id
        ),
        None,
    )
    if start is None:
        return None
    messages: list[dict[str, Any]] = []
    for event in events[start + 1 :]:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            messages.append({"text": event.get("text") or "", "buttons": buttons})
    # The channel adds the way out to the reply, not to the tracker: add it here the same way.
    return parse_turn(ensure_way_out(messages, catalogue(language)))
