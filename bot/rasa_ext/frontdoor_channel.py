"""The only input channel Rasa listens on: ``POST /webhooks/frontdoor/webhook``.

Unlike Rasa's ``rest`` channel it firewalls every message before Rasa stores, logs or parses it,
accepts only pseudonymous sender ids, answers malformed requests kindly instead of with a stack
trace, never logs user text, and ends every turn with a way to emergency help and to a person.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.errors import LanternError
from bot.core.firewall import default_firewall
from bot.core.languages import BY_CODE, LANGUAGE_KEY
from bot.core.locale import catalogue
from bot.core.message_metadata import UPDATE_ID_KEY
from bot.core.pseudonym import is_pseudonym
from bot.core.safety import default_safety_net
from bot.core.turn_rules import ensure_way_out, screen_incoming
from bot.rasa_ext import action_retry, action_validation
from bot.rasa_ext.turn_once import TurnsOnce

logger = logging.getLogger(__name__)

# Telegram caps a message at 4096 characters; the terminal chat is held to a generous multiple.
MAX_MESSAGE_CHARS = 16_384
# The largest legitimate body: every character of the longest message escaped the longest way
# JSON allows (a surrogate pair, twelve bytes), plus the sender, language and punctuation. Sanic's
# own limit is 100 MB, which lets anyone who can reach the port make Rasa buffer that much.
MAX_BODY_BYTES = MAX_MESSAGE_CHARS * 12 + 4096
JSON_MEDIA_TYPE = "application/json"


class BadTurnRequestError(LanternError):
    """A request the channel refuses, with the kind reason the caller is told."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


async def _read_body(request: Request) -> bytes:
    """The body of a JSON request no larger than MAX_BODY_BYTES; raises BadTurnRequestError.

    The route streams, so Sanic has read nothing yet: the limit holds before any byte is kept,
    and also bounds what Sanic drains after a refusal (it then closes the connection).
    """
    if request.stream is not None:
        request.stream.request_max_size = MAX_BODY_BYTES
    # text/plain is a "simple" request a web page may send cross-origin without a preflight;
    # insisting on JSON keeps a page open in the operator's browser from scripting a turn.
    media_type = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE:
        raise BadTurnRequestError(415, "Please send the message as JSON (application/json).")
    try:
        await request.receive_body()
    except PayloadTooLarge:
        raise BadTurnRequestError(413, "That message is too long to take in one go.") from None
    return request.body or b""


def _read_turn(raw: bytes) -> tuple[str, str, str | None, int | None]:
    """Sender, text, language and update id of a well-formed body; raises
    BadTurnRequestError."""
    try:
        body = json.loads(raw)
    except ValueError:  # also a body that is not text at all (UnicodeDecodeError)
        body = None
    if not isinstance(body, dict):
        raise BadTurnRequestError(400, "The request body must be a JSON object.")
    sender, text, language = body.get("sender"), body.get("message"), body.get("language")
    update_id = body.get("update_id")
    if not isinstance(sender, str) or not is_pseudonym(sender):
        raise BadTurnRequestError(400, "The sender must be a pseudonym, never a raw account id.")
    if not isinstance(text, str):
        raise BadTurnRequestError(400, "The message must be text.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadTurnRequestError(413, "That message is too long to take in one go.")
    # A str first: a list or an object is unhashable, and the lookup itself would raise (a 500).
    if language is not None and (not isinstance(language, str) or language not in BY_CODE):
        raise BadTurnRequestError(400, "The language must be one of the codes Lantern speaks.")
    if update_id is not None and (isinstance(update_id, bool) or not isinstance(update_id, int)):
        raise BadTurnRequestError(400, "The update id must be a whole number.")
    return sender, text, language, update_id


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
        # And the custom actions called again while their restarting server refuses.
        action_retry.install()
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("frontdoor_webhook", __name__)
        turns = TurnsOnce()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, language, update_id = _read_turn(await _read_body(request))
            except BadTurnRequestError as refused:
                return response.json({"error": refused.reason}, status=refused.status)
            screened = screen_incoming(text, default_firewall(), default_safety_net())
            if language is not None:
                screened.metadata[LANGUAGE_KEY] = language
            if update_id is not None:
                # Kept on the user event in the tracker: how the front end, replaying after a
                # crash, knows this turn was already taken (bot/frontdoor/inbox.py).
                screened.metadata[UPDATE_ID_KEY] = update_id

            async def take_turn() -> list[dict[str, Any]]:
                collector = CollectingOutputChannel()
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
                messages: list[dict[str, Any]] = collector.messages
                return messages

            if update_id is None:
                answer = await take_turn()
            else:
                answer = await turns.answer((sender, update_id), take_turn)
            return response.json(ensure_way_out(answer, catalogue(language)))

        return webhook
