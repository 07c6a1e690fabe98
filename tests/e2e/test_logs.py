"""No user text, account id or slot value in any log of the running stack (ours or Rasa's)."""

from __future__ import annotations

import secrets
import string
from pathlib import Path

from bot.devstack import Stack
from tests.e2e.conftest import Conversation


async def test_no_user_text_or_slot_value_reaches_any_log(
    conversation: Conversation, stack: Stack, e2e_var_dir: Path
) -> None:
    """Given a conversation whose every free-text answer carries a unique marker (and a form that
    turns one into a slot), when the servers have logged the turns, then no log file under var/
    holds a marker or the sender's pseudonym."""
    marker = f"OCELOT-LOG-{secrets.token_hex(4).upper()}"
    # Letters only, too: library lines keep leading prose, which must still stop before it.
    word = "zq" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
    await conversation.say(f"hello {marker}-greeting")
    await conversation.say("I want to report what my husband does")
    await conversation.say(f"He reads my messages {marker}-account and takes my wages")
    await conversation.press("Money")
    await conversation.say(f"what does {word} mean")
    await conversation.say(word)
    await conversation.say(f"{{malformed {marker}-json")

    logs = sorted(stack.log_dir.glob("*.log"))
    assert {path.name.split("-")[0] for path in logs} >= {"rasa", "actions"}
    assert all(path.stat().st_size > 0 for path in logs)
    leaks = [
        f"{path.name}: {needle}"
        for path in sorted(e2e_var_dir.rglob("*.log"))
        for needle in (marker, word, conversation.pseudonym)
        if needle in path.read_text(errors="replace")
    ]
    assert leaks == []
