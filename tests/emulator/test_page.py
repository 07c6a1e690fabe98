"""The chat page in real Chromium: a person types, the bot (a real PTB ``Bot``) answers with a
button, the person clicks it, and a deletion shows as "Message deleted"."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright, expect
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from tests.emulator.support import Running
from tests.support import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

SCREENSHOT = SCREENSHOTS / "emulator-chat.png"
USER = 31337

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (never playwright install)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


async def test_a_person_chats_presses_a_button_and_sees_a_deletion(
    browser: Browser, bot: Bot, emulator_server: Running
) -> None:
    page = await browser.new_page(viewport={"width": 800, "height": 640})
    await page.goto(f"{emulator_server.url}/?user={USER}")
    await expect(page.get_by_label("User id")).to_have_value(str(USER))

    await page.get_by_role("textbox", name="Message", exact=True).fill("Hello, is anyone there?")
    await page.keyboard.press("Enter")
    log = page.get_by_role("log", name="Messages")
    await expect(log.locator(".message.user")).to_contain_text("Hello, is anyone there?")

    updates = await bot.get_updates(timeout=5)
    said = updates[0].message
    assert said is not None and said.text == "Hello, is anyone there?"
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Yes, I'm safe", callback_data="/affirm")],
            [InlineKeyboardButton("Not right now", callback_data="/deny")],
        ]
    )
    await bot.send_message(USER, "Hello. Are you somewhere safe to talk?", reply_markup=keyboard)
    # Keyboard use: the inline button takes focus and Enter presses it.
    await page.get_by_role("button", name="Yes, I'm safe").focus()
    await page.keyboard.press("Enter")

    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=5)
    query = updates[0].callback_query
    assert query is not None and query.data == "/affirm"
    await bot.answer_callback_query(query.id, text="Thank you")
    await expect(page.get_by_role("status")).to_have_text("Thank you")
    await bot.send_message(USER, "Thank you. You can type /exit at any time to clear this chat.")
    assert await bot.delete_messages(USER, [said.message_id])
    await expect(log.locator(".message.deleted")).to_have_count(1)
    await expect(log.locator(".message.deleted")).to_contain_text("Message deleted")
    await expect(log.locator(".message")).to_have_count(3)

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT))
