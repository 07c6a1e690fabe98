"""``/receipt`` and ``/resume``: words to come back to a case from any account (issue 12).

Both are the front end's own commands, like ``/exit``: Rasa never sees them, so the words are
never in a tracker, a model's input or a log. The receipt is shown once, in a message /exit
wipes like any other; the ``/resume`` message is deleted as soon as it is read, because the
words are a secret on a phone that may be checked.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Message
from telegram.error import TelegramError

from bot.core.db.store import ResumeOutcome
from bot.core.errors import LanternError
from bot.frontdoor import telegram_render as say
from bot.frontdoor.frontend_core import FrontEndCore

logger = logging.getLogger(__name__)

_REFUSED = {ResumeOutcome.REFUSED: "resume_refused", ResumeOutcome.TOO_MANY: "resume_too_many"}


class ReceiptTurns(FrontEndCore):
    """The two commands; ``FrontEnd`` routes them here from its text handler."""

    async def give_receipt(self, bot: Bot, chat_id: int, pseudonym: str) -> None:
        """New words for the person's open case (replacing any earlier), with the warning."""
        texts = self.texts(chat_id)
        try:
            async with self._locks[pseudonym]:
                words = await asyncio.to_thread(
                    self.store.issue_receipt_for_person, pseudonym, self.front_end_key
                )
        except (LanternError, SQLAlchemyError) as error:
            logger.error("a receipt could not be made: %s", type(error).__name__)
            await self.send(bot, chat_id, texts.say("receipt_failed"))
            return
        if words is None:
            await self.send(bot, chat_id, texts.say("receipt_no_case"))
            return
        await self.send(bot, chat_id, texts.say("receipt_given", receipt=words))
        logger.info("a receipt was given")

    async def resume(self, bot: Bot, message: Message, pseudonym: str) -> None:
        """Read the words, delete the message that held them, then try them (within limits)."""
        chat_id, texts = message.chat_id, self.texts(message.chat_id)
        typed = say.command_argument(message.text or "")
        try:
            await message.delete()
            deleted = True
        except TelegramError as error:
            logger.warning("a /resume message could not be deleted: %s", type(error).__name__)
            deleted = False
        if not deleted:
            # Said first, so it is read even if what follows fails.
            await self.send(bot, chat_id, texts.say("resume_delete_yourself"), last=False)
        if not typed:
            await self.send(bot, chat_id, texts.say("resume_how"))
            return
        try:
            async with self._locks[pseudonym]:
                outcome = await asyncio.to_thread(
                    self.store.resume_case,
                    pseudonym,
                    typed,
                    chat_id,
                    self.front_end_key,
                    self._chat_link_ttl,
                )
        except (LanternError, SQLAlchemyError) as error:
            logger.error("a receipt could not be checked: %s", type(error).__name__)
            await self.send(bot, chat_id, texts.say("resume_failed"))
            return
        logger.info("resume: %s", outcome.value)
        if outcome is not ResumeOutcome.RESUMED:
            await self.send(bot, chat_id, texts.say(_REFUSED[outcome]))
            return
        # The chat link was just kept with the case; what follows goes to the caseworker.
        self._linked_at[pseudonym] = time.monotonic()
        self.state.set_with_caseworker(pseudonym, True)
        await self.send(bot, chat_id, texts.say("resumed"), say.relay_keyboard(texts))
