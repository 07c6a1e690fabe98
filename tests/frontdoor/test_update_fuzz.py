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
import random
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.core.private_files import write_private_file
from bot.frontdoor.telegram_app import SECRET_HEADER
from tests.emulator.support import Running
from tests.frontdoor.support import FakeRasa, running, until
from tests.fuzzing import IMMIGRATION, examples, json_value, maybe, rng, tally, text
from tests.support import free_port

pytestmark = pytest.mark.soak

# Many people: the flood control holds each chat to Telegram's one message a second.
PEOPLE = list(range(9_100_001, 9_100_301))
KINDS = ["text"] * 6 + ["command", "edited", "button", "photo", "location", "sticker", "none"]
COMMANDS = ["/start", "/exit", "/forget", "/help", "/language", "/nope", "/start@other_bot"]


class Updates:
    def __init__(self, r: random.Random) -> None:
        self.r, self.next_id, self.message_id = r, 1, 1

    def message(self, user: int) -> dict[str, Any]:
        r = self.r
        self.message_id += 1
        sender: dict[str, Any] = {"id": user, "is_bot": False, "first_name": text(r, 10) or "A"}
        if r.random() < 0.3:
            sender["language_code"] = maybe(r, lambda: r.choice(["en", "pl", "ar", "xx", ""]))
        chat_type = r.choice(["private"] * 9 + ["group", "channel", "supergroup"])
        return {
            "message_id": maybe(r, lambda: self.message_id, chance=0.95),
            "date": maybe(r, lambda: int(time.time()), chance=0.95),
            "chat": {"id": user if chat_type == "private" else -user, "type": chat_type},
            "from": sender,
        }

    def update(self) -> dict[str, Any]:
        r = self.r
        user = r.choice(PEOPLE)
        kind = r.choice(KINDS)
        message = self.message(user)
        said = f"{text(r, 20)} {r.choice(IMMIGRATION)}" if r.random() < 0.3 else text(r, 300)
        if kind == "command":
            command = r.choice(COMMANDS)
            message["text"] = f"{command} {text(r, 10)}" if r.random() < 0.3 else command
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(command.split()[0])}
            ]
        elif kind in ("text", "edited"):
            message["text"] = maybe(r, lambda: said, chance=0.9)
        elif kind == "photo":
            message["photo"] = [{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}]
            message["caption"] = said
        elif kind == "location":
            message["location"] = {"latitude": r.uniform(-90, 90), "longitude": r.uniform(0, 9)}
        elif kind == "sticker":
            message["sticker"] = json_value(r)
        update: dict[str, Any] = {"update_id": self.update_id()}
        if kind == "edited":
            message["edit_date"] = int(time.time())
            update["edited_message"] = message
        elif kind == "button":
            update["callback_query"] = {
                "id": secrets.token_hex(4),
                "from": message["from"],
                "chat_instance": "1",
                "data": maybe(r, lambda: r.choice(["/greet", "/deny", "lantern:x", said])),
                "message": {**message, "text": "question"},
            }
        elif kind != "none":
            update["message"] = message
        if r.random() < 0.1:  # one field of anything at all
            target = r.choice([update, message])
            target[r.choice([*target, text(r, 6)])] = json_value(r)
        return update

    def update_id(self) -> Any:
        self.next_id += 1
        pick = self.r.random()
        if pick < 0.05:
            return self.next_id - self.r.randint(1, 5)  # delivered again
        if pick < 0.08:
            return json_value(self.r)
        return self.next_id


def raw_body(r: random.Random, updates: Updates) -> bytes:
    pick = r.random()
    if pick < 0.03:
        return bytes(r.randrange(256) for _ in range(r.randint(0, 100)))
    if pick < 0.06:
        return json.dumps(json_value(r)).encode()
    return json.dumps(updates.update(), ensure_ascii=r.random() < 0.5).encode(
        "utf-8", "surrogatepass"
    )


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
    r, counted = rng("updates"), tally("front-end updates")
    updates = Updates(r)
    async with running(settings) as (app, _front_end):
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient(timeout=30, headers={SECRET_HEADER: secret}) as client:
            await until_listening(client, url)
            for number in range(examples()):
                body = raw_body(r, updates)
                counted.inputs += 1
                try:
                    reply = await client.post(url, content=body)
                except httpx.HTTPError as dropped:
                    counted.fail(number, f"{body[:100]!r}: {type(dropped).__name__}")
                    continue
                if reply.status_code not in (200, 400):
                    counted.fail(number, f"{body[:100]!r}: answered {reply.status_code}")
            # Every taken update handled, and a plain message afterwards still answered once.
            await until(lambda: app.update_queue.qsize() == 0, "the queue drained")
            canary = {"update_id": 10**9, "message": {**updates.message(PEOPLE[0])}}
            canary["message"].update(chat={"id": PEOPLE[0], "type": "private"}, text="canary hello")
            canary["message"]["from"] = {"id": PEOPLE[0], "is_bot": False, "first_name": "A"}
            canary["message"]["message_id"], canary["message"]["date"] = 10**6, int(time.time())
            assert (await client.post(url, json=canary)).status_code == 200
            await until(lambda: rasa.asked("canary hello") == 1, "the canary answered")
            await asyncio.sleep(1)
    print(f"\n{counted.line()}; Rasa asked {len(rasa.calls)} times")
    assert rasa.asked("canary hello") == 1
    assert counted.failures == [], counted.failures[:5]
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
