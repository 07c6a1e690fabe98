"""The Telegram front end's behaviour: one method per kind of update, independent of how they come.

Telegram ids stop here: Rasa sees only the keyed pseudonym, the store sees the chat id only
sealed, and nothing here logs an id or a word anyone wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core.crypto import FrontEndKey
from bot.core.errors import AssistantUnavailableError, LanternError
from bot.core.pseudonym import pseudonym_for
from bot.core.safety import SafetySignal, default_safety_net
from bot.core.store import Delivery, Store
from bot.frontdoor import telegram_render as say
from bot.frontdoor.memory import ChatTrail, Waiting, WaitingRoom
from bot.frontdoor.rasa_client import BotMessage, RasaFrontDoorClient
from bot.frontdoor.terminal import RESTART_PAYLOAD
from bot.frontdoor.when_down import EMERGENCY_ROUTES_TEXT, reply_when_down
from bot.rasa_ext.tracker_vault import TrackerVault

logger = logging.getLogger(__name__)

GREET_PAYLOAD = "/greet"
# Telegram refuses an empty message; a turn that is only buttons gets this line above them.
BUTTONS_ONLY_TEXT = "Choose one:"
# The sealed chat link is refreshed at most this often per person, not on every message.
LINK_REFRESH_SECONDS = 3600.0


class FrontEnd:
    """Handlers for the PTB Application plus the two background duties: queue and outbox."""

    def __init__(
        self,
        rasa: RasaFrontDoorClient,
        store: Store,
        trackers: TrackerVault,
        *,
        front_end_key: FrontEndKey,
        pseudonym_key: bytes,
        chat_link_ttl: timedelta,
    ) -> None:
        self.rasa, self.store, self.trackers = rasa, store, trackers
        self.front_end_key = front_end_key
        self._pseudonym_key = pseudonym_key
        self._chat_link_ttl = chat_link_ttl
        self.trail = ChatTrail()
        self.waiting = WaitingRoom()
        self.codec = say.CallbackCodec()
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Bumped by the quick exit: a turn that was in flight then is dropped, not shown.
        self._exits: defaultdict[str, int] = defaultdict(int)
        self._linked_at: dict[str, float] = {}
        # People talking with their caseworker: what they type goes to the case thread. Memory
        # only; after a restart their next message reaches the assistant, which loses nothing.
        self.with_caseworker: set[str] = set()
        self.safety = default_safety_net()

    def pseudonym(self, user_id: int) -> str:
        return pseudonym_for(user_id, self._pseudonym_key)

    # --- updates -------------------------------------------------------------------------

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        self.trail.add(message.chat_id, message.message_id, message.date.timestamp())
        pseudonym = self.pseudonym(user.id)
        command = say.command_of(message.text)
        if command == "exit":
            await self.quick_exit(context.bot, message.chat_id, pseudonym)
        elif command == "forget":
            await self.send(
                context.bot,
                message.chat_id,
                say.FORGET_QUESTION,
                InlineKeyboardMarkup(
                    [
                        [
                            InlineKeyboardButton(
                                "Yes, erase everything", callback_data=say.FORGET_YES
                            )
                        ],
                        [InlineKeyboardButton("No, keep it", callback_data=say.FORGET_NO)],
                    ]
                ),
            )
        elif command == "help":
            await self.send(context.bot, message.chat_id, say.HELP_TEXT)
        elif command == "language":
            await self.send(context.bot, message.chat_id, say.LANGUAGE_TEXT)
        elif pseudonym in self.with_caseworker and command != "start":
            await self.relay(context.bot, message.chat_id, pseudonym, message.text)
        else:
            self.with_caseworker.discard(pseudonym)
            text = GREET_PAYLOAD if command == "start" else say.neutralise(message.text)
            if text:
                await self.converse(context.bot, message.chat_id, pseudonym, text)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or query.message is None:
            return
        chat_id, pseudonym, toast = query.message.chat.id, self.pseudonym(user.id), None
        try:
            if query.data == say.FORGET_YES:
                await self.erase(context.bot, chat_id, pseudonym)
                toast = "Everything has been erased."
            elif query.data == say.FORGET_NO:
                await self.send(context.bot, chat_id, say.KEPT_TEXT)
            elif query.data == say.QUICK_EXIT:
                await self.quick_exit(context.bot, chat_id, pseudonym)
            elif query.data == say.EMERGENCY:
                keyboard = say.relay_keyboard() if pseudonym in self.with_caseworker else None
                await self.send(context.bot, chat_id, EMERGENCY_ROUTES_TEXT, keyboard)
            elif query.data == say.BACK_TO_ASSISTANT:
                self.with_caseworker.discard(pseudonym)
                await self.converse(context.bot, chat_id, pseudonym, GREET_PAYLOAD)
            else:
                # Any of the assistant's buttons: the person chose to talk to the assistant.
                self.with_caseworker.discard(pseudonym)
                payload = self.codec.decode(query.data or "")
                if payload is None:
                    await self.send(context.bot, chat_id, say.EXPIRED_BUTTON_TEXT)
                else:
                    await self.converse(context.bot, chat_id, pseudonym, payload)
        finally:
            # Telegram shows a spinner on the button until the press is answered.
            with contextlib.suppress(TelegramError):
                await query.answer(toast)

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None:
            self.trail.add(message.chat_id, message.message_id, message.date.timestamp())
            await self.send(context.bot, message.chat_id, say.UNSUPPORTED_TEXT)

    async def on_place_or_person(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A location or contact: gone from the chat at once, never stored, never logged."""
        message = update.effective_message
        if message is None:
            return
        try:
            await message.delete()
        except TelegramError as error:
            logger.warning(
                "could not delete a shared location or contact: %s", type(error).__name__
            )
        if update.message is not None:  # a live location's updates need no second note
            await self.send(context.bot, message.chat_id, say.PLACE_OR_PERSON_DELETED_TEXT)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The type only: an exception's message can quote what someone wrote.
        logger.error("update failed: %s", type(context.error).__name__)

    # --- conversation --------------------------------------------------------------------

    async def converse(self, bot: Bot, chat_id: int, pseudonym: str, text: str) -> None:
        """One message to Rasa and its turn back; when Rasa cannot answer, 999 and a queue."""
        epoch = self._exits[pseudonym]
        async with self._locks[pseudonym]:
            await self._link(pseudonym, chat_id)
            await self.drain(bot, pseudonym)
            if not self.waiting.is_waiting(pseudonym):
                try:
                    turn = await self.rasa.send(pseudonym, text)
                except AssistantUnavailableError as error:
                    logger.warning("assistant unavailable (%s): message queued", error)
                else:
                    if epoch == self._exits[pseudonym]:
                        await self.send_turn(bot, chat_id, turn)
                    return
            self.waiting.put(Waiting(chat_id, pseudonym, text))
            await self.send(bot, chat_id, reply_when_down(self.safety.check(text)))

    async def drain(self, bot: Bot, pseudonym: str) -> None:
        """Answer this person's queued messages in order, stopping at the first failure."""
        while (item := self.waiting.first(pseudonym)) is not None:
            try:
                turn = await self.rasa.send(pseudonym, item.text)
            except AssistantUnavailableError:
                return
            self.waiting.done(pseudonym)
            await self.send_turn(bot, item.chat_id, turn)

    async def retry_waiting(self, bot: Bot) -> None:
        for pseudonym in self.waiting.people():
            async with self._locks[pseudonym]:
                await self.drain(bot, pseudonym)

    async def send_turn(self, bot: Bot, chat_id: int, turn: list[BotMessage]) -> None:
        shown = [message for message in turn if message.text or message.buttons]
        for number, message in enumerate(shown, start=1):
            await self.send(
                bot,
                chat_id,
                message.text or BUTTONS_ONLY_TEXT,
                self.codec.keyboard(message.buttons),
                last=number == len(shown),
            )

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        last: bool = True,
    ) -> int | None:
        """Send and remember the id for the quick exit; None when Telegram refused for good.

        The last message of a turn gets the standing buttons (``say.with_way_out``).
        """
        if last:
            markup = say.with_way_out(markup)
        try:
            sent = await bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramError as error:
            logger.error("a message could not be sent: %s", type(error).__name__)
            return None
        self.trail.add(chat_id, sent.message_id, sent.date.timestamp())
        return sent.message_id

    # --- the caseworker ------------------------------------------------------------------

    async def deliver(self, bot: Bot, chat_id: int, delivery: Delivery) -> int | None:
        """An outbox message; a caseworker's starts a conversation with them."""
        if not delivery.from_caseworker:
            return await self.send(bot, chat_id, delivery.text)
        sent = await self.send(
            bot, chat_id, say.from_caseworker(delivery.text), say.relay_keyboard()
        )
        if sent is not None:
            self.with_caseworker.add(delivery.pseudonym)
        return sent

    async def relay(self, bot: Bot, chat_id: int, pseudonym: str, text: str) -> None:
        """Pass the person's words to their caseworker; danger is answered here first."""
        signal = self.safety.check(text)
        if signal is not None:
            await self.send(
                bot,
                chat_id,
                say.SAMARITANS_TEXT if signal is SafetySignal.SUICIDAL else EMERGENCY_ROUTES_TEXT,
            )
        try:
            async with self._locks[pseudonym]:
                sent = await asyncio.to_thread(self.store.add_message_from_person, pseudonym, text)
        except (LanternError, SQLAlchemyError) as error:
            logger.error("a message to a caseworker could not be stored: %s", type(error).__name__)
            await self.send(bot, chat_id, say.RELAY_FAILED_TEXT, say.relay_keyboard())
            return
        if sent is None:
            self.with_caseworker.discard(pseudonym)
            await self.send(bot, chat_id, say.CASE_ENDED_TEXT)
            # The words go to the assistant, whose turn always ends with a way to help.
            await self.converse(bot, chat_id, pseudonym, say.neutralise(text) or GREET_PAYLOAD)
            return
        await self.send(bot, chat_id, say.RELAYED_TEXT, say.relay_keyboard())

    # --- leaving ---------------------------------------------------------------------------

    async def quick_exit(self, bot: Bot, chat_id: int, pseudonym: str) -> int:
        """Delete every deletable message of the chat first, then end the session and the link."""
        self._exits[pseudonym] += 1
        self.waiting.forget(pseudonym)
        self.with_caseworker.discard(pseudonym)
        deleted = 0
        for batch in self.trail.take(chat_id):
            try:
                await bot.delete_messages(chat_id, batch)
                deleted += len(batch)
            except TelegramError as error:
                logger.error("quick exit could not delete a batch: %s", type(error).__name__)
        async with self._locks[pseudonym]:
            with contextlib.suppress(AssistantUnavailableError):
                await self.rasa.send(pseudonym, RESTART_PAYLOAD)
            self._linked_at.pop(pseudonym, None)
            await asyncio.to_thread(self.store.forget_chat, pseudonym)
        logger.info("quick exit: %d messages deleted", deleted)
        return deleted

    async def erase(self, bot: Bot, chat_id: int, pseudonym: str) -> None:
        await self.quick_exit(bot, chat_id, pseudonym)
        async with self._locks[pseudonym]:
            # After the restart above, which itself writes a tracker.
            await asyncio.to_thread(self.trackers.erase, pseudonym)
            result = await asyncio.to_thread(self.store.erase_pseudonym, pseudonym)
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
