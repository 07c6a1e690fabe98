"""Tells the staff Telegram group that new handoffs are waiting: how many and how urgent, no more.

The ping carries the count and the urgency levels only: no handoff id, region, organisation,
content or link. Several partner organisations may share one deployment and this one group, so
the ping names none of them and counts every organisation's cases together; whoever opens the
console sees only their own organisation's queue there. A Telegram group is not a place for
anything about a case: its members, devices and history are outside our control.

Where it counts from lives in memory. It starts at the end of the audit log as it stood when
this process started, so a restart announces nothing from before it (handoffs opened while the
front end was down are not announced; they are in the console). It moves on only after a ping
was sent, so a failed send is retried next round with the counts brought up to date.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from telegram import Bot
from telegram.error import ChatMigrated, TelegramError

from bot.core.db.counts import audit_position, opened_since
from bot.core.db.store import Store
from bot.core.report_fields import Urgency

logger = logging.getLogger(__name__)

STAFF_PING_SECONDS = 60.0
_LEVELS = ((Urgency.VERY_HIGH, "very high"), (Urgency.HIGH, "high"), (Urgency.STANDARD, "standard"))


def ping_text(by_urgency: Mapping[Urgency, int]) -> str:
    """E.g. "2 new handoffs in the queue (1 very high, 1 standard). Open the console to see them."

    Urgency levels with no handoff are left out; nothing else about a case is ever put in.
    """
    total = sum(by_urgency.values())
    levels = ", ".join(f"{by_urgency[u]} {word}" for u, word in _LEVELS if by_urgency.get(u))
    noun, pronoun = ("handoff", "it") if total == 1 else ("handoffs", "them")
    return f"{total} new {noun} in the queue ({levels}). Open the console to see {pronoun}."


class StaffPing:
    """One round every :data:`STAFF_PING_SECONDS`: at most one message to the staff group."""

    def __init__(self, store: Store, chat_id: int) -> None:
        self._store = store
        self.chat_id = chat_id
        # Read from the clock now, resolved to an audit position on the first round, so building
        # this touches no database (nothing connects early) and no handoff opened in the first
        # minute is missed.
        self._started = store.db.now()
        self._after: int | None = None

    async def run_once(self, bot: Bot) -> int:
        """Send one ping if people opened handoffs since the last; returns how many it announced.

        Telegram's refusals are logged by type and retried next round; a database failure is
        raised to the caller (the front end's duty loop logs its type and tries again).
        """
        if self._after is None:
            self._after = await asyncio.to_thread(audit_position, self._store.db, self._started)
        news = await asyncio.to_thread(opened_since, self._store.db, self._after)
        if news.total:
            try:
                await bot.send_message(self.chat_id, ping_text(news.by_urgency))
            except ChatMigrated as error:
                # The group became a supergroup with a new id; Telegram says which. Follow it
                # until the setting is changed, or every later ping would fail the same way.
                self.chat_id = error.new_chat_id
                logger.warning(
                    "staff ping: the staff group was upgraded to a supergroup; set "
                    "LANTERN_STAFF_CHAT_ID to its new id (trying it next round)"
                )
                return 0
            except TelegramError as error:
                logger.warning("staff ping not sent (%s); trying next round", type(error).__name__)
                return 0
            logger.info("staff ping: %d new handoffs announced", news.total)
        self._after = news.until
        return news.total
