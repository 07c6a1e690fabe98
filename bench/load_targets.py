"""The three things bench/load.py loads, and the servers behind them, all on loopback:

- Lantern's front-door channel, as the front end calls it (a pseudonymous sender, the language);
- the Telegram path: a person in the Bot API emulator, its control API -> the real front end ->
  Rasa -> the front end -> the emulator, a turn ending at the message that carries Quick exit;
- a plain ``rasa init`` bot on Rasa's REST channel, trained once and cached under var/bench/.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from bot.core.config import PROJECT_ROOT, load_settings
from bot.core.db.local_setup import create_local_setup
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.devstack import LOOPBACK, RASA_PYTHON, Stack, quiet_environment, wait_until_healthy
from bot.scale import scaled_environment
from bot.supervisor import Server, Supervisor

PLAIN_BOT_DIR = PROJECT_ROOT / "var" / "bench" / "plain-rasa"
TURN_TIMEOUT_SECONDS = 120.0
# Loading a model takes minutes on a busy 2-core machine.
START_TIMEOUT_SECONDS = 900.0
# The Telegram front end ends the last message of every turn with this button
# (bot/frontdoor/telegram_render.py: with_way_out).
WAY_OUT_LABEL = catalogue(ENGLISH).say("quick_exit_button")


class BadAnswerError(Exception):
    """The bot answered, but not with a turn."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _turn(reply: httpx.Response) -> None:
    reply.raise_for_status()
    body = reply.json()
    if not isinstance(body, list):
        raise BadAnswerError(f"answer is a {type(body).__name__}, not a list of messages")


class FrontDoor:
    name = "front door"

    def __init__(self, client: httpx.AsyncClient, rasa_url: str) -> None:
        self.client, self.url = client, f"{rasa_url}/webhooks/frontdoor/webhook"

    def start(self) -> object:
        return secrets.token_hex(32)  # a pseudonym, as the front end sends

    async def send(self, conversation: object, text: str) -> None:
        body = {"sender": conversation, "message": text, "language": ENGLISH}
        _turn(await self.client.post(self.url, json=body))


class PlainRest:
    name = "plain bot"

    def __init__(self, client: httpx.AsyncClient, rasa_url: str) -> None:
        self.client, self.url = client, f"{rasa_url}/webhooks/rest/webhook"

    def start(self) -> object:
        return secrets.token_hex(16)

    async def send(self, conversation: object, text: str) -> None:
        _turn(await self.client.post(self.url, json={"sender": conversation, "message": text}))


class TelegramPath:
    name = "Telegram path"

    def __init__(self, client: httpx.AsyncClient, emulator_url: str) -> None:
        self.client, self.users = client, f"{emulator_url}/_emulator/users"

    def start(self) -> object:
        return secrets.randbelow(2**40) + 1000  # a new Telegram user

    async def send(self, conversation: object, text: str) -> None:
        chat_url = f"{self.users}/{conversation}/chat"
        sent = await self.client.post(
            f"{self.users}/{conversation}/messages", json={"text": text, "language_code": "en"}
        )
        sent.raise_for_status()
        mine: int = sent.json()["message_id"]
        deadline = time.monotonic() + TURN_TIMEOUT_SECONDS
        version = -1
        while time.monotonic() < deadline:
            reply = await self.client.get(chat_url, params={"since": version, "wait": 10})
            reply.raise_for_status()
            chat: dict[str, Any] = reply.json()
            if any(_ends_turn(m, mine) for m in chat["messages"]):
                return
            version = chat["version"]
        raise TimeoutError(f"no end of turn in {TURN_TIMEOUT_SECONDS:g} s")


def _ends_turn(message: dict[str, Any], after: int) -> bool:
    labels = {button["text"] for row in message["buttons"] for button in row}
    return message["from"] == "bot" and message["message_id"] > after and WAY_OUT_LABEL in labels


def start_lantern(var_dir: Path, log_dir: Path, workers: int) -> tuple[Stack, str, str]:
    """Rasa, the actions, the emulator, the Telegram front end and the console:
    (stack, Rasa's URL, the emulator's URL)."""
    env = scaled_environment(
        dict(os.environ, LANTERN_VAR_DIR=str(var_dir), LANTERN_TRACKER_EXPIRY_MINUTES="10"), workers
    )
    create_local_setup(load_settings(env))
    stack = Stack(free_port(), free_port(), log_dir, workers=workers)
    try:
        stack.start(env, START_TIMEOUT_SECONDS)
        emulator = stack.start_telegram(env, free_port()).rstrip("/")
        stack.start_console(env, free_port())  # idle here, but part of the stack's memory
    except BaseException:
        stack.stop()
        raise
    return stack, stack.rasa_url, emulator


def plain_bot_dir(log: Path) -> Path:
    """The ``rasa init`` project with its trained model: made once, then reused."""
    if any((PLAIN_BOT_DIR / "models").glob("*.tar.gz")):
        return PLAIN_BOT_DIR
    partial = PLAIN_BOT_DIR.with_name("plain-rasa.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    print("Training the plain `rasa init` bot (once; cached under var/bench/)...", flush=True)
    with log.open("ab") as out:
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            [str(RASA_PYTHON), "-m", "rasa", "init", "--no-prompt", "--init-dir", str(partial)],
            cwd=partial,
            env=quiet_environment(os.environ),
            stdout=out,
            stderr=out,
            timeout=1800,
            check=True,
        )
    partial.rename(PLAIN_BOT_DIR)
    return PLAIN_BOT_DIR


def start_plain_bot(log_dir: Path) -> tuple[Supervisor, str]:
    """The plain bot on Rasa's REST channel, one process as `rasa run` starts it."""
    log_dir.mkdir(parents=True, exist_ok=True)
    project = plain_bot_dir(log_dir / "plain-train.log")
    model = sorted((project / "models").glob("*.tar.gz"))[-1]
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    command = [
        str(RASA_PYTHON), "-m", "rasa", "run", "--interface", LOOPBACK, "--port", str(port),
        "--model", str(model), "--credentials", str(project / "credentials.yml"),
        "--endpoints", str(project / "endpoints.yml"),
    ]  # fmt: skip
    supervisor = Supervisor()
    env = quiet_environment(os.environ)
    env.pop("SANIC_WORKERS", None)
    supervisor.add(Server("plain", command, env, log_dir / "plain.log"))
    try:
        _wait(f"{url}/webhooks/rest/", supervisor, log_dir)
    except BaseException:
        supervisor.stop()
        raise
    return supervisor, url


def _wait(url: str, supervisor: Supervisor, log_dir: Path) -> None:
    # Stack only for its liveness check: wait_until_healthy asks it whether a server died.
    probe = Stack(0, 0, log_dir, supervisor)
    wait_until_healthy(url, time.monotonic() + START_TIMEOUT_SECONDS, probe)
