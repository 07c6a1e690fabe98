"""Each update's turn exactly once: recorded before it runs, marked done after, replayed after a
crash (the inbox, ``bot.core.db.frontdoor_inbox``; the reasoning in ``bot.frontdoor.inbox``).

A handler that raises leaves its update unfinished, so the next start runs it again; the turn
itself cannot repeat there, because Rasa is not asked twice for one update_id
(``FrontEnd.ask``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.core.db.frontdoor_state import FrontDoorState
from bot.frontdoor.inbox import CURRENT_UPDATE, inbox_body

logger = logging.getLogger(__name__)

_FINGERPRINT = b"lantern update fingerprint v1\x00"
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class TurnKeeping:
    """The inbox side of the FrontEnd; the FrontEnd sets ``state`` and ``pseudonym``."""

    state: FrontDoorState
    pseudonym: Callable[[int], str]
    _pseudonym_key: bytes

    def __init__(self) -> None:
        # Update ids whose handler raised (left unfinished) and those being replayed now.
        self._failed: set[int] = set()
        self._replaying: set[int] = set()

    def replaying(self, update_id: int) -> bool:
        return update_id in self._replaying

    async def admit(self, update: Update) -> bool:
        """Record the update durably; False when its update_id was seen before (a repeat)."""
        user = update.effective_user
        pseudonym = None if user is None else self.pseudonym(user.id)
        body = inbox_body(update)
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        # Keyed, so the digest is no oracle for guessing what someone wrote.
        fingerprint = hmac.new(self._pseudonym_key, _FINGERPRINT + canonical, "sha256").hexdigest()
        new = await asyncio.to_thread(
            self.state.receive, update.update_id, pseudonym, body, fingerprint
        )
        if not new:
            logger.info("a repeated update was dropped")
        return new

    def turn(self, handler: Handler) -> Handler:
        """The handler with the update it handles known to ``FrontEnd.ask``."""

        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            token = CURRENT_UPDATE.set(update.update_id)
            try:
                await handler(update, context)
            except Exception:
                self._failed.add(update.update_id)
                raise
            finally:
                CURRENT_UPDATE.reset(token)

        return handle

    async def finish(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs after every update's handler (a later handler group): done, unless it raised."""
        if not isinstance(update, Update):
            return
        if update.update_id in self._failed:
            if not self.replaying(update.update_id):
                self._failed.discard(update.update_id)  # else replay() decides
            return
        await asyncio.to_thread(self.state.finish, update.update_id)

    async def replay(self, app: Application) -> int:  # type: ignore[type-arg]
        """Finish, in order, what the inbox holds unfinished; before polling starts."""
        replayed = 0
        for update_id, body in await asyncio.to_thread(self.state.unfinished):
            update = Update.de_json(body, app.bot)
            self._replaying.add(update_id)
            try:
                await app.process_update(update)
            finally:
                self._replaying.discard(update_id)
            if update_id in self._failed:
                # It failed again: once more at every start would fail every start. Given up,
                # by count only (an exception's message can quote what someone wrote).
                self._failed.discard(update_id)
                await asyncio.to_thread(self.state.finish, update_id)
                logger.error("a replayed update failed again and was given up")
            replayed += 1
        if replayed:
            logger.info("replayed %d unfinished updates", replayed)
        return replayed
