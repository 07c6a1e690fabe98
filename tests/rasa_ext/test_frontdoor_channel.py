"""The front-door channel's edge, on Rasa's own Sanic (.venv-rasa) with the channel registered
the way ``rasa run`` does, and an agent that only counts turns: what it refuses, and kindly."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import IO

import httpx
import pytest

from bot.core.config import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
SENDER = "c" * 64
# Mirrors bot.rasa_ext.frontdoor_channel (which needs Rasa to import); the server prints its own.
MAX_MESSAGE_CHARS = 16_384

SERVER = """
import sys
from sanic import Sanic
from rasa.core.channels.channel import register
from bot.rasa_ext import frontdoor_channel
from bot.rasa_ext.frontdoor_channel import FrontDoorInput

import asyncio

class CountingAgent:
    turns = 0

    async def handle_message(self, message):
        CountingAgent.turns += 1
        number = CountingAgent.turns
        if message.text.startswith("slow"):
            await asyncio.sleep(1.5)
        await message.output_channel.send_text_message(message.sender_id, f"turn taken {number}")

app = Sanic("frontdoor_channel_test")
app.ctx.agent = CountingAgent()
register([FrontDoorInput.from_credentials(None)], app, "/webhooks/")
print(frontdoor_channel.MAX_BODY_BYTES, flush=True)
app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False, motd=False, workers=1)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(log: IO[str]) -> str:
    log.seek(0)
    return log.read()[-3000:]


class Channel:
    def __init__(self, port: int, max_body: int) -> None:
        self.port, self.max_body = port, max_body
        self.url = f"http://127.0.0.1:{port}/webhooks/frontdoor/webhook"

    def post(self, content: bytes, content_type: str | None = "application/json") -> httpx.Response:
        headers = {"content-type": content_type} if content_type else {}
        return httpx.post(self.url, content=content, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Channel]:
    port = _free_port()
    # A file, not a pipe: a chatty server must never block on a pipe nobody reads.
    log = (tmp_path_factory.mktemp("channel") / "stderr.log").open("w+")
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
        first_line = server.stdout.readline().strip()
        assert first_line.isdigit(), (first_line, _tail(log))
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/webhooks/frontdoor/", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, _tail(log)
                assert time.monotonic() < deadline, "the channel never came up"
                time.sleep(0.2)
        yield Channel(port, int(first_line))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def turn(message: str = "hello", **extra: object) -> bytes:
    return json.dumps({"sender": SENDER, "message": message, **extra}).encode()


def test_a_json_turn_is_taken(channel: Channel) -> None:
    for content_type in ["application/json", "Application/JSON; charset=utf-8"]:
        reply = channel.post(turn(), content_type)
        assert reply.status_code == 200
        assert "turn taken" in json.dumps(reply.json())


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", None],
)
def test_a_body_a_web_page_could_send_without_a_preflight_is_refused(
    channel: Channel, content_type: str | None
) -> None:
    """Given a page in the operator's browser posting a well-formed turn as text/plain (a
    "simple" cross-origin request, no CORS preflight), Then no turn is taken: a kind 415."""
    reply = channel.post(turn(), content_type)
    assert reply.status_code == 415
    assert reply.json() == {"error": "Please send the message as JSON (application/json)."}


def test_the_longest_legitimate_message_fits_even_fully_escaped(channel: Channel) -> None:
    """Given the longest message the channel takes, every character outside the BMP and sent
    with ASCII escapes (twelve bytes each), Then the body cap does not refuse it."""
    body = json.dumps({"sender": SENDER, "message": "😢" * MAX_MESSAGE_CHARS}).encode()
    assert len(body) <= channel.max_body
    assert channel.post(body).status_code == 200


def test_a_body_over_the_cap_is_refused_kindly_even_if_the_json_is_fine(channel: Channel) -> None:
    """Given a valid small turn padded with whitespace past the cap, Then a kind 413, whether
    the size is announced (Content-Length) or streamed in chunks."""
    padded = turn() + b" " * channel.max_body
    announced = channel.post(padded)
    assert announced.status_code == 413
    assert announced.json() == {"error": "That message is too long to take in one go."}

    def chunks() -> Iterator[bytes]:
        yield turn()
        for _ in range(channel.max_body // 8192 + 2):
            yield b" " * 8192

    streamed = httpx.post(
        channel.url, content=chunks(), headers={"content-type": "application/json"}, timeout=30
    )
    assert streamed.status_code == 413


def test_a_huge_announced_body_is_refused_before_it_is_sent(channel: Channel) -> None:
    """Given a client announcing 100 MB and sending nothing more, Then it is told 413 at once:
    the server neither waits for nor buffers the body."""
    with socket.create_connection(("127.0.0.1", channel.port), timeout=10) as raw:
        raw.sendall(
            b"POST /webhooks/frontdoor/webhook HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"
        )
        answer = raw.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"too long" in answer


def test_malformed_and_binary_bodies_still_get_a_kind_400(channel: Channel) -> None:
    for body in [b"{not json", b"\x00\xff\xfe", b"", b"[1, 2]"]:
        reply = channel.post(body)
        assert reply.status_code == 400, body
        assert "JSON" in reply.json()["error"]


def test_a_language_that_is_not_text_is_refused_kindly(channel: Channel) -> None:
    """Found by the fuzz: a list or an object as the language was looked up as is, raised
    TypeError (unhashable) and came back as a 500 with no reason."""
    for language in [{"code": "en"}, ["en"]]:
        body = json.dumps({"sender": SENDER, "message": "hello", "language": language}).encode()
        reply = channel.post(body)
        assert reply.status_code == 400, language
        assert "language" in reply.json()["error"]


def turn_number(reply: httpx.Response) -> int:
    found = re.search(r"turn taken (\d+)", json.dumps(reply.json()))
    assert found, reply.text
    return int(found.group(1))


def test_one_update_asked_for_twice_at_once_is_one_turn_with_one_answer(channel: Channel) -> None:
    """Given a slow turn for update 7001, When the same update is asked for again while Rasa is
    still on it (a front end that gave up waiting, or restarted), Then Rasa takes it once and
    both askers get that one turn's answer; another update is a turn of its own."""
    body = turn("slow: he took my phone", update_id=7001)
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: channel.post(body), range(2))
    assert first.status_code == second.status_code == 200
    assert turn_number(first) == turn_number(second)
    assert first.json() == second.json()
    later = channel.post(turn("and then", update_id=7002))
    assert turn_number(later) == turn_number(first) + 1


def test_a_turn_whose_caller_gave_up_runs_on_and_its_answer_waits_for_the_retry(
    channel: Channel,
) -> None:
    """Given a caller that stops waiting after 0.3 s (as the front end does at its time limit),
    When it asks again for the same update, Then the retry gets the first turn's answer and Rasa
    took no second turn."""
    before = turn_number(channel.post(turn("first", update_id=7005)))
    body = turn("slow: are you there", update_id=7003)
    with pytest.raises(httpx.TimeoutException):
        httpx.post(
            channel.url, content=body, headers={"content-type": "application/json"}, timeout=0.3
        )
    retry = channel.post(body)
    assert turn_number(retry) == before + 1
    assert turn_number(channel.post(turn("next", update_id=7004))) == before + 2
