"""The console in real Chromium (Debian's, launched by path): sign in, queue, case, reply.

The README's screenshots come from the whole journey in tests/e2e/test_caseworker_journey.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from bot.console.app import create_app
from bot.core.report_fields import Urgency
from tests.support import CHROMIUM, CHROMIUM_ARGS, free_port

from .conftest import WORKER, World

pytestmark = pytest.mark.browser


@pytest.fixture
def console_url(world: World) -> Iterator[str]:
    app = create_app(
        world.settings.for_console(),
        engine=world.db.engine,
        clock=world.clock,
        secure_cookies=False,
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_sign_in_see_the_queue_open_a_case_and_reply(world: World, console_url: str) -> None:
    from playwright.sync_api import sync_playwright

    world.submit(urgency=Urgency.STANDARD, region="yorkshire")
    world.clock.advance(minutes=5)
    case_id = world.submit(
        urgency=Urgency.VERY_HIGH, story="He has threatened to kill me and I am scared to go home."
    )
    world.clock.advance(minutes=5)
    world.submit(urgency=Urgency.HIGH, region="south_west")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.goto(f"{console_url}/sign-in")
        page.get_by_label("Login name").fill(WORKER.login)
        page.get_by_label("Passphrase").fill(WORKER.passphrase)
        page.get_by_label("Code from your authenticator app").fill(world.code(WORKER.login))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("table.queue")
        rows = page.locator("table.queue tbody tr")
        assert rows.count() == 3
        assert "very high" in rows.nth(0).inner_text()
        rows.nth(0).get_by_role("button", name="Claim").click()
        # Claiming opens the case.
        page.wait_for_selector("text=You have claimed this case.")
        assert page.url.endswith(f"/cases/{case_id}")
        assert "threatened to kill me" in page.inner_text("main")
        page.get_by_label("Reply to the person").fill(
            "Thank you for telling us. If you are in danger now, call 999. "
            "When is a safe time for us to write again?"
        )
        page.get_by_role("button", name="Send reply").click()
        page.wait_for_selector("text=Thank you for telling us")
        browser.close()


def _luminance(rgb: str) -> float:
    """WCAG relative luminance of a computed ``rgb(r, g, b)`` colour."""
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# Each visible text element with the nearest ancestor that paints a background.
_TEXT_COLOURS = """() => {
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const colour = getComputedStyle(e).backgroundColor;
      if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  return [...document.querySelectorAll('body *')]
    .filter((e) => e.offsetParent !== null && [...e.childNodes].some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
    .map((e) => [e.tagName + '.' + e.className, getComputedStyle(e).color, background(e)]);
}"""
_UNLABELLED = """() => [...document.querySelectorAll(
  'input:not([type=hidden]), select, textarea')].filter((e) => !e.labels || !e.labels.length)
  .map((e) => e.name)"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_keyboard_only_on_a_small_laptop_with_labels_and_contrast(
    world: World, console_url: str
) -> None:
    """Given a 1280x720 screen and no mouse, When a caseworker signs in with the keyboard alone
    and opens each page, Then nothing scrolls sideways, every field has a label and all text
    meets WCAG AA contrast (4.5:1)."""
    from playwright.sync_api import expect, sync_playwright

    case_id = world.submit(urgency=Urgency.VERY_HIGH)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{console_url}/sign-in")
        # The login field has focus on arrival; Tab moves through the form in reading order.
        expect(page.get_by_label("Login name")).to_be_focused()
        page.keyboard.type(WORKER.login)
        page.keyboard.press("Tab")
        page.keyboard.type(WORKER.passphrase)
        page.keyboard.press("Tab")
        page.keyboard.type(world.code(WORKER.login))
        page.keyboard.press("Enter")
        page.wait_for_selector("table.queue")
        for path in ("/", f"/cases/{case_id}", "/statistics", "/directory"):
            page.goto(f"{console_url}{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, overflow)
            assert page.evaluate(_UNLABELLED) == [], path
            low = [
                (element, round(_contrast(colour, background), 2))
                for element, colour, background in page.evaluate(_TEXT_COLOURS)
                if _contrast(colour, background) < 4.5
            ]
            assert low == [], (path, low)
        browser.close()
