"""The only input channel Rasa listens on: ``POST /webhooks/frontdoor/webhook``.

Unlike Rasa's ``rest`` channel it firewalls every message before Rasa stores, logs or parses it,
accepts only pseudonymous sender ids, answers malformed requests kindly instead of with a stack
trace, never logs user text, and ends every turn with a way to emergency help and to a person.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.firewall import default_firewall
from bot.core.safety import default_safety_net
from bot.rasa_ext import action_validation
from bot.rasa_ext.turn_rules import ensure_way_out, screen_incoming

logger = logging.getLogger(__name__)

# Sender ids are HMAC-SHA256 pseudonyms (bot.core.pseudonym); anything else may be a raw id.
_PSEUDONYM = re.compile(r"[0-9a-f]{64}")
# Telegram caps a message at 4096 characters; the terminal chat is held to a generous multiple.
MAX_MESSAGE_CHARS = 16_384


def _refusal(status: int, reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


class FrontDoorInput(InputChannel):
    """Rasa input channel for Lantern's own front ends (terminal chat, Telegram)."""

    @classmethod
    def name(cls) -> str:
        return "frontdoor"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> FrontDoorInput:
        # Rasa builds its channels once at start-up, before any action runs: the place to swap in
        # the validator built once (bot/rasa_ext/action_validation.py).
        action_validation.install()
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("frontdoor_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - sanic raises several types for a bad body
                return _refusal(400, "The request body must be a JSON object.")
            if not isinstance(body, dict):
                return _refusal(400, "The request body must be a JSON object.")
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or _PSEUDONYM.fullmatch(sender) is None:
                return _refusal(400, "The sender must be a pseudonym, never a raw account id.")
            if not isinstance(text, str):
                return _refusal(400, "The message must be text.")
            if len(text) > MAX_MESSAGE_CHARS:
                return _refusal(413, "That message is too long to take in one go.")
            collector = CollectingOutputChannel()
            screened = screen_incoming(text, default_firewall(), default_safety_net())
            message = UserMessage(
                screened.text,
                collector,
                sender,
                input_channel=self.name(),
                metadata=screened.metadata,
            )
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - the edge: the person must still get an answer
                logger.error("turn failed: %s", type(error).__name__)
            return response.json(ensure_way_out(collector.messages))

        return webhook
