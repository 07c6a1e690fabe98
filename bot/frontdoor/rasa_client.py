"""The front door's client for Rasa's ``frontdoor`` channel (bot.rasa_ext.frontdoor_channel)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from bot.core.errors import AssistantUnavailableError

WEBHOOK_PATH = "/webhooks/frontdoor/webhook"


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    text: str
    buttons: tuple[Button, ...] = ()


def parse_turn(body: Any) -> list[BotMessage]:
    if not isinstance(body, list):
        raise AssistantUnavailableError("the assistant answered with something other than a list")
    turn = []
    for item in body:
        if not isinstance(item, dict):
            continue
        buttons = tuple(
            Button(str(button.get("title", "")), str(button.get("payload", "")))
            for button in item.get("buttons") or []
            if isinstance(button, dict)
        )
        turn.append(BotMessage(str(item.get("text") or ""), buttons))
    return turn


class RasaFrontDoorClient:
    """Sends one message for one pseudonymous sender and returns the assistant's turn."""

    def __init__(self, rasa_url: str, timeout_seconds: float = 30.0) -> None:
        self._client = httpx.AsyncClient(base_url=rasa_url, timeout=timeout_seconds)

    async def send(
        self,
        pseudonym: str,
        text: str,
        language: str | None = None,
        *,
        update_id: int | None = None,
    ) -> list[BotMessage]:
        """``language`` is the one the person chose; None (forgotten by an exit) lets the
        assistant carry on in the conversation's own. ``update_id`` rides in the message's
        metadata, so the front end can tell after a crash whether Rasa already had this turn
        (``bot.frontdoor.inbox.answered_before``)."""
        body: dict[str, object] = {"sender": pseudonym, "message": text}
        if language is not None:
            body["language"] = language
        if update_id is not None:
            body["update_id"] = update_id
        try:
            reply = await self._client.post(WEBHOOK_PATH, json=body)
            reply.raise_for_status()
            return parse_turn(reply.json())
        except (httpx.HTTPError, ValueError) as error:
            # The error names the failure, never the message: it may hold what the person said.
            raise AssistantUnavailableError(type(error).__name__) from error

    async def aclose(self) -> None:
        await self._client.aclose()
