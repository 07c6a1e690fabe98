"""The front-door channel (bot/rasa_ext/frontdoor_channel.py) fuzzed over HTTP, on Rasa's own
Sanic (.venv-rasa) with the channel registered as ``rasa run`` does. One server takes every
generated body; its agent checks what Rasa would store, the text after the channel's screening,
with the firewall. Expected: a kind 4xx or a turn, never a 500 or a dropped connection, and no
immigration detail ever reaching the agent."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import strategies as st

from bot.core.config import PROJECT_ROOT
from bot.core.languages import BY_CODE
from tests.fuzzing import IMMIGRATION, fuzz, json_value, maybe, text, weighted

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


SENDERS = ["c" * 64, "0123456789abcdef" * 4, "C" * 64]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", ""]


@functools.cache  # built once: see tests/fuzzing.py's text()
def message() -> st.SearchStrategy[str]:
    return weighted(
        (3, st.builds("{} {} {}".format, text(20), st.sampled_from(IMMIGRATION), text(20))),
        (3, text(20)),
        (2, text(200)),
        (2, text(2000)),
    )


@st.composite
def turn_body(draw: st.DrawFn) -> tuple[bytes, str]:
    turn: dict[str, object] = {
        "sender": draw(maybe(st.sampled_from(SENDERS))),
        "message": draw(maybe(message(), odds=9)),
    }
    if draw(st.booleans()):
        turn["language"] = draw(maybe(st.sampled_from(list(BY_CODE))))
    if draw(st.booleans()):
        turn["update_id"] = draw(maybe(st.integers(0, 2**40)))
    if draw(st.integers(0, 9)) == 0:
        turn[draw(text(8))] = draw(json_value())
    content_type = draw(st.sampled_from(CONTENT_TYPES[:1] * 7 + CONTENT_TYPES))
    encoded = json.dumps(turn, ensure_ascii=draw(st.booleans()))
    return encoded.encode("utf-8", "surrogatepass"), content_type


def body() -> st.SearchStrategy[tuple[bytes, str]]:
    """A request body and its content type: mostly a turn, sometimes anything at all."""
    as_json = json_value().map(lambda value: json.dumps(value).encode())
    cut_short = b'{"sender": "' + b"a" * 64 + b'", "message": "x"'
    return weighted(
        (29, turn_body()),
        (2, st.tuples(st.binary(max_size=200), st.just("application/json"))),
        (2, st.tuples(as_json, st.just("application/json"))),
        (1, st.just((cut_short, "application/json"))),
    )


def test_generated_bodies_are_taken_or_kindly_refused_and_never_leak(webhook: str) -> None:
    turns = 0
    with httpx.Client(timeout=30) as client:

        @fuzz("front-door channel", body(), soak=30_000)
        def one(generated: tuple[bytes, str]) -> None:
            nonlocal turns
            content, content_type = generated
            headers = {"content-type": content_type} if content_type else {}
            reply = client.post(webhook, content=content, headers=headers)
            if reply.status_code in KIND_REFUSALS:
                assert reply.json().get("error"), "refused without a reason"
                return
            assert reply.status_code == 200, f"answered {reply.status_code}"
            turns += 1
            said = json.dumps(reply.json())
            assert LEAKED not in said, f"reached the agent as {said[:200]}"
            assert "turn taken" in said, f"no turn: {said[:200]}"

        one()
    print(f"\nfuzz front-door channel: {turns} turns taken")
    assert turns > 0, "no generated turn was taken: the fuzz reached nothing"
