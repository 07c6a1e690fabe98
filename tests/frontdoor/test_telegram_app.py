"""The webhook's reading of a pushed body (bot/frontdoor/telegram_app.py): found by the fuzz,
a body PTB cannot read was a 500 (and Telegram's resending), not a 400."""

from __future__ import annotations

import pytest
from telegram import Bot

from bot.frontdoor.telegram_app import MalformedUpdateError, update_of
from tests.emulator.support import TOKEN

MESSAGE = {
    "message_id": 1,
    "date": 1_790_000_000,
    "chat": {"id": 5, "type": "private"},
    "from": {"id": 5, "is_bot": False, "first_name": "A"},
    "text": "hello",
}


def test_an_update_telegram_could_send_is_read() -> None:
    update = update_of({"update_id": 7, "message": MESSAGE}, Bot(TOKEN))
    assert update.update_id == 7 and update.effective_message is not None


@pytest.mark.parametrize(
    "body",
    [
        9_223_372_036_854_775_808,
        [1, 2],
        {"update_id": [1e308]},
        {"update_id": True, "message": MESSAGE},
        {"update_id": 2**63, "message": MESSAGE},
        {"update_id": -1, "message": MESSAGE},
        {"update_id": 8, "message": 5},
        {"update_id": 8, "message": {**MESSAGE, "chat": [1]}},
        {"update_id": 8, "message": {**MESSAGE, "sticker": {}}},
        {"update_id": 8, "message": {**MESSAGE, "date": [1]}},
    ],
)
def test_a_body_ptb_cannot_read_is_refused_as_malformed(body: object) -> None:
    with pytest.raises(MalformedUpdateError):
        update_of(body, Bot(TOKEN))
