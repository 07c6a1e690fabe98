"""What the front door says while its database is down.

An update the inbox cannot record is neither confirmed nor handled: Telegram keeps it, and it
is answered once the database is back (``bot.frontdoor.inbox``). Until then the person would
hear nothing, and someone writing "he has a knife" must never meet silence. So the first update
of a chat that cannot be recorded gets the front door's own answer at once, as when Rasa is
down: the emergency routes (or the short line alone when the safety net reads that he is
there) and "nothing you wrote has been lost", which is true, because the update is kept.

Nothing of the update is stored for it. The language is the phone's (the chosen one is in the
database) or, failing that, English. The message ids of these answers cannot go on the exit
trail while the database is down, so they wait here, in memory, and go on the trail with the
next message the front end remembers; a front end that crashes before then cannot remove them
at the quick exit (docs/RELIABILITY.md).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.core.languages import from_telegram_hint
from bot.core.locale import catalogue
from bot.core.safety import SafetyNet
from bot.frontdoor.telegram_render import with_way_out
from bot.frontdoor.when_down import reply_when_down

logger = logging.getLogger(__name__)

# One answer per chat per outage: Telegram sends a webhook update again and again while it is
# refused, and a person who writes five times needs the routes once.
COOLDOWN_SECONDS = 300.0


@dataclass(frozen=True)
class Unrecorded:
    """An answer sent while the exit trail could not be written."""

    chat_id: int
    message_id: int
    sent_at: float


class DatabaseDownNotice:
    def __init__(
        self,
        safety: SafetyNet,
        *,
        cooldown_seconds: float = COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._safety, self._cooldown, self._clock = safety, cooldown_seconds, clock
        self._told: dict[int, float] = {}
        self.unrecorded: list[Unrecorded] = []

    async def tell(self, update: Update) -> None:
        """Answer the person whose update could not be recorded, once per chat per outage."""
        chat, message, user = update.effective_chat, update.effective_message, update.effective_user
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        now = self._clock()
        if now - self._told.get(chat.id, -math.inf) < self._cooldown:
            return
        self._told[chat.id] = now
        texts = catalogue(from_telegram_hint(None if user is None else user.language_code))
        written = "" if message is None else message.text or message.caption or ""
        reply = reply_when_down(self._safety.check(written), texts)
        try:
            sent = await update.get_bot().send_message(
                chat.id, texts.readable(reply), reply_markup=with_way_out(None, texts)
            )
        except TelegramError as error:
            logger.error("the database-down answer could not be sent: %s", type(error).__name__)
            return
        logger.warning("the inbox is down: a person was given the emergency routes meanwhile")
        self.unrecorded.append(Unrecorded(chat.id, sent.message_id, sent.date.timestamp()))

    def recorded(self, entry: Unrecorded) -> None:
        """``entry`` is on the exit trail now; the database works again, so a new outage may
        be told again."""
        self.unrecorded.remove(entry)
        self._told.clear()
