"""The durable update queue: nothing goes on (so nothing is confirmed) before it is recorded."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from telegram import Update

from bot.frontdoor.inbox import DurableUpdateQueue, InboxUnavailableError


class Inbox:
    def __init__(self, failures: int) -> None:
        self.failures, self.seen = failures, set[int]()
        self.told_about: list[int] = []

    async def admit(self, update: Update) -> bool:
        if self.failures:
            self.failures -= 1
            raise OperationalError("INSERT", {}, Exception("database is down"))
        new = update.update_id not in self.seen
        self.seen.add(update.update_id)
        return new

    async def told(self, update: Update) -> None:
        self.told_about.append(update.update_id)


async def test_a_repeat_goes_no_further_and_other_items_pass() -> None:
    inbox = Inbox(failures=0)
    queue = DurableUpdateQueue(inbox.admit, unrecorded=inbox.told)
    await queue.put(Update(1))
    await queue.put(Update(1))
    await queue.put("stop signal")
    assert queue.qsize() == 2
    assert inbox.told_about == []


async def test_polling_waits_for_the_inbox_rather_than_confirm_or_die() -> None:
    inbox = Inbox(failures=3)
    queue = DurableUpdateQueue(inbox.admit, unrecorded=inbox.told, backoff_seconds=0.001)
    await queue.put(Update(7))
    assert queue.qsize() == 1 and inbox.seen == {7}
    # The person heard at the first failure, once, not at every try
    assert inbox.told_about == [7]


async def test_a_webhook_gives_up_so_telegram_sends_again() -> None:
    inbox = Inbox(failures=5)
    queue = DurableUpdateQueue(
        inbox.admit, unrecorded=inbox.told, attempts=2, backoff_seconds=0.001
    )
    with pytest.raises(InboxUnavailableError):
        await queue.put(Update(8))
    assert queue.qsize() == 0
    assert inbox.told_about == [8]


async def test_a_failing_database_down_answer_never_stops_the_update_being_recorded() -> None:
    inbox = Inbox(failures=2)

    async def broken(_update: Update) -> None:
        raise RuntimeError("the answer could not be built")

    queue = DurableUpdateQueue(inbox.admit, unrecorded=broken, backoff_seconds=0.001)
    await queue.put(Update(9))
    assert queue.qsize() == 1 and inbox.seen == {9}
