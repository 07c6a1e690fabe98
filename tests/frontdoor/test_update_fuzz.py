"""The front end's update handling fuzzed: the real front end (bot/frontdoor) in webhook mode on
the emulator, beside a Rasa stand-in, fed generated Telegram update JSON through its webhook,
with the right secret: messages, commands, edits, button presses, media, places, from a few
people, many of them malformed. Expected: 200 or a 400, never a 500 or a dropped connection;
the front end still answers a plain message afterwards, once; and no immigration detail anyone
wrote is in the front end's database or the tracker store in clear."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st

from bot.core.private_files import write_private_file
from bot.frontdoor.telegram_app import SECRET_HEADER
from tests.emulator.support import Running
from tests.frontdoor.support import FakeRasa, running, until
from tests.fuzzing import IMMIGRATION, fuzz, json_value, maybe, text, weighted
from tests.support import free_port

pytestmark = pytest.mark.soak

# Many people: the flood control holds each chat to Telegram's one message a second.
PEOPLE = list(range(9_100_001, 9_100_301))
KINDS = ["text"] * 6 + ["command", "edited", "button", "photo", "location", "sticker", "none"]
COMMANDS = ["/start", "/exit", "/forget", "/help", "/language", "/nope", "/start@other_bot"]


class Numbers:
    """Update and message ids in sequence, as Telegram sends them (drawn at generation time)."""

    def __init__(self) -> None:
        self.update_id, self.message_id = 1, 1

    def next_message(self) -> int:
        self.message_id += 1
        return self.message_id

    def next_update(self, back: int) -> int:
        self.update_id += 1
        return self.update_id - back  # back > 0: an update delivered again


@st.composite
def message(draw: st.DrawFn, numbers: Numbers, user: int) -> dict[str, Any]:
    sender: dict[str, Any] = {"id": user, "is_bot": False, "first_name": draw(text(10)) or "A"}
    if draw(st.integers(0, 9)) < 3:
        sender["language_code"] = draw(maybe(st.sampled_from(["en", "pl", "ar", "xx", ""])))
    chat_type = draw(st.sampled_from(["private"] * 9 + ["group", "channel", "supergroup"]))
    return {
        "message_id": draw(maybe(st.builds(numbers.next_message), odds=19)),
        "date": draw(maybe(st.builds(lambda: int(time.time())), odds=19)),
        "chat": {"id": user if chat_type == "private" else -user, "type": chat_type},
        "from": sender,
    }


def update_id(numbers: Numbers) -> st.SearchStrategy[Any]:
    in_order = st.builds(numbers.next_update, st.just(0))
    again = st.builds(numbers.next_update, st.integers(1, 5))
    return weighted((30, in_order), (2, again), (1, json_value()))


@st.composite
def update(draw: st.DrawFn, numbers: Numbers) -> dict[str, Any]:
    user = draw(st.sampled_from(PEOPLE))
    kind = draw(st.sampled_from(KINDS))
    said_message = draw(message(numbers, user))
    said = draw(
        weighted(
            (3, st.builds("{} {}".format, text(20), st.sampled_from(IMMIGRATION))), (7, text(300))
        )
    )
    if kind == "command":
        command = draw(st.sampled_from(COMMANDS))
        argument = draw(weighted((7, st.none()), (3, text(10))))
        said_message["text"] = command if argument is None else f"{command} {argument}"
        said_message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(command.split()[0])}
        ]
    elif kind in ("text", "edited"):
        said_message["text"] = draw(maybe(st.just(said), odds=9))
    elif kind == "photo":
        said_message["photo"] = [{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}]
        said_message["caption"] = said
    elif kind == "location":
        latitude, longitude = draw(st.floats(-90, 90)), draw(st.floats(0, 9))
        said_message["location"] = {"latitude": latitude, "longitude": longitude}
    elif kind == "sticker":
        said_message["sticker"] = draw(json_value())
    body: dict[str, Any] = {"update_id": draw(update_id(numbers))}
    if kind == "edited":
        said_message["edit_date"] = int(time.time())
        body["edited_message"] = said_message
    elif kind == "button":
        body["callback_query"] = {
            "id": secrets.token_hex(4),
            "from": said_message["from"],
            "chat_instance": "1",
            "data": draw(maybe(st.sampled_from(["/greet", "/deny", "lantern:x", said]))),
            "message": {**said_message, "text": "question"},
        }
    elif kind != "none":
        body["message"] = said_message
    if draw(st.integers(0, 9)) == 0:  # one field of anything at all
        target = draw(st.sampled_from([body, said_message]))
        target[draw(weighted((1, st.sampled_from(list(target))), (1, text(6))))] = draw(
            json_value()
        )
    return body


def raw_body(numbers: Numbers) -> st.SearchStrategy[bytes]:
    as_json = st.builds(
        lambda value, ascii_only: json.dumps(value, ensure_ascii=ascii_only).encode(
            "utf-8", "surrogatepass"
        ),
        update(numbers),
        st.booleans(),
    )
    anything = json_value().map(lambda value: json.dumps(value).encode())
    return weighted((30, as_json), (1, st.binary(max_size=100)), (1, anything))


def in_clear(var_dir: Path) -> list[str]:
    """Immigration phrases found verbatim in any file under var/ (databases and their WAL)."""
    found = []
    for path in var_dir.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            found += [f"{path.name}: {p}" for p in IMMIGRATION if p.encode() in blob]
    return found


async def test_generated_updates_never_break_the_front_end(
    emulator_server: Running, rasa: FakeRasa, tmp_path: Path
) -> None:
    port, secret = free_port(), secrets.token_hex(32)
    secret_file = tmp_path / "webhook.secret"
    write_private_file(secret_file, secret)
    settings = dataclasses.replace(
        rasa.settings,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram",
        telegram_webhook_port=port,
        telegram_webhook_secret_file=secret_file,
    )
    numbers = Numbers()
    async with running(settings) as (app, _front_end):
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient(timeout=30, headers={SECRET_HEADER: secret}) as client:
            await until_listening(client, url)

            # Hypothesis drives a blocking client from a thread, beside the front end's loop.
            @fuzz("front-end updates", raw_body(numbers), soak=8_000)
            def one(body: bytes) -> None:
                reply = blocking.post(url, content=body)
                assert reply.status_code in (200, 400), f"answered {reply.status_code}"

            with httpx.Client(timeout=30, headers={SECRET_HEADER: secret}) as blocking:
                await asyncio.to_thread(one)
            # Every taken update handled, and a plain message afterwards still answered once.
            await until(lambda: app.update_queue.qsize() == 0, "the queue drained")
            canary = {
                "update_id": 10**9,
                "message": {
                    "message_id": 10**6,
                    "date": int(time.time()),
                    "chat": {"id": PEOPLE[0], "type": "private"},
                    "from": {"id": PEOPLE[0], "is_bot": False, "first_name": "A"},
                    "text": "canary hello",
                },
            }
            assert (await client.post(url, json=canary)).status_code == 200
            await until(lambda: rasa.asked("canary hello") == 1, "the canary answered")
            await asyncio.sleep(1)
    print(f"\nfuzz front-end updates: Rasa asked {len(rasa.calls)} times")
    assert rasa.asked("canary hello") == 1
    assert in_clear(settings.var_dir) == []


async def until_listening(client: httpx.AsyncClient, url: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            await client.get(url)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the webhook never listened"
            await asyncio.sleep(0.1)
