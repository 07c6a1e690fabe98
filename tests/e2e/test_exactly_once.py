"""The real Rasa keeps a turn's Telegram update_id where the front end looks after a crash.

``bot.frontdoor.inbox.answered_before`` reads the tracker for the update_id the front end sent
in the message's metadata; if a crash came after Rasa answered, the replayed turn is shown from
there instead of asking Rasa twice. This proves the real channel and tracker store keep it.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from bot.core.config import load_settings
from bot.core.tracker_vault import tracker_vault_for
from bot.devstack import Stack
from bot.frontdoor.inbox import answered_before
from bot.frontdoor.rasa_client import RasaFrontDoorClient


async def test_a_turn_rasa_took_is_found_by_its_update_id(stack: Stack, e2e_var_dir: Path) -> None:
    client = RasaFrontDoorClient(stack.rasa_url, 60)
    pseudonym = secrets.token_hex(32)
    vault = tracker_vault_for(load_settings({"LANTERN_VAR_DIR": str(e2e_var_dir)}))
    try:
        first = await client.send(pseudonym, "hello", update_id=424_242)
        second = await client.send(pseudonym, "I need help", update_id=424_243)
    finally:
        await client.aclose()
    assert answered_before(vault, pseudonym, 424_242, None) == first
    assert answered_before(vault, pseudonym, 424_243, None) == second
    assert answered_before(vault, pseudonym, 424_244, None) is None
