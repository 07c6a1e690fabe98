"""People in the Bot API emulator, driven through its control API, and an emulator with the
real Telegram front end beside a running Rasa: what the Telegram e2e tests share."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.console.demo import demo_account, demo_totp_code
from bot.core.config import Settings
from bot.core.crypto import TOTP_STEP_SECONDS
from bot.core.languages import ENGLISH
from bot.core.locale import LEFT_TO_RIGHT_ISOLATE, POP_DIRECTIONAL_ISOLATE, catalogue
from bot.devstack import Stack
from tests.support import free_port

Chat = dict[str, Any]
WAIT_SECONDS = 60.0


class Person:
    """One Telegram user, driven through the emulator's control API."""

    def __init__(
        self, emulator: str, user_id: int | None = None, language_code: str | None = None
    ) -> None:
        self.emulator = emulator
        self.user_id = user_id or secrets.randbelow(2**40) + 1000
        self._users = f"{emulator}/_emulator/users/{self.user_id}"
        # The phone's interface language, which Telegram sends as from.language_code.
        self._phone = {"language_code": language_code} if language_code else {}

    def say(self, text: str) -> None:
        self.send(text=text)

    def send(self, **content: object) -> None:
        httpx.post(f"{self._users}/messages", json={**self._phone, **content}).raise_for_status()

    def start(self, language: str = "English") -> Chat:
        """/start, then the language by its own name: the safety question follows."""
        self.say("/start")
        self.wait_for_bot_text(catalogue(ENGLISH).say("choose_language"))
        self.press(language)
        return self.wait_for(lambda chat: len(bot_messages(chat)) >= 2, "the safety question")

    def press(self, label: str) -> None:
        httpx.post(f"{self._users}/press", json={"text": label}).raise_for_status()

    def chat(self) -> Chat:
        reply = httpx.get(f"{self._users}/chat")
        reply.raise_for_status()
        chat: Chat = reply.json()
        return chat

    def wait_for(self, done: Callable[[Chat], bool], what: str) -> Chat:
        deadline = time.monotonic() + WAIT_SECONDS
        chat = self.chat()
        while not done(chat):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; chat: {chat['messages']}")
            reply = httpx.get(
                f"{self._users}/chat", params={"since": chat["version"], "wait": 5}, timeout=10
            )
            chat = reply.json()
        return chat

    def wait_for_bot_text(self, fragment: str) -> Chat:
        return self.wait_for(lambda chat: fragment in bot_text(chat), repr(fragment))


def bot_messages(chat: Chat) -> list[dict[str, Any]]:
    return [m for m in chat["messages"] if m["from"] == "bot" and not m["deleted"]]


def bot_text(chat: Chat) -> str:
    """Everything the bot said, without the isolates that keep numbers upright in Arabic script."""
    text = "\n".join(m["text"] or "" for m in bot_messages(chat))
    return text.replace(LEFT_TO_RIGHT_ISOLATE, "").replace(POP_DIRECTIONAL_ISOLATE, "")


def labels(chat: Chat) -> list[str]:
    return [b["text"] for m in bot_messages(chat) for row in m["buttons"] for b in row]


class FrontEnd:
    """An emulator and a front end of their own, on free ports, beside a running Rasa."""

    def __init__(self, rasa: Stack, var_dir: Path, **env: str) -> None:
        self.processes = Stack(rasa.rasa_port, rasa.action_port, var_dir / "log")
        self.env = dict(os.environ, LANTERN_VAR_DIR=str(var_dir), **env)
        self.emulator = self.processes.start_telegram(self.env, free_port()).rstrip("/")

    def control(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = httpx.post(f"{self.emulator}/_emulator/{path}", json=body)
        reply.raise_for_status()
        answer: dict[str, Any] = reply.json()
        return answer

    def state(self) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(f"{self.emulator}/_emulator/state").json()
        return answer

    def stop(self) -> None:
        self.processes.stop()


@dataclass
class Lantern:
    """The whole system as a person and a caseworker meet it."""

    settings: Settings
    front: FrontEnd
    console: str


def sign_in_demo_caseworker(page: Any, lantern: Lantern) -> None:
    """The demo caseworker signs in to the console with passphrase and TOTP, in ``page``.

    A TOTP code is accepted once: a second sign-in within the same 30 s step (another test
    module a moment earlier) is refused, so it waits for the next step and tries again.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    caseworker = demo_account(lantern.settings)
    for attempt in range(3):
        page.goto(f"{lantern.console}/sign-in")
        page.get_by_label("Login name").fill(caseworker.login)
        page.get_by_label("Passphrase").fill(caseworker.passphrase)
        page.get_by_label("Code from your authenticator app").fill(
            demo_totp_code(caseworker, time.time())
        )
        page.get_by_role("button", name="Sign in").click()
        try:
            # The queue's table appears only once a case is in it; its heading always does.
            page.wait_for_selector("h1:has-text('Queue')", timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            time.sleep(TOTP_STEP_SECONDS - time.time() % TOTP_STEP_SECONDS + 1)
