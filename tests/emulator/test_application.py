"""A python-telegram-bot ``Application`` polling the emulator, the way the front end runs."""

from __future__ import annotations

import asyncio
import time

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.emulator.support import TOKEN, Running

USER = 777


async def start(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Welcome",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Go on", callback_data="go")]]),
    )


async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"You chose {query.data}")


async def shared_location(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.delete()


async def wait_for(control: httpx.AsyncClient, check: object) -> list[dict[str, object]]:
    deadline = time.monotonic() + 10
    while True:
        messages = (await control.get(f"/_emulator/users/{USER}/chat")).json()["messages"]
        if callable(check) and check(messages):
            return list(messages)
        assert time.monotonic() < deadline, messages
        await asyncio.sleep(0.05)


async def test_polling_application_handles_commands_buttons_and_locations(
    emulator_server: Running, control: httpx.AsyncClient
) -> None:
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emulator_server.base_url)
        .base_file_url(f"{emulator_server.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    application.add_handler(MessageHandler(filters.LOCATION, shared_location))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=5)
        try:
            await control.post(f"/_emulator/users/{USER}/messages", json={"text": "/start"})
            await wait_for(control, lambda ms: len(ms) == 2)
            await control.post(f"/_emulator/users/{USER}/press", json={"text": "Go on"})
            messages = await wait_for(control, lambda ms: ms[1]["text"] == "You chose go")
            assert messages[1]["buttons"] == [] and messages[1]["edited"]
            await control.post(f"/_emulator/users/{USER}/messages", json={"location": True})
            messages = await wait_for(control, lambda ms: len(ms) == 3 and ms[2]["deleted"])
            assert messages[2]["text"] is None
        finally:
            await application.updater.stop()
            await application.stop()
