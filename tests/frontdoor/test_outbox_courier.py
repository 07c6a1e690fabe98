"""The outbox cannot stall (issue 12): the real front end's courier and send path against the
strict emulator, which refuses as Telegram does (403 blocked, 400 chat not found, 400 too long).

Before the fix, a row that could never be sent was skipped but left pending, so the 50 oldest
such rows filled every pass and nobody behind them got a reply again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.core.config import load_settings
from bot.core.db.audit import Actor
from bot.core.db.models import AuditEntry, OutboxMessage, Undeliverable
from bot.core.db.relay import caseworker_reply_key
from bot.frontdoor import telegram_app
from bot.frontdoor.delivery_faults import MAX_MESSAGE_CHARS
from bot.frontdoor.outbox import OutboxCourier
from bot.frontdoor.telegram_frontend import FrontEnd
from tests.emulator.support import TOKEN, Running
from tests.frontdoor.support import pinned_partner
from tests.support_cases import enqueue, open_case

STAFF = Actor("staff")
GOOD_USER = 7_000_001
_next_user = iter(range(7_100_000, 7_200_000))


@dataclass
class Courier:
    front_end: FrontEnd
    bot: Bot
    emulator: Running
    courier: OutboxCourier
    organisation_id: str
    cases: dict[str, str] = field(default_factory=dict)

    async def one_pass(self) -> int:
        return await self.courier.deliver_pending(
            lambda chat_id, delivery: self.front_end.deliver(self.bot, chat_id, delivery)
        )

    def link(self, user_id: int) -> str:
        """A chat link for ``user_id``, as their first message makes; returns the pseudonym."""
        pseudonym = self.front_end.pseudonym(user_id)
        store, key = self.front_end.store, self.front_end.front_end_key
        store.remember_chat(pseudonym, user_id, key, timedelta(days=1))
        return pseudonym

    def reply(self, pseudonym: str, text: str) -> str:
        """A caseworker's reply on the person's case (shared on the first reply)."""
        db, key = self.front_end.store.db, self.front_end.front_end_key
        if pseudonym not in self.cases:
            self.cases[pseudonym] = open_case(db, pseudonym, self.organisation_id, key=key)
        dedupe_key = caseworker_reply_key(f"m{next(_next_user)}")
        return enqueue(db, self.cases[pseudonym], dedupe_key, text, key, by=STAFF)

    def outbox(self) -> dict[str, tuple[bool, Undeliverable | None, bytes]]:
        with self.front_end.store.db.transaction() as session:
            rows = session.scalars(select(OutboxMessage)).all()
            return {r.id: (r.delivered, r.undeliverable, r.sealed_payload) for r in rows}

    def bot_texts(self, user_id: int) -> list[str]:
        chat = self.emulator.emulator.chats.get(user_id)
        if chat is None:
            return []
        return [m["text"] for m in chat.view()["messages"] if m["from"] == "bot"]


@pytest.fixture
async def courier(
    emulator_server: Running,
    bot: Bot,
    tmp_path: Path,
) -> AsyncIterator[Courier]:
    settings = load_settings(
        {
            "LANTERN_VAR_DIR": str(tmp_path / "var"),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "LANTERN_TELEGRAM_BASE_URL": emulator_server.base_url,
        }
    )
    organisation_id, _ = pinned_partner(settings)
    front_end = telegram_app.front_end_of(telegram_app.create_app(settings))
    yield Courier(
        front_end,
        bot,
        emulator_server,
        OutboxCourier(front_end.store, front_end.front_end_key),
        organisation_id,
    )


def bad_rows(courier: Courier, count: int) -> dict[str, Undeliverable]:
    """``count`` rows that can never be sent, the three kinds in turn, oldest first."""
    expected: dict[str, Undeliverable] = {}
    for number in range(count):
        user_id = next(_next_user)
        kind = number % 3
        if kind == 0:  # /exit or erasure: no link at all
            pseudonym, reason = courier.front_end.pseudonym(user_id), Undeliverable.NO_CHAT_LINK
        elif kind == 1:  # a link to a chat Telegram does not know
            pseudonym, reason = courier.link(user_id), Undeliverable.CHAT_NOT_FOUND
        else:  # the person blocked the bot
            courier.emulator.emulator.chat_for(user_id).blocked = True
            pseudonym, reason = courier.link(user_id), Undeliverable.BLOCKED
        expected[courier.reply(pseudonym, f"reply {number}")] = reason
    return expected


@pytest.mark.parametrize("count", [50, 60])
async def test_undeliverable_rows_ahead_do_not_hold_up_a_good_one(
    courier: Courier, count: int
) -> None:
    """Given ``count`` undeliverable replies older than one good one, When the courier makes
    one pass, Then the good reply arrives and each bad row is marked with its reason, its
    content dropped, and none is picked again."""
    expected = bad_rows(courier, count)
    courier.emulator.emulator.chat_for(GOOD_USER)
    good = courier.reply(courier.link(GOOD_USER), "Hello, this is Sam from the charity.")

    delivered = await courier.one_pass()

    assert delivered == 1
    assert any("Hello, this is Sam" in text for text in courier.bot_texts(GOOD_USER))
    rows = courier.outbox()
    assert rows[good][:2] == (True, None)
    assert {row_id: rows[row_id][1] for row_id in expected} == expected
    assert all(rows[row_id][2] == b"" for row_id in expected)
    keys = {courier.front_end.front_end_key.key_id: courier.front_end.front_end_key}
    assert courier.front_end.store.pending_deliveries(keys) == []
    assert await courier.one_pass() == 0


async def test_a_blocked_bot_ends_the_chat_link_and_marks_the_row(courier: Courier) -> None:
    user_id = next(_next_user)
    courier.emulator.emulator.chat_for(user_id).blocked = True
    pseudonym = courier.link(user_id)
    row = courier.reply(pseudonym, "Are you safe to talk?")

    await courier.one_pass()

    keys = {courier.front_end.front_end_key.key_id: courier.front_end.front_end_key}
    assert courier.front_end.store.chat_id_for(pseudonym, keys) is None
    assert courier.outbox()[row][1] is Undeliverable.BLOCKED
    # On record as Telegram's refusal, not as something the person did.
    with courier.front_end.store.db.transaction() as session:
        ended = session.scalars(select(AuditEntry).where(AuditEntry.action == "chat.blocked"))
        assert [entry.actor_role for entry in ended] == ["system"]
    later = courier.reply(pseudonym, "Write when you can.")
    await courier.one_pass()
    assert courier.outbox()[later][1] is Undeliverable.NO_CHAT_LINK


async def test_a_transient_failure_stays_pending_and_is_sent_next_pass(
    courier: Courier, monkeypatch: pytest.MonkeyPatch
) -> None:
    courier.emulator.emulator.chat_for(GOOD_USER)
    row = courier.reply(courier.link(GOOD_USER), "Is now a good time?")
    real = courier.front_end.deliver

    async def network_down(*_: object) -> None:
        return None  # what ``send`` answers for a network error or a flood wait

    monkeypatch.setattr(courier.front_end, "deliver", network_down)
    assert await courier.one_pass() == 0
    assert courier.outbox()[row][:2] == (False, None)
    monkeypatch.setattr(courier.front_end, "deliver", real)
    assert await courier.one_pass() == 1
    assert courier.outbox()[row][:2] == (True, None)


async def test_a_reply_too_long_with_its_prefix_arrives_whole_in_pieces(courier: Courier) -> None:
    """The console takes 4000 characters; the "Your caseworker wrote" prefix pushes that over
    Telegram's 4096, which the emulator refuses as Telegram does."""
    courier.emulator.emulator.chat_for(GOOD_USER)
    words = " ".join(f"word{n:04d}" for n in range(450))[:4000]
    row = courier.reply(courier.link(GOOD_USER), words)

    assert await courier.one_pass() == 1

    texts = courier.bot_texts(GOOD_USER)
    assert len(texts) == 2 and all(len(text) <= MAX_MESSAGE_CHARS for text in texts)
    assert texts[0].startswith("Your caseworker wrote")
    joined = " ".join(texts)
    assert all(f"word{n:04d}" in joined for n in range(440))
    assert courier.outbox()[row][:2] == (True, None)
