"""``python -m bot telegram``: the Telegram front end on python-telegram-bot.

Long polling by default. With no token configured it talks to the local Bot API emulator
(``python -m bot emulator``); with ``LANTERN_TELEGRAM_WEBHOOK_URL`` set it receives pushed updates
instead, and refuses any that lack the secret token Telegram was given in setWebhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
)
from telegram.ext import filters as f

from bot.core.config import Settings
from bot.core.crypto import FrontEndKey
from bot.core.db.store import Database, Delivery, Store, create_engine_for
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue, catalogues
from bot.core.log_hygiene import install_log_hygiene
from bot.core.tracker_vault import tracker_vault_for
from bot.frontdoor.flood import FloodControl
from bot.frontdoor.inbox import DurableUpdateQueue, InboxUnavailableError
from bot.frontdoor.outbox import OutboxCourier
from bot.frontdoor.rasa_client import RasaFrontDoorClient
from bot.frontdoor.staff_ping import STAFF_PING_SECONDS, StaffPing
from bot.frontdoor.telegram_frontend import FrontEnd
from bot.frontdoor.telegram_render import menu

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
RETRY_WAITING_SECONDS = 3.0
OUTBOX_SECONDS = 5.0
WEBHOOK_INBOX_ATTEMPTS = 3
_FRONT_END = "lantern.front_end"
_UNSUPPORTED = (
    f.VOICE | f.AUDIO | f.PHOTO | f.VIDEO | f.VIDEO_NOTE | f.ANIMATION | f.Document.ALL
) | f.Sticker.ALL
_PLACE_OR_PERSON = f.LOCATION | f.VENUE | f.CONTACT


def create_app(settings: Settings) -> Application:  # type: ignore[type-arg]
    """The PTB Application with every handler; secrets are read (or fail) here, at start-up."""
    front_end = FrontEnd(
        RasaFrontDoorClient(settings.rasa_url, settings.rasa_timeout_seconds),
        Store(Database(create_engine_for(settings), key_pins=settings.organisation_key_pins())),
        tracker_vault_for(settings),
        front_end_key=FrontEndKey(settings.front_end_key()),
        pseudonym_key=settings.pseudonym_key(),
        chat_link_ttl=timedelta(days=settings.chat_link_days),
    )
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token())
        .base_url(settings.telegram_base_url)
        .rate_limiter(FloodControl())
        # Every update is recorded in the inbox before polling confirms it or the webhook
        # answers 200, and a repeated update_id goes no further (bot/frontdoor/inbox.py).
        .update_queue(
            DurableUpdateQueue(
                front_end.admit,
                unrecorded=front_end.db_down.tell,
                # A webhook request must end (500: Telegram sends again); polling just waits.
                attempts=WEBHOOK_INBOX_ATTEMPTS if settings.telegram_webhook_url else None,
            )
        )
        # Each person's messages are still handled in order (FrontEnd holds a lock per person);
        # one slow answer from Rasa must not hold up everybody else.
        .concurrent_updates(True)
    )
    if settings.telegram_webhook_url:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data[_FRONT_END] = front_end
    private, turn = f.ChatType.PRIVATE, front_end.turn
    app.add_handler(MessageHandler(private & _PLACE_OR_PERSON, turn(front_end.on_place_or_person)))
    app.add_handler(
        MessageHandler(private & f.UpdateType.MESSAGE & f.TEXT, turn(front_end.on_text))
    )
    app.add_handler(
        MessageHandler(
            private & f.UpdateType.MESSAGE & _UNSUPPORTED, turn(front_end.on_unsupported)
        )
    )
    app.add_handler(
        MessageHandler(private & f.UpdateType.EDITED_MESSAGE, turn(front_end.on_edited))
    )
    app.add_handler(CallbackQueryHandler(turn(front_end.on_button)))
    # A later group runs after the handler above, whichever it was (or none): the turn is done.
    app.add_handler(TypeHandler(Update, front_end.finish), group=1)
    app.add_error_handler(front_end.on_error)
    return app


def front_end_of(app: Application) -> FrontEnd:  # type: ignore[type-arg]
    front_end: FrontEnd = app.bot_data[_FRONT_END]
    return front_end


async def _every(seconds: float, duty: Callable[[], Awaitable[object]], name: str) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await duty()
        except Exception as error:  # noqa: BLE001 - a background duty must outlive one failure
            logger.error("%s failed: %s", name, type(error).__name__)


async def serve(app: Application, settings: Settings, stop: asyncio.Event) -> None:  # type: ignore[type-arg]
    """Run until ``stop`` is set: updates in, the waiting queue and the outbox in the background."""
    front_end = front_end_of(app)
    courier = OutboxCourier(front_end.store, front_end.front_end_key)

    async def deliver(chat_id: int, delivery: Delivery) -> int | None:
        return await front_end.deliver(app.bot, chat_id, delivery)

    # Cases shared before migration 0010 name their person in clear until sealed here, before
    # anything looks a person's cases up.
    sealed = await asyncio.to_thread(front_end.store.seal_legacy_cases, front_end.front_end_key)
    if sealed:
        logger.info("sealed the person's link on %d earlier cases", sealed)
    async with app:
        await _set_menu(app)
        # What a crash left unfinished comes first, in order, before any new update.
        await front_end.replay(app)
        webhook = None
        if settings.telegram_webhook_url:
            webhook = await _start_webhook(app, settings)
        else:
            await app.bot.delete_webhook()
            assert app.updater is not None  # noqa: S101 - built with an updater in polling mode
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        await app.start()
        duties = [
            asyncio.create_task(
                _every(RETRY_WAITING_SECONDS, lambda: front_end.retry_waiting(app.bot), "retry")
            ),
            asyncio.create_task(
                _every(OUTBOX_SECONDS, lambda: courier.deliver_pending(deliver), "outbox")
            ),
        ]
        if settings.staff_chat_id is not None:
            ping = StaffPing(front_end.store, settings.staff_chat_id)
            duties.append(
                asyncio.create_task(
                    _every(STAFF_PING_SECONDS, lambda: ping.run_once(app.bot), "staff ping")
                )
            )
        logger.info("Telegram front end running (%s)", "webhook" if webhook else "long polling")
        try:
            await stop.wait()
        finally:
            for duty in duties:
                duty.cancel()
            if webhook is not None:
                webhook[0].should_exit = True
                await webhook[1]
            elif app.updater is not None:
                await app.updater.stop()
            await app.stop()
            await front_end.rasa.aclose()


async def _set_menu(app: Application) -> None:  # type: ignore[type-arg]
    """The command menu Telegram shows beside the text field; the commands work without it."""
    try:
        await app.bot.set_my_commands(menu(catalogue(ENGLISH)))
        # Telegram shows a phone set to Polish the Polish menu; its tags have no script, so
        # Shahmukhi Punjabi keeps the default.
        for code, texts in catalogues().items():
            if code != ENGLISH and "-" not in code:
                await app.bot.set_my_commands(menu(texts), language_code=code)
    except TelegramError as error:
        logger.error("the command menu could not be set: %s", type(error).__name__)


class MalformedUpdateError(ValueError):
    """A pushed body that is not a Telegram update python-telegram-bot can read."""


def update_of(data: object, bot: Bot) -> Update:
    """The update in a webhook body; raises MalformedUpdateError (a 400, not a 500).

    PTB's ``de_json`` trusts the Bot API's types: a number where an object belongs raises
    AttributeError or TypeError from deep inside it, which was a 500 and Telegram's resending.
    """
    if not isinstance(data, dict):
        raise MalformedUpdateError("not an object")
    update_id = data.get("update_id")
    # Telegram's ids are positive and fit the inbox's BIGINT column.
    if isinstance(update_id, bool) or not isinstance(update_id, int) or not 0 <= update_id < 2**63:
        raise MalformedUpdateError("no update_id Telegram could have sent")
    try:
        return Update.de_json(data, bot)
    except (TypeError, AttributeError, KeyError, ValueError, OverflowError) as error:
        raise MalformedUpdateError(type(error).__name__) from None


async def _start_webhook(
    app: Application,  # type: ignore[type-arg]
    settings: Settings,
) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    secret = settings.telegram_webhook_secret()
    url = settings.telegram_webhook_url or ""

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            logger.warning("webhook: an update without the right secret token was refused")
            return Response(status_code=403)
        try:
            update = update_of(await request.json(), app.bot)
        except ValueError:
            return Response(status_code=400)
        try:
            # Durably recorded before Telegram hears 200 (bot/frontdoor/inbox.py).
            await app.update_queue.put(update)
        except InboxUnavailableError:
            return Response(status_code=503)  # not taken: Telegram sends it again
        return Response()

    await app.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route(urlsplit(url).path or "/", receive, methods=["POST"])]),
            host=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            log_level="warning",
            # An access line would add nothing but the client's address.
            access_log=False,
        )
    )
    # uvicorn captures SIGINT/SIGTERM while serving and raises them again once it has stopped,
    # so the process's own handlers still end the rest of the front end.
    return server, asyncio.create_task(server.serve())


def main(settings: Settings) -> int:
    install_log_hygiene()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s"
    )
    # httpx logs every URL at INFO, and Bot API URLs contain the token; PTB logs payloads at DEBUG.
    for noisy in ("httpx", "httpcore", "telegram", "uvicorn"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app = create_app(settings)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve(app, settings, stop)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0
