"""The staff-group ping: a real PTB ``Bot``, the Bot API emulator and a real database."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from telegram import Bot

from bot.core.config import load_settings
from bot.core.crypto import KdfParams
from bot.core.db.local_setup import create_local_setup
from bot.core.db.store import Database, Store, create_engine_for
from bot.core.firewall import Firewall
from bot.core.report_fields import Urgency
from bot.frontdoor import telegram_app
from bot.frontdoor.staff_ping import StaffPing, ping_text
from tests.emulator.support import TOKEN, Running
from tests.support_queue import Clock, Queue

GROUP = -4012345678
ORGANISATION = "Northbridge Refuge"
SECOND_ORGANISATION = "Second charity"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def queue(sqlite_engine: Engine, firewall: Firewall, clock: Clock, fast_kdf: KdfParams) -> Queue:
    made = Queue(Store(Database(sqlite_engine, firewall=firewall, clock=clock)), fast_kdf)
    made.organisation(ORGANISATION)
    made.organisation(SECOND_ORGANISATION)
    # History from before the front end started: never announced.
    made.submit(Urgency.VERY_HIGH, ORGANISATION)
    made.submit(Urgency.HIGH, SECOND_ORGANISATION)
    clock.tick()
    return made


@dataclass
class StaffGroup:
    """The staff group in the emulator, the bot that writes to it and the queue behind it."""

    queue: Queue
    clock: Clock
    bot: Bot
    control: httpx.AsyncClient

    def ping(self) -> StaffPing:
        """A ping as the front end makes it at start-up; only what happens later is new."""
        ping = StaffPing(self.queue.store, GROUP)
        self.clock.tick()
        return ping

    async def texts(self, chat_id: int = GROUP) -> list[Any]:
        response = await self.control.get(f"/_emulator/groups/{chat_id}/chat")
        return [message["text"] for message in response.json()["messages"]]


@pytest.fixture
async def staff(
    queue: Queue,
    clock: Clock,
    bot: Bot,
    control: httpx.AsyncClient,
) -> StaffGroup:
    response = await control.post(f"/_emulator/groups/{GROUP}", json={"title": "Staff"})
    assert response.status_code == 201
    return StaffGroup(queue, clock, bot, control)


async def test_a_ping_gives_the_counts_and_urgency_and_nothing_else(staff: StaffGroup) -> None:
    """Given cases from before start-up and two opened since, in two organisations and
    regions, When a round runs, Then the group gets one message with the two counts only:
    no handoff id, organisation (name or id), region or content."""
    ping = staff.ping()
    opened = [
        staff.queue.submit(Urgency.VERY_HIGH, ORGANISATION, region="north_east"),
        staff.queue.submit(Urgency.STANDARD, SECOND_ORGANISATION, region="south_west"),
    ]

    assert await ping.run_once(staff.bot) == 2

    texts = await staff.texts()
    assert texts == [
        "2 new handoffs in the queue (1 very high, 1 standard). Open the console to see them."
    ]
    organisations = staff.queue.organisations
    secrets = [*opened, *organisations, *organisations.values(), "what happened"]
    secrets += ["north", "east", "south", "west", "london", "england"]
    for secret in secrets:
        assert secret.lower() not in texts[0].lower()


async def test_nothing_is_sent_when_nothing_is_new(staff: StaffGroup) -> None:
    """No round sends anything without a new handoff; each handoff is announced once."""
    ping = staff.ping()
    assert await ping.run_once(staff.bot) == 0
    assert await staff.texts() == []

    staff.queue.submit(Urgency.HIGH, ORGANISATION)
    assert await ping.run_once(staff.bot) == 1
    assert await ping.run_once(staff.bot) == 0

    assert await staff.texts() == [
        "1 new handoff in the queue (1 high). Open the console to see it."
    ]


@pytest.mark.parametrize(
    ("break_it", "mend_it", "error"),
    [
        (("kick", {"kicked": True}), ("kick", {"kicked": False}), "Forbidden"),
        (("flood", {"count": 1, "retry_after": 1}), None, "RetryAfter"),
    ],
)
async def test_a_telegram_error_is_logged_by_type_and_the_next_round_sends(
    staff: StaffGroup,
    caplog: pytest.LogCaptureFixture,
    break_it: tuple[str, dict[str, object]],
    mend_it: tuple[str, dict[str, object]] | None,
    error: str,
) -> None:
    """Given the bot removed from the group, or a 429, When a round fails, Then the log names
    the error type only and the next round announces everything waiting since."""
    ping = staff.ping()
    first = staff.queue.submit(Urgency.HIGH, ORGANISATION)
    path = {"kick": f"/_emulator/groups/{GROUP}/kick", "flood": "/_emulator/flood"}
    await staff.control.post(path[break_it[0]], json=break_it[1])

    with caplog.at_level(logging.INFO, logger="bot.frontdoor.staff_ping"):
        assert await ping.run_once(staff.bot) == 0

    assert [r.getMessage() for r in caplog.records] == [
        f"staff ping not sent ({error}); trying next round"
    ]
    assert first not in caplog.text and str(GROUP) not in caplog.text
    if mend_it is not None:
        await staff.control.post(path[mend_it[0]], json=mend_it[1])
    staff.queue.submit(Urgency.VERY_HIGH, ORGANISATION)

    assert await ping.run_once(staff.bot) == 2
    assert await staff.texts() == [
        "2 new handoffs in the queue (1 very high, 1 high). Open the console to see them."
    ]


async def test_an_upgraded_staff_group_is_followed_to_its_new_id(
    staff: StaffGroup, caplog: pytest.LogCaptureFixture
) -> None:
    """Given the staff group upgraded to a supergroup (Telegram gives it a new id), When a
    round fails with ChatMigrated, Then the next round pings the supergroup."""
    ping = staff.ping()
    upgraded = await staff.control.post(f"/_emulator/groups/{GROUP}/upgrade")
    supergroup = upgraded.json()["chat_id"]
    staff.queue.submit(Urgency.STANDARD, ORGANISATION)

    with caplog.at_level(logging.WARNING, logger="bot.frontdoor.staff_ping"):
        assert await ping.run_once(staff.bot) == 0
    assert await ping.run_once(staff.bot) == 1

    assert "upgraded to a supergroup" in caplog.text and str(supergroup) not in caplog.text
    assert await staff.texts(supergroup) == [
        "1 new handoff in the queue (1 standard). Open the console to see it."
    ]


def test_the_text_counts_in_order_of_urgency_and_leaves_out_empty_levels() -> None:
    text = ping_text({Urgency.STANDARD: 3, Urgency.VERY_HIGH: 2, Urgency.HIGH: 0})
    assert text == (
        "5 new handoffs in the queue (2 very high, 3 standard). Open the console to see them."
    )


@pytest.fixture
def local_var(
    emulator_server: Running,
    tmp_path: Path,
    fast_kdf: KdfParams,
) -> tuple[dict[str, str], Queue]:
    """A var/ as ``make keys`` leaves it, and the front end's environment on the emulator."""
    environ = {
        "LANTERN_VAR_DIR": str(tmp_path / "var"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "LANTERN_TELEGRAM_BASE_URL": emulator_server.base_url,
    }
    settings = load_settings(environ)
    create_local_setup(settings)
    queue = Queue(Store(Database(create_engine_for(settings))), fast_kdf)
    queue.organisation(ORGANISATION)
    return environ, queue


@pytest.mark.parametrize("staff_chat_id", [str(GROUP), None])
async def test_the_front_end_pings_the_staff_group_only_when_one_is_configured(
    local_var: tuple[dict[str, str], Queue],
    control: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    staff_chat_id: str | None,
) -> None:
    """Given the real front end (``serve``) on the emulator, When a person opens a handoff,
    Then the staff group hears of it if LANTERN_STAFF_CHAT_ID is set, and nothing otherwise."""
    environ, queue = local_var
    if staff_chat_id is not None:
        environ["LANTERN_STAFF_CHAT_ID"] = staff_chat_id
    settings = load_settings(environ)
    await control.post(f"/_emulator/groups/{GROUP}", json={"title": "Staff"})
    monkeypatch.setattr(telegram_app, "STAFF_PING_SECONDS", 0.2)
    stop = asyncio.Event()
    app = telegram_app.create_app(settings)
    running = asyncio.create_task(telegram_app.serve(app, settings, stop))
    try:
        await asyncio.sleep(0.5)
        await asyncio.to_thread(queue.submit, Urgency.VERY_HIGH, ORGANISATION)
        answer = await control.get(
            f"/_emulator/groups/{GROUP}/chat", params={"since": 0, "wait": 3}
        )
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)

    texts = [message["text"] for message in answer.json()["messages"]]
    expected = ["1 new handoff in the queue (1 very high). Open the console to see it."]
    assert texts == (expected if staff_chat_id else [])
