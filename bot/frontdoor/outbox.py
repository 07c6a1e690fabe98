"""Delivers the outbox (messages to a person that do not come from Rasa, e.g. a caseworker's reply).

Rows are sealed in the store; the chat id is sealed too (``Store.remember_chat``). A row is sent
at least once and marked delivered (its content dropped) right after. If marking fails, this
process remembers the row was sent and only retries the mark, so a person never sees it twice.

A row that can never be sent (no chat link, the bot blocked, the chat unknown, too long) is
marked undeliverable with its reason and dropped from the queue (issue 12): left pending, fifty
of them would fill every pass and stop delivery to everyone. A transient failure (the network,
a flood wait) leaves the row pending for the next pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from bot.core.crypto import FrontEndKey
from bot.core.db.models import Undeliverable
from bot.core.db.store import Delivery, Store, StoreError
from bot.frontdoor.delivery_faults import UndeliverableError

logger = logging.getLogger(__name__)

# Sends one delivery to one chat and returns the Telegram message id, None when it may pass
# later, or raises UndeliverableError when it never can.
SendDelivery = Callable[[int, Delivery], Awaitable[int | None]]

PAGE_SIZE = 50
# A bound on one pass, so a flood of rows failing for now cannot keep a pass going for ever
# (each row tried is excluded by id in the next page's query).
MAX_PER_PASS = 500


class OutboxCourier:
    def __init__(self, store: Store, key: FrontEndKey) -> None:
        self._store = store
        self._keys = {key.key_id: key}
        self._sent: set[str] = set()

    async def deliver_pending(self, send: SendDelivery) -> int:
        """One pass over the outbox; returns how many messages were sent in it."""
        sent = refused = 0
        async for delivery in self._pages():
            if delivery.id not in self._sent:
                reason = await self._attempt(send, delivery)
                if reason is not None:
                    await self._give_up(delivery, reason)
                    refused += 1
                    continue
                if delivery.id not in self._sent:
                    continue  # transient: the row stays pending for the next pass
                sent += 1
            # StoreError: erased in the meantime; the row is gone, which is what marking achieves.
            with contextlib.suppress(StoreError):
                await asyncio.to_thread(self._store.mark_delivered, delivery.id)
            self._sent.discard(delivery.id)
        if sent or refused:
            logger.info("outbox: %d messages delivered, %d undeliverable", sent, refused)
        return sent

    async def _pages(self) -> AsyncIterator[Delivery]:
        """The queue page by page, each row once a pass: a full page of rows that were marked
        or failed for now is no reason to leave the rows behind it waiting."""
        tried: set[str] = set()
        while True:
            page = await asyncio.to_thread(
                self._store.pending_deliveries, self._keys, PAGE_SIZE, frozenset(tried)
            )
            for delivery in page:
                tried.add(delivery.id)
                yield delivery
            if len(page) < PAGE_SIZE or len(tried) >= MAX_PER_PASS:
                return

    async def _attempt(self, send: SendDelivery, delivery: Delivery) -> Undeliverable | None:
        """Send once; the reason when it can never pass, else None (``_sent`` says if it did)."""
        if delivery.pseudonym is None:
            return Undeliverable.NO_CHAT_LINK  # the person erased their data
        chat_id = await asyncio.to_thread(self._store.chat_id_for, delivery.pseudonym, self._keys)
        if chat_id is None:
            # Left (/exit), erased or expired: there is no chat to send to, now or later.
            return Undeliverable.NO_CHAT_LINK
        try:
            message_id = await send(chat_id, delivery)
        except UndeliverableError as error:
            return error.reason
        if message_id is not None:
            self._sent.add(delivery.id)
        return None

    async def _give_up(self, delivery: Delivery, reason: Undeliverable) -> None:
        if reason is Undeliverable.BLOCKED and delivery.pseudonym is not None:
            # Blocked: nothing will reach this chat again, so the sealed chat id goes now; the
            # person's later rows are marked "no chat link" without asking Telegram.
            await asyncio.to_thread(self._store.forget_chat, delivery.pseudonym, blocked=True)
        with contextlib.suppress(StoreError):  # erased meanwhile: the row is gone already
            await asyncio.to_thread(self._store.mark_undeliverable, delivery.id, reason)
