"""The Bot API methods the front end uses, answering as ``https://api.telegram.org/bot<token>/``.

Method names are case-insensitive, as on Telegram. Every answer is ``{"ok": true, "result": ...}``
or ``{"ok": false, "error_code": ..., "description": ...}`` with ``parameters.retry_after`` on 429.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.emulator.errors import QUERY_INVALID, ApiError, bad_request
from bot.emulator.objects import bot_user, outgoing_text, parse_reply_markup
from bot.emulator.params import Params, read_params
from bot.emulator.state import Emulator, WebhookConfig
from bot.emulator.webhook import WebhookPusher

MAX_DELETE_BATCH = 100
MAX_UPDATES_LIMIT = 100
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")

logger = logging.getLogger(__name__)


class BotApi:
    def __init__(self, emulator: Emulator, pusher: WebhookPusher) -> None:
        self.emulator = emulator
        self.pusher = pusher
        self._methods: dict[str, Callable[[Params], Awaitable[Any]]] = {
            name.lower(): handler
            for name, handler in (
                ("getMe", self.get_me),
                ("getUpdates", self.get_updates),
                ("sendMessage", self.send_message),
                ("editMessageText", self.edit_message_text),
                ("editMessageReplyMarkup", self.edit_message_reply_markup),
                ("answerCallbackQuery", self.answer_callback_query),
                ("deleteMessage", self.delete_message),
                ("deleteMessages", self.delete_messages),
                ("sendChatAction", self.send_chat_action),
                ("setWebhook", self.set_webhook),
                ("deleteWebhook", self.delete_webhook),
                ("getWebhookInfo", self.get_webhook_info),
                ("setMyCommands", self.set_my_commands),
                ("getMyCommands", self.get_my_commands),
                ("deleteMyCommands", self.delete_my_commands),
            )
        }

    async def endpoint(self, request: Request) -> JSONResponse:
        method = str(request.path_params["method"])
        handler = None
        try:
            self.emulator.check_token(str(request.path_params["token"]))
            handler = self._methods.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(await read_params(request))
        except ApiError as error:
            logger.info("bot api %s -> %d", method if handler else "?", error.code)
            return _error(error)
        if isinstance(result, tuple):
            value, description = result
            return JSONResponse({"ok": True, "result": value, "description": description})
        return JSONResponse({"ok": True, "result": result})

    async def get_me(self, _params: Params) -> Any:
        return bot_user(self.emulator.bot_id, full=True)

    async def get_updates(self, params: Params) -> Any:
        limit = params.integer("limit", MAX_UPDATES_LIMIT)
        timeout = max(params.integer("timeout", 0), 0)
        return await self.emulator.get_updates(
            offset=params.integer("offset", 0),
            limit=min(max(limit, 1), MAX_UPDATES_LIMIT),
            timeout=float(timeout),
            allowed=params.string_list("allowed_updates"),
        )

    async def send_message(self, params: Params) -> Any:
        emulator = self.emulator
        chat = emulator.writable_chat(params.chat_id())
        text = outgoing_text(params.raw("text"), params.raw("parse_mode"))
        keyboard = parse_reply_markup(params.raw("reply_markup"))
        emulator.admit("sendMessage", chat.chat_id)
        return chat.render(emulator.bot_sends(chat, text, keyboard), emulator.bot_id)

    async def edit_message_text(self, params: Params) -> Any:
        return self._edit(params, "editMessageText", with_text=True)

    async def edit_message_reply_markup(self, params: Params) -> Any:
        return self._edit(params, "editMessageReplyMarkup", with_text=False)

    def _edit(self, params: Params, method: str, *, with_text: bool) -> Any:
        if params.raw("inline_message_id") is not None:
            raise bad_request("message to edit not found")  # no inline mode here
        chat = self.emulator.writable_chat(params.chat_id())
        message = chat.editable_by_bot(
            params.integer("message_id", empty="message identifier is not specified")
        )
        text = outgoing_text(params.raw("text"), params.raw("parse_mode")) if with_text else None
        # Telegram drops the inline keyboard when an edit does not repeat it.
        keyboard = parse_reply_markup(params.raw("reply_markup"))
        self.emulator.admit(method, chat.chat_id)
        self.emulator.edit(chat, message, text, keyboard)
        return chat.render(message, self.emulator.bot_id)

    async def answer_callback_query(self, params: Params) -> Any:
        query_id = params.text("callback_query_id")
        if query_id is None:
            raise bad_request(QUERY_INVALID)
        self.emulator.answer_callback(query_id, params.text("text"), params.flag("show_alert"))
        return True

    async def delete_message(self, params: Params) -> Any:
        chat = self.emulator.chat_of(params.chat_id())
        message_id = params.integer("message_id", empty="message identifier is not specified")
        self.emulator.delete(chat, [message_id], batch=False)
        return True

    async def delete_messages(self, params: Params) -> Any:
        chat = self.emulator.chat_of(params.chat_id())
        message_ids = params.integer_list("message_ids")
        if not message_ids:
            raise bad_request("message identifiers are not specified")
        if len(message_ids) > MAX_DELETE_BATCH:
            raise bad_request("too many message identifiers specified")
        self.emulator.delete(chat, message_ids, batch=True)
        return True

    async def send_chat_action(self, params: Params) -> Any:
        self.emulator.writable_chat(params.chat_id())
        if not params.text("action"):
            raise bad_request("wrong parameter action in request")
        return True

    async def set_webhook(self, params: Params) -> Any:
        url = params.text("url") or ""
        if not url:
            return await self.delete_webhook(params)
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.text("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.string_list("allowed_updates")
        if allowed is not None:
            self.emulator.allowed_updates = frozenset(allowed) or None
        if params.flag("drop_pending_updates"):
            self.emulator.drop_pending()
        current = self.emulator.webhook
        if current is not None and (current.url, current.secret_token) == (url, secret):
            return True, "Webhook is already set"
        self.emulator.set_webhook(
            WebhookConfig(url, secret, max_connections=params.integer("max_connections", 40))
        )
        self.pusher.restart()
        logger.info("webhook set")
        return True, "Webhook was set"

    async def delete_webhook(self, params: Params) -> Any:
        if params.flag("drop_pending_updates"):
            self.emulator.drop_pending()
        if self.emulator.webhook is None:
            return True, "Webhook is already deleted"
        self.emulator.set_webhook(None)
        self.pusher.stop()
        logger.info("webhook deleted")
        return True, "Webhook was deleted"

    async def get_webhook_info(self, _params: Params) -> Any:
        emulator, config = self.emulator, self.emulator.webhook
        info: dict[str, Any] = {
            "url": config.url if config else "",
            "has_custom_certificate": False,
            "pending_update_count": len(emulator.updates),
        }
        if config is not None:
            info |= {"ip_address": "127.0.0.1", "max_connections": config.max_connections}
            if config.last_error_date is not None:
                info |= {
                    "last_error_date": config.last_error_date,
                    "last_error_message": config.last_error_message,
                }
        if emulator.allowed_updates is not None:
            info["allowed_updates"] = sorted(emulator.allowed_updates)
        return info

    async def set_my_commands(self, params: Params) -> Any:
        self.emulator.commands.set(params)
        return True

    async def get_my_commands(self, params: Params) -> Any:
        return self.emulator.commands.get(params)

    async def delete_my_commands(self, params: Params) -> Any:
        self.emulator.commands.delete(params)
        return True


def _error(error: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
    if parameters := error.parameters():
        body["parameters"] = parameters
    return JSONResponse(body, status_code=error.code)
