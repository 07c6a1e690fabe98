"""The Telegram front end's core: conversation with Rasa, sending, the quick exit and erasure.

Telegram ids stop here: Rasa sees only the keyed pseudonym, the store sees the chat id only
sealed, and nothing here logs an id or a word anyone wrote. What must outlive a restart (the
exit trail, the waiting room, the caseworker conversation, the chosen language, long button
payloads, the inbox of updates) is in the database (``bot.core.db.frontdoor_state``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.core.crypto import FrontEndKey
from bot.core.db.frontdoor_state import FrontDoorState, Waiting
from bot.core.db.store import Store
from bot.core.errors import AssistantUnavailableError
from bot.core.locale import Catalogue, catalogue
from bot.core.pseudonym import pseudonym_for
from bot.core.safety import default_safety_net
from bot.core.tracker_vault import TrackerVault
from bot.frontdoor import telegram_render as say
from bot.frontdoor.db_down import DatabaseDownNotice
from bot.frontdoor.delivery_faults import UndeliverableError, permanent_reason
from bot.frontdoor.inbox import CURRENT_UPDATE, answered_before
from bot.frontdoor.language_id import LanguageGuesser
from bot.frontdoor.rasa_client import BotMessage, RasaFrontDoorClient
from bot.frontdoor.terminal import RESTART_PAYLOAD
from bot.frontdoor.turns import TurnKeeping
from bot.frontdoor.when_down import reply_when_down
from bot.frontdoor.wipe import delete_all

logger = logging.getLogger(__name__)

GREET_PAYLOAD = "/greet"
# The sealed chat link is refreshed at most this often per person, not on every message.
LINK_REFRESH_SECONDS = 3600.0


class FrontEndCore(TurnKeeping):
    """What every kind of update uses; ``FrontEnd`` adds one method per kind of update."""

    def __init__(
        self,
        rasa: RasaFrontDoorClient,
        store: Store,
        trackers: TrackerVault,
        *,
        front_end_key: FrontEndKey,
        pseudonym_key: bytes,
        chat_link_ttl: timedelta,
        state: FrontDoorState | None = None,
    ) -> None:
        self.rasa, self.store, self.trackers = rasa, store, trackers
        self.front_end_key = front_end_key
        self._pseudonym_key = pseudonym_key
        self._chat_link_ttl = chat_link_ttl
        # A new FrontEnd on the same database carries on where the last one stopped.
        self.state = state or FrontDoorState(store.db.engine, front_end_key)
        self.codec = say.CallbackCodec(memory=self.state)
        super().__init__()
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Bumped by the quick exit: a turn that was in flight then is dropped, not shown.
        self._exits: defaultdict[str, int] = defaultdict(int)
        # The same count per chat, for a message already on its way when the exit came.
        self._chat_exits: defaultdict[int, int] = defaultdict(int)
        self._linked_at: dict[str, float] = {}
        self.safety = default_safety_net()
        self.guesser = LanguageGuesser()
        self.db_down = DatabaseDownNotice(self.safety)

    def pseudonym(self, user_id: int) -> str:
        return pseudonym_for(user_id, self._pseudonym_key)

    def language(self, chat_id: int) -> str | None:
        """The language the chat chose (or wrote in before choosing); sealed in the database,
        because it hints at where someone is from. A private chat's id is its user's id."""
        return self.state.language(self.pseudonym(chat_id))

    def texts(self, chat_id: int) -> Catalogue:
        return catalogue(self.language(chat_id))

    def remember(
        self, chat_id: int, message_id: int, sent_at: float, shown: tuple[int, int] | None = None
    ) -> None:
        """For the quick exit: the message's id (sealed) and when it was sent; ``shown``: it
        was message n of update_id's answer."""
        self._trail_what_was_sent_while_down()
        when = datetime.fromtimestamp(sent_at, timezone.utc)
        self.state.remember_message(self.pseudonym(chat_id), message_id, when, shown)

    def _trail_what_was_sent_while_down(self) -> None:
        # One by one: if the database fails again half-way, the rest wait for the next try.
        for entry in list(self.db_down.unrecorded):
            when = datetime.fromtimestamp(entry.sent_at, timezone.utc)
            self.state.remember_message(self.pseudonym(entry.chat_id), entry.message_id, when)
            self.db_down.recorded(entry)

    # --- conversation --------------------------------------------------------------------

    async def converse(self, bot: Bot, chat_id: int, pseudonym: str, text: str) -> None:
        """One message to Rasa and its turn back; when Rasa cannot answer, 999 and a queue."""
        epoch = self._exits[pseudonym]
        async with self._locks[pseudonym]:
            await self._link(pseudonym, chat_id)
            await self.drain(bot, pseudonym)
            update_id = CURRENT_UPDATE.get()
            if not self.state.is_waiting(pseudonym):
                try:
                    turn = await self.ask(pseudonym, text, self.language(chat_id), update_id)
                except AssistantUnavailableError as error:
                    logger.warning("assistant unavailable (%s): message queued", error)
                else:
                    if epoch == self._exits[pseudonym]:
                        await self.send_turn(bot, chat_id, turn, update_id)
                    return
            if epoch != self._exits[pseudonym]:
                # The quick exit came while Rasa was being asked: nothing kept, nothing shown.
                return
            self.state.hold(chat_id, pseudonym, text, update_id)
            signal = self.safety.check(text)
            await self.send(bot, chat_id, reply_when_down(signal, self.texts(chat_id)))

    async def drain(self, bot: Bot, pseudonym: str) -> None:
        """Answer this person's queued messages in order, stopping at the first failure."""
        while (item := self.state.first_waiting(pseudonym)) is not None:
            try:
                turn = await self._ask_for(item)
            except AssistantUnavailableError:
                return
            self.state.waiting_done(item)
            await self.send_turn(bot, item.chat_id, turn, item.update_id, resumed=True)

    async def _ask_for(self, item: Waiting) -> list[BotMessage]:
        # Always checked: a crash after Rasa answered a held message must not ask again.
        return await self.ask(
            item.pseudonym, item.text, self.language(item.chat_id), item.update_id, check=True
        )

    async def ask(
        self,
        pseudonym: str,
        text: str,
        language: str | None,
        update_id: int | None,
        *,
        check: bool = False,
    ) -> list[BotMessage]:
        """Rasa's turn for this message, once: a replayed update Rasa already took is answered
        from the tracker (``bot.frontdoor.inbox``) instead of being asked again."""
        if update_id is not None and (check or self.replaying(update_id)):
            earlier = await asyncio.to_thread(
                answered_before, self.trackers, pseudonym, update_id, language
            )
            if earlier is not None:
                return earlier
        return await self.rasa.send(pseudonym, text, language, update_id=update_id)

    async def retry_waiting(self, bot: Bot) -> None:
        for pseudonym in self.state.waiting_people():
            async with self._locks[pseudonym]:
                await self.drain(bot, pseudonym)

    async def send_turn(
        self,
        bot: Bot,
        chat_id: int,
        turn: list[BotMessage],
        update_id: int | None = None,
        *,
        resumed: bool = False,
    ) -> None:
        """The turn's messages in order. For an update, each sent message is counted with its
        trail entry, so a replay after a crash mid-answer (or a held message answered again)
        sends only what the person has not seen; only a message in flight at the crash can
        show twice."""
        shown = [message for message in turn if message.text or message.buttons]
        seen = 0
        if update_id is not None and (resumed or self.replaying(update_id)):
            seen = await asyncio.to_thread(self.state.shown, update_id)
        for number, message in enumerate(shown, start=1):
            if number <= seen:
                continue
            await self.send(
                bot,
                chat_id,
                # Telegram refuses an empty message: buttons alone get a line above them.
                message.text or self.texts(chat_id).say("buttons_only"),
                self.codec.keyboard(message.buttons),
                last=number == len(shown),
                shown=None if update_id is None else (update_id, number),
            )

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        last: bool = True,
        texts: Catalogue | None = None,
        final_refusal: bool = False,
        shown: tuple[int, int] | None = None,
    ) -> int | None:
        """Send and remember the id for the quick exit; None when Telegram refused.

        The last message of a turn gets the standing buttons (``say.with_way_out``). With
        ``final_refusal`` (the outbox), a refusal that can never pass raises
        :class:`UndeliverableError` instead, so the row is marked rather than retried for ever.
        """
        texts = texts or self.texts(chat_id)
        if last:
            markup = say.with_way_out(markup, texts)
        text = texts.readable(text)
        exits = self._chat_exits[chat_id]
        try:
            sent = await bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramError as error:
            logger.error("a message could not be sent: %s", type(error).__name__)
            reason = permanent_reason(error)
            if final_refusal and reason is not None:
                raise UndeliverableError(reason) from None
            return None
        if exits != self._chat_exits[chat_id]:
            # The quick exit came while this was on its way (a flood wait): it goes too.
            with contextlib.suppress(TelegramError):
                await bot.delete_message(chat_id, sent.message_id)
            return None
        self.remember(chat_id, sent.message_id, sent.date.timestamp(), shown)
        return sent.message_id

    # --- leaving ---------------------------------------------------------------------------

    async def quick_exit(self, bot: Bot, chat_id: int, pseudonym: str) -> int:
        """Delete every deletable message of the chat first, then end the session and the link."""
        self._exits[pseudonym] += 1
        self._chat_exits[chat_id] += 1
        texts = self.texts(chat_id)  # the person's language, read before it is forgotten
        self._trail_what_was_sent_while_down()
        trail, too_old = self.state.take_trail(self.pseudonym(chat_id))
        self.state.forget(pseudonym)
        deleted, failed = await delete_all(bot, chat_id, [entry.message_id for entry in trail])
        if too_old + failed:
            # Honest, and the one message left: it goes too at the next exit.
            left = texts.say("exit_some_left", count=str(too_old + failed))
            await self.send(bot, chat_id, left, texts=texts)
        async with self._locks[pseudonym]:
            with contextlib.suppress(AssistantUnavailableError):
                await self.rasa.send(pseudonym, RESTART_PAYLOAD)
            self._linked_at.pop(pseudonym, None)
            await asyncio.to_thread(self.store.forget_chat, pseudonym)
        logger.info("quick exit: %d messages deleted, %d left", deleted, too_old + failed)
        return deleted

    async def erase(self, bot: Bot, chat_id: int, pseudonym: str) -> None:
        await self.quick_exit(bot, chat_id, pseudonym)
        async with self._locks[pseudonym]:
            # After the restart above, which itself writes a tracker.
            await asyncio.to_thread(self.trackers.erase, pseudonym)
            result = await asyncio.to_thread(
                self.store.erase_pseudonym, pseudonym, self.front_end_key
            )
        logger.info("erasure done: %s", result)

    async def _link(self, pseudonym: str, chat_id: int) -> None:
        """Keep the chat id, sealed, so a caseworker's reply can reach this person later."""
        now = time.monotonic()
        if now - self._linked_at.get(pseudonym, -LINK_REFRESH_SECONDS) < LINK_REFRESH_SECONDS:
            return
        await asyncio.to_thread(
            self.store.remember_chat, pseudonym, chat_id, self.front_end_key, self._chat_link_ttl
        )
        self._linked_at[pseudonym] = now
