"""The Telegram front end's behaviour: one method per kind of update, independent of how they come.

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

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core.crypto import FrontEndKey
from bot.core.db.frontdoor_state import FrontDoorState, Waiting
from bot.core.db.store import Delivery, Store
from bot.core.errors import AssistantUnavailableError, LanternError
from bot.core.languages import ENGLISH, from_telegram_hint
from bot.core.locale import Catalogue, catalogue
from bot.core.pseudonym import pseudonym_for
from bot.core.safety import SafetySignal, default_safety_net
from bot.core.tracker_vault import TrackerVault
from bot.frontdoor import telegram_render as say
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


class FrontEnd(TurnKeeping):
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
        state: FrontDoorState | None = None,
    ) -> None:
        self.rasa, self.store, self.trackers = rasa, store, trackers
        self.front_end_key = front_end_key
        self._pseudonym_key = pseudonym_key
        self._chat_link_ttl = chat_link_ttl
        # A new FrontEnd on the same database carries on where the last one stopped.
        self.state = state or FrontDoorState(store.engine, front_end_key)
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

    def pseudonym(self, user_id: int) -> str:
        return pseudonym_for(user_id, self._pseudonym_key)

    def language(self, chat_id: int) -> str | None:
        """The language the chat chose (or wrote in before choosing); sealed in the database,
        because it hints at where someone is from. A private chat's id is its user's id."""
        return self.state.language(self.pseudonym(chat_id))

    def texts(self, chat_id: int) -> Catalogue:
        return catalogue(self.language(chat_id))

    def remember(self, chat_id: int, message_id: int, sent_at: float) -> None:
        """For the quick exit: the message's id (sealed) and when it was sent."""
        when = datetime.fromtimestamp(sent_at, timezone.utc)
        self.state.remember_message(self.pseudonym(chat_id), message_id, when)

    # --- updates -------------------------------------------------------------------------

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        self.remember(message.chat_id, message.message_id, message.date.timestamp())
        pseudonym, chat_id = self.pseudonym(user.id), message.chat_id
        texts = self.texts(chat_id)
        command = say.command_of(message.text)
        if command == "exit":
            await self.quick_exit(context.bot, chat_id, pseudonym)
        elif command == "forget":
            await self.send(
                context.bot, chat_id, texts.say("forget_question"), say.forget_keyboard(texts)
            )
        elif command == "help":
            await self.send(context.bot, chat_id, texts.say("help"))
        elif command in {"start", "language"}:
            if command == "start":
                self.state.set_with_caseworker(pseudonym, False)
                self.state.set_starting(pseudonym, True)
            await self.offer_languages(context.bot, chat_id, user.language_code)
        elif self.state.with_caseworker(pseudonym):
            await self.relay(context.bot, chat_id, pseudonym, message.text)
        else:
            text = say.neutralise(message.text)
            if text:
                offer, epoch = self._read_language(chat_id, text), self._exits[pseudonym]
                await self.converse(context.bot, chat_id, pseudonym, text)
                if offer is not None and epoch == self._exits[pseudonym]:
                    await self.send(context.bot, chat_id, *say.offer_of(offer))

    async def offer_languages(self, bot: Bot, chat_id: int, hint: str | None) -> None:
        """Every language by its own name, asked in the chosen one or the phone's."""
        first = self.language(chat_id) or from_telegram_hint(hint)
        texts = catalogue(first)
        question = texts.say("choose_language")
        if texts.code != ENGLISH:
            question += "\n" + catalogue(ENGLISH).say("choose_language")
        await self.send(bot, chat_id, question, say.language_keyboard(texts, first))

    def _read_language(self, chat_id: int, text: str) -> str | None:
        """Someone who has not chosen is answered in the language they write in; someone who
        chose one and writes another is offered it (returned), never switched unasked."""
        current = self.language(chat_id)
        written = self.guesser.other_language(text, current or "")
        if written is None:
            return None
        if current is None:
            self.state.choose_language(self.pseudonym(chat_id), written)
            return None
        return written

    async def choose_language(self, bot: Bot, chat_id: int, pseudonym: str, code: str) -> None:
        self.state.choose_language(pseudonym, code)
        if self.state.starting(pseudonym):
            # The safety question comes first, in the language just chosen.
            self.state.set_starting(pseudonym, False)
            await self.converse(bot, chat_id, pseudonym, GREET_PAYLOAD)
        else:
            await self.send(bot, chat_id, self.texts(chat_id).say("language_chosen"))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None or query.message is None:
            return
        chat_id, pseudonym = query.message.chat.id, self.pseudonym(user.id)
        texts, language = self.texts(chat_id), say.language_of_button(query.data or "")
        toast = {say.FORGET_YES: "forgotten", say.QUICK_EXIT: "exit_toast"}.get(query.data or "")
        # Answered before the turn runs: the spinner stops at once and the exit's toast shows
        # while the chat is being wiped. A press answered late (a replay after a restart, a
        # query older than Telegram's ~150 s) fails to answer: the turn runs all the same.
        try:
            await query.answer(None if toast is None else texts.say(toast))
        except TelegramError as error:
            logger.info("a button press could not be answered: %s", type(error).__name__)
        if query.data == say.FORGET_YES:
            await self.erase(context.bot, chat_id, pseudonym)
        elif query.data == say.FORGET_NO:
            await self.send(context.bot, chat_id, texts.say("kept"))
        elif query.data == say.QUICK_EXIT:
            await self.quick_exit(context.bot, chat_id, pseudonym)
        elif query.data == say.EMERGENCY:
            in_relay = self.state.with_caseworker(pseudonym)
            keyboard = say.relay_keyboard(texts) if in_relay else None
            await self.send(context.bot, chat_id, texts.say("emergency_routes"), keyboard)
        elif language is not None:
            await self.choose_language(context.bot, chat_id, pseudonym, language)
        else:
            # BACK_TO_ASSISTANT or any of the assistant's buttons: the person chose the assistant.
            self.state.set_with_caseworker(pseudonym, False)
            back = query.data == say.BACK_TO_ASSISTANT
            payload = GREET_PAYLOAD if back else self.codec.decode(query.data or "")
            if payload is None:
                await self.send(context.bot, chat_id, texts.say("expired_button"))
            else:
                await self.converse(context.bot, chat_id, pseudonym, payload)

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None:
            self.remember(message.chat_id, message.message_id, message.date.timestamp())
            await self.send(
                context.bot, message.chat_id, self.texts(message.chat_id).say("unsupported")
            )

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edit is refused with a kind word, not read as a new message: the first version
        was already answered (a second turn would surprise), and someone editing to take words
        back must know they were read; /forget is the way to take them back."""
        message = update.edited_message
        if message is not None:
            await self.send(
                context.bot, message.chat_id, self.texts(message.chat_id).say("edit_not_read")
            )

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
            texts = self.texts(message.chat_id)
            await self.send(context.bot, message.chat_id, texts.say("place_or_person_deleted"))

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
            update_id = CURRENT_UPDATE.get()
            if not self.state.is_waiting(pseudonym):
                try:
                    turn = await self.ask(pseudonym, text, self.language(chat_id), update_id)
                except AssistantUnavailableError as error:
                    logger.warning("assistant unavailable (%s): message queued", error)
                else:
                    if epoch == self._exits[pseudonym]:
                        await self.send_turn(bot, chat_id, turn)
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
            await self.send_turn(bot, item.chat_id, turn)

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

    async def send_turn(self, bot: Bot, chat_id: int, turn: list[BotMessage]) -> None:
        shown = [message for message in turn if message.text or message.buttons]
        for number, message in enumerate(shown, start=1):
            await self.send(
                bot,
                chat_id,
                # Telegram refuses an empty message: buttons alone get a line above them.
                message.text or self.texts(chat_id).say("buttons_only"),
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
        texts: Catalogue | None = None,
    ) -> int | None:
        """Send and remember the id for the quick exit; None when Telegram refused for good.

        The last message of a turn gets the standing buttons (``say.with_way_out``).
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
            return None
        if exits != self._chat_exits[chat_id]:
            # The quick exit came while this was on its way (a flood wait): it goes too.
            with contextlib.suppress(TelegramError):
                await bot.delete_message(chat_id, sent.message_id)
            return None
        self.remember(chat_id, sent.message_id, sent.date.timestamp())
        return sent.message_id

    # --- the caseworker ------------------------------------------------------------------

    async def deliver(self, bot: Bot, chat_id: int, delivery: Delivery) -> int | None:
        """An outbox message; a caseworker's starts a conversation with them."""
        if not delivery.from_caseworker:
            return await self.send(bot, chat_id, delivery.text)
        texts = self.texts(chat_id)
        sent = await self.send(
            bot, chat_id, say.from_caseworker(texts, delivery.text), say.relay_keyboard(texts)
        )
        if sent is not None:
            self.state.set_with_caseworker(delivery.pseudonym, True)
        return sent

    async def relay(self, bot: Bot, chat_id: int, pseudonym: str, text: str) -> None:
        """Pass the person's words to their caseworker; danger is answered here first."""
        signal, texts = self.safety.check(text), self.texts(chat_id)
        if signal is not None:
            suicidal = signal is SafetySignal.SUICIDAL
            await self.send(
                bot, chat_id, texts.say("samaritans" if suicidal else "emergency_routes")
            )
        try:
            async with self._locks[pseudonym]:
                sent = await asyncio.to_thread(self.store.add_message_from_person, pseudonym, text)
        except (LanternError, SQLAlchemyError) as error:
            logger.error("a message to a caseworker could not be stored: %s", type(error).__name__)
            await self.send(bot, chat_id, texts.say("relay_failed"), say.relay_keyboard(texts))
            return
        if sent is None:
            self.state.set_with_caseworker(pseudonym, False)
            await self.send(bot, chat_id, texts.say("case_ended"))
            # The words go to the assistant, whose turn always ends with a way to help.
            await self.converse(bot, chat_id, pseudonym, say.neutralise(text) or GREET_PAYLOAD)
            return
        await self.send(bot, chat_id, texts.say("relayed"), say.relay_keyboard(texts))

    # --- leaving ---------------------------------------------------------------------------

    async def quick_exit(self, bot: Bot, chat_id: int, pseudonym: str) -> int:
        """Delete every deletable message of the chat first, then end the session and the link."""
        self._exits[pseudonym] += 1
        self._chat_exits[chat_id] += 1
        texts = self.texts(chat_id)  # the person's language, read before it is forgotten
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
