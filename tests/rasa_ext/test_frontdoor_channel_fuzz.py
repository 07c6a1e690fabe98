"""The front-door channel (bot/rasa_ext/frontdoor_channel.py) fuzzed over HTTP, on Rasa's own
Sanic (.venv-rasa) with the channel registered as ``rasa run`` does. One server takes every
generated body; its agent checks what Rasa would store, the text after the channel's screening,
with the firewall. Expected: a kind 4xx or a turn, never a 500 or a dropped connection, and no
immigration detail ever reaching the agent."""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from bot.core.config import PROJECT_ROOT
from bot.core.languages import BY_CODE
from tests.fuzzing import IMMIGRATION, examples, json_value, maybe, rng, tally, text

pytestmark = pytest.mark.soak

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
KIND_REFUSALS = {400, 413, 415}
LEAKED = "LEAKED"

SERVER = """
import sys
from sanic import Sanic
from rasa.core.channels.channel import register
from bot.core.firewall import default_firewall
from bot.rasa_ext.frontdoor_channel import FrontDoorInput

FIREWALL = default_firewall()

class CheckingAgent:
    # What Rasa would keep in the tracker: the text as the channel hands it on.
    async def handle_message(self, message):
        leaked = FIREWALL.contains_immigration_detail(message.text or "")
        await message.output_channel.send_text_message(
            message.sender_id, "LEAKED" if leaked else "turn taken"
        )

app = Sanic("frontdoor_channel_fuzz")
app.ctx.agent = CheckingAgent()
register([FrontDoorInput.from_credentials(None)], app, "/webhooks/")
print("ready", flush=True)
app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False, motd=False, workers=1)
"""


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def webhook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path_factory.mktemp("channel-fuzz") / "stderr.log").open("w+")
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), RASA_TELEMETRY_ENABLED="false")
    server = subprocess.Popen(
        [str(RASA_PYTHON), "-c", SERVER, str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/webhooks/frontdoor/", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log.name
                assert time.monotonic() < deadline, "the channel never came up"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/webhooks/frontdoor/webhook"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def body(r: random.Random) -> tuple[bytes, str]:
    """A request body and its content type: mostly a turn, sometimes anything at all."""
    pick = r.random()
    if pick < 0.05:
        return bytes(r.randrange(256) for _ in range(r.randint(0, 200))), "application/json"
    if pick < 0.1:
        return json.dumps(json_value(r)).encode(), "application/json"
    if pick < 0.13:
        return b'{"sender": "' + b"a" * 64 + b'", "message": "x"', "application/json"
    turn: dict[str, object] = {
        "sender": maybe(r, lambda: r.choice(["c" * 64, "0123456789abcdef" * 4, "C" * 64])),
        "message": maybe(r, lambda: message(r), chance=0.9),
    }
    if r.random() < 0.5:
        turn["language"] = maybe(r, lambda: r.choice(list(BY_CODE)))
    if r.random() < 0.5:
        turn["update_id"] = maybe(r, lambda: r.randint(0, 2**40))
    if r.random() < 0.1:
        turn[text(r, 8)] = json_value(r)
    content_type = r.choice(
        ["application/json"] * 8 + ["application/json; charset=utf-8", "text/plain", ""]
    )
    return json.dumps(turn, ensure_ascii=r.random() < 0.5).encode(
        "utf-8", "surrogatepass"
    ), content_type


def message(r: random.Random) -> str:
    if r.random() < 0.3:
        return f"{text(r, 20)} {r.choice(IMMIGRATION)} {text(r, 20)}"
    return text(r, r.choice([20, 200, 2000]))


def test_generated_bodies_are_taken_or_kindly_refused_and_never_leak(webhook: str) -> None:
    r, counted = rng("channel"), tally("front-door channel")
    turns = 0
    with httpx.Client(timeout=30) as client:
        for number in range(examples()):
            content, content_type = body(r)
            counted.inputs += 1
            headers = {"content-type": content_type} if content_type else {}
            try:
                reply = client.post(webhook, content=content, headers=headers)
            except httpx.HTTPError as dropped:
                counted.fail(number, f"{content[:80]!r}: {type(dropped).__name__}")
                continue
            if reply.status_code in KIND_REFUSALS:
                if not reply.json().get("error"):
                    counted.fail(number, f"{content[:80]!r}: refused without a reason")
                continue
            if reply.status_code != 200:
                counted.fail(number, f"{content[:80]!r}: answered {reply.status_code}")
                continue
            turns += 1
            said = json.dumps(reply.json())
            if LEAKED in said or "turn taken" not in said:
                counted.fail(number, f"{content[:80]!r}: reached the agent as {said[:200]}")
    print(f"\n{counted.line()} ({turns} turns taken)")
    assert turns > 0, "no generated turn was taken: the fuzz reached nothing"
    assert counted.failures == [], counted.failures[:5]
