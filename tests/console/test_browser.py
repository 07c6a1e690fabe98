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
from bot.core.models import Urgency
from tests.support import CHROMIUM, CHROMIUM_ARGS, free_port

from .conftest import WORKER, World

pytestmark = pytest.mark.browser


@pytest.fixture
def console_url(world: World) -> Iterator[str]:
    app = create_app(
        world.settings, engine=world.store.engine, clock=world.clock, secure_cookies=False
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
