"""The quick exit's deleting, against real Telegram's rules (../shared/reference/telegram.md).

``deleteMessages`` takes 1-100 ids and fails the whole batch if any one of them can no longer be
deleted (older than 48 hours). The trail (``bot.core.db.frontdoor_state``) already leaves out
ids older than 47 hours; a batch that still fails (clock skew, a message Telegram will not
delete) is split in halves until the good ids are gone and the bad ones are counted, so one old
message never keeps a whole hundred on the phone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot
from telegram.error import BadRequest, TelegramError

logger = logging.getLogger(__name__)

# deleteMessages takes at most this many ids per call.
DELETE_BATCH = 100


def batches(ids: Sequence[int]) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[start : start + DELETE_BATCH] for start in range(0, len(ordered), DELETE_BATCH)]


async def delete_all(bot: Bot, chat_id: int, ids: Sequence[int]) -> tuple[int, int]:
    """Delete every id it can; returns (deleted, could not be deleted)."""
    deleted = failed = 0
    for batch in batches(ids):
        done, left = await _delete(bot, chat_id, batch)
        deleted, failed = deleted + done, failed + left
    return deleted, failed


async def _delete(bot: Bot, chat_id: int, batch: list[int]) -> tuple[int, int]:
    try:
        await bot.delete_messages(chat_id, batch)
    except BadRequest as error:
        # The whole batch failed for some id in it: try the halves.
        if len(batch) == 1:
            logger.warning("quick exit: a message could not be deleted: %s", type(error).__name__)
            return 0, 1
        middle = len(batch) // 2
        first, second = (
            await _delete(bot, chat_id, batch[:middle]),
            await _delete(bot, chat_id, batch[middle:]),
        )
        return first[0] + second[0], first[1] + second[1]
    except TelegramError as error:
        # Not the ids' fault (the network, a flood wait the limiter gave up on): say so, go on.
        logger.error("quick exit could not delete a batch: %s", type(error).__name__)
        return 0, len(batch)
    return len(batch), 0
