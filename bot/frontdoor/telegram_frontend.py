"""The Telegram front end's behaviour: one method per kind of update, independent of how they come.

Telegram ids stop here: Rasa sees only the keyed pseudonym, the store sees the chat id only
sealed, and nothing here logs an id or a word anyone wrote. The shared core (Rasa turns,
sending, the quick exit, durable state) is ``bot.frontdoor.frontend_core``.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.core.db.store import Delivery
from bot.core.errors import LanternError
from bot.core.languages import ENGLISH, from_telegram_hint
from bot.core.locale import catalogue
from bot.core.safety import SafetySignal
from bot.frontdoor import telegram_render as say
from bot.frontdoor.delivery_faults import MAX_MESSAGE_CHARS, split_for_telegram
from bot.frontdoor.frontend_core import GREET_PAYLOAD
from bot.frontdoor.receipt_turns import ReceiptTurns

__all__ = ["GREET_PAYLOAD", "SPLIT_AT", "FrontEnd"]

logger = logging.getLogger(__name__)

# Where a caseworker's long reply is cut: under Telegram's cap by a margin for bidi isolates.
SPLIT_AT = MAX_MESSAGE_CHARS - 96


class FrontEnd(ReceiptTurns):
    """Handlers for the PTB Application plus the two background duties: queue and outbox."""

    # --- updates -------------------------------------------------------------------------

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        pseudonym, chat_id = self.pseudonym(user.id), message.chat_id
        command = say.command_of(message.text)
        if command == "resume":
            # Never on the exit trail: it is deleted at once, and its words go nowhere else.
            await self.resume(context.bot, message, pseudonym)
            return
        self.remember(message.chat_id, message.message_id, message.date.timestamp())
        texts = self.texts(chat_id)
        if command == "exit":
            await self.quick_exit(context.bot, chat_id, pseudonym)
        elif command == "forget":
            await self.send(
                context.bot, chat_id, texts.say("forget_question"), say.forget_keyboard(texts)
            )
        elif command == "receipt":
            await self.give_receipt(context.bot, chat_id, pseudonym)
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
        back must know they were read; /forget is the way to take them back. The safety net
        still reads the new words (kept nowhere): an edit may be the only place he has a knife."""
        message = update.edited_message
        if message is None:
            return
        texts = self.texts(message.chat_id)
        signal = self.safety.check(message.text or message.caption or "")
        if signal is SafetySignal.NOT_SAFE:
            # He is there: the short line and nothing after it.
            await self.send(context.bot, message.chat_id, texts.say("not_safe"))
            return
        if signal is not None:
            suicidal = signal is SafetySignal.SUICIDAL
            await self.send(
                context.bot,
                message.chat_id,
                texts.say("samaritans" if suicidal else "emergency_routes"),
                last=False,
            )
        await self.send(context.bot, message.chat_id, texts.say("edit_not_read"))

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

    # --- the caseworker ------------------------------------------------------------------

    async def deliver(self, bot: Bot, chat_id: int, delivery: Delivery) -> int | None:
        """An outbox message; a caseworker's starts a conversation with them. None when it may
        pass later; :class:`UndeliverableError` when it never can (the courier marks the row)."""
        if not delivery.from_caseworker:
            return await self.send(bot, chat_id, delivery.text, final_refusal=True)
        texts = self.texts(chat_id)
        # The prefix can push a reply the console took past Telegram's cap: it goes in pieces
        # rather than not at all; the buttons come with the last piece. The margin leaves room
        # for the isolates a right-to-left language adds to numbers and addresses (readable).
        pieces = split_for_telegram(say.from_caseworker(texts, delivery.text), SPLIT_AT)
        sent: int | None = None
        for number, piece in enumerate(pieces, start=1):
            last = number == len(pieces)
            markup = say.relay_keyboard(texts) if last else None
            sent = await self.send(bot, chat_id, piece, markup, last=last, final_refusal=True)
            if sent is None:
                # A transient failure part-way: the whole reply is retried, so the person may
                # see its first pieces twice, which beats seeing only half of it.
                return None
        # The courier sends only to a case that still names its person (``Delivery``).
        if sent is not None and delivery.pseudonym is not None:
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
                sent = await asyncio.to_thread(
                    self.store.add_message_from_person, pseudonym, text, self.front_end_key
                )
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
