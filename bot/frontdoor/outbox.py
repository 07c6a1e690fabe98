"""Delivers the outbox (messages to a person that do not come from Rasa, e.g. a caseworker's reply).

Rows are sealed in the store; the chat id is sealed too (``Store.remember_chat``). A row is sent
at least once and marked delivered (its content dropped) right after. If marking fails, this
process remembers the row was sent and only retries the mark, so a person never sees it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.core.crypto import FrontEndKey
from bot.core.db.store import Delivery, Store, StoreError

logger = logging.getLogger(__name__)

# Sends one delivery to one chat and returns the Telegram message id, or None when it failed.
SendDelivery = Callable[[int, Delivery], Awaitable[int | None]]


class OutboxCourier:
    def __init__(self, store: Store, key: FrontEndKey) -> None:
        self._store = store
        self._keys = {key.key_id: key}
        self._sent: set[str] = set()

    async def deliver_pending(self, send: SendDelivery) -> int:
        """One pass over the outbox; returns how many messages were sent in it."""
        pending = await asyncio.to_thread(self._store.pending_deliveries, self._keys)
        sent = 0
        for delivery in pending:
            if delivery.id not in self._sent:
                chat_id = await asyncio.to_thread(
                    self._store.chat_id_for, delivery.pseudonym, self._keys
                )
                if chat_id is None:
                    # Left, erased or expired: retention purges the row; nobody to send it to.
                    continue
                if await send(chat_id, delivery) is None:
                    continue
                self._sent.add(delivery.id)
                sent += 1
            # StoreError: erased in the meantime; the row is gone, which is what marking achieves.
            with contextlib.suppress(StoreError):
                await asyncio.to_thread(self._store.mark_delivered, delivery.id)
            self._sent.discard(delivery.id)
        if sent:
            logger.info("outbox: %d messages delivered", sent)
        return sent
