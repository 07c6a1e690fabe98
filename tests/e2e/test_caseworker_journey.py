"""Issue 5's journey, everything real: a person reports through the Bot API emulator and the
Telegram front end to Rasa and the action server; the demo caseworker signs in to the console
(`python -m bot console`) in Debian's Chromium with passphrase and TOTP, claims and reads the
case, replies; the reply arrives in that person's chat, their answer appears in the case thread,
the case is closed and the statistics page counts it.

Saves docs/screenshots/console-queue.png and console-case.png for the README.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core.config import Settings
from bot.core.crypto import FrontEndKey
from bot.core.db.audit import SYSTEM
from bot.core.db.handoffs import close_handoff
from bot.core.db.models import Handoff, HandoffStatus, Organisation
from bot.core.db.store import Database, HandoffFields, create_engine_for
from bot.core.firewall import REDACTION_MARK
from bot.core.pseudonym import pseudonym_for
from bot.core.report_fields import Urgency
from tests.e2e.emulated import Lantern, Person, bot_text, sign_in_demo_caseworker
from tests.support import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.support_cases import cases_of, open_case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

STORY = "He pushes me and locks me in the flat when he goes out. He broke the blue kettle."
ANSWER = "Evenings are safest. My BRP card is in his drawer and he hides the blue kettle money."
REPLY = "Thank you for telling us. Is it safe for us to write to you in the evening?"
SUPPRESS_BELOW = 5


def report_through_telegram(someone: Person) -> None:
    """The person's side: a short report with buttons, shared with a caseworker."""
    steps = [
        ("say", "I want to report what my partner does", "what has been happening"),
        ("say", STORY, "What kind of abuse"),
        ("press", "Physical", "Chosen so far: Physical"),
        ("press", "Done", "When did it last happen?"),
        ("press", "This week", "Is it still going on?"),
        ("press", "Yes", "children living in the home"),
        ("press", "No", "Which part of the UK"),
        ("press", "England", "Which part of England?"),
        ("press", "North East", "What would help most?"),
        ("press", "A caseworker to contact me", "Would you like a caseworker"),
        ("press", "Yes, share it", "When is it safest"),
        ("press", "Evening", "a few more questions"),
        ("press", "No, finish here", "passed to a charity caseworker"),
    ]
    for how, what, then in steps:
        if how == "say":
            someone.say(what)
        else:
            someone.press(what)
        someone.wait_for_bot_text(then)


def the_handoff_of(settings: Settings, someone: Person) -> Handoff:
    pseudonym = pseudonym_for(someone.user_id, settings.pseudonym_key())
    db, key = Database(create_engine_for(settings)), FrontEndKey(settings.front_end_key())
    handoffs = cases_of(db, pseudonym, key)
    assert len(handoffs) == 1, "the conversation should have created exactly one handoff"
    return handoffs[0]


def close_earlier_cases_with_advice(settings: Settings, organisation_id: str) -> int:
    """Enough earlier cases closed with advice that one more crosses the suppression line;
    returns how many such cases there are now."""
    db = Database(create_engine_for(settings))
    with db.transaction() as session:
        closed = session.scalar(
            select(func.count())
            .select_from(Handoff)
            .where(Handoff.organisation_id == organisation_id)
            .where(Handoff.outcome == "advice_given")
        )
    for index in range(max(0, SUPPRESS_BELOW - 1 - int(closed or 0))):
        handoff_id = open_case(
            db,
            f"{index:064x}",
            organisation_id,
            HandoffFields(urgency=Urgency.STANDARD, consent=True),
            {"what_happened": "an earlier case"},
            key=FrontEndKey(settings.front_end_key()),
        )
        with db.transaction() as session:
            close_handoff(session, handoff_id, "advice_given", None, SYSTEM, now=db.now())
        closed = int(closed or 0) + 1
    return int(closed or 0)


def test_a_caseworker_answers_a_report_made_in_telegram(lantern: Lantern) -> None:
    from playwright.sync_api import expect, sync_playwright

    someone = Person(lantern.front.emulator)
    someone.start()
    someone.wait_for_bot_text("safe to talk")
    someone.press("Yes, I can talk")
    someone.wait_for_bot_text("What would you like to do?")
    report_through_telegram(someone)
    handoff = the_handoff_of(lantern.settings, someone)
    assert handoff.status is HandoffStatus.OPEN
    assert (handoff.region, handoff.safe_contact_time) == ("north_east", "evening")
    with Database(create_engine_for(lantern.settings)).transaction() as session:
        assert session.get(Organisation, handoff.organisation_id) is not None
    advice_cases = close_earlier_cases_with_advice(lantern.settings, handoff.organisation_id)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        sign_in_demo_caseworker(page, lantern)
        page.wait_for_selector("table.queue")

        # The queue shows the fixed-choice answers only; this person's case is in it.
        row = page.locator("table.queue tbody tr").filter(
            has=page.locator(f'a[href="/cases/{handoff.id}"]')
        )
        expect(row).to_have_count(1)
        expect(row).to_contain_text("north east")
        expect(row).not_to_contain_text("blue kettle")
        page.screenshot(path=str(SCREENSHOTS / "console-queue.png"), full_page=True)
        row.get_by_role("button", name="Claim").click()
        page.wait_for_selector("text=You have claimed this case.")
        assert page.url.endswith(f"/cases/{handoff.id}")
        expect(page.locator("dl.report")).to_contain_text("He broke the blue kettle")

        page.get_by_label("Reply to the person").fill(REPLY)
        page.get_by_role("button", name="Send reply").click()
        expect(page.locator("ol.thread")).to_contain_text(REPLY)

        # The reply reaches the person's chat through the outbox and the front end.
        someone.wait_for_bot_text(REPLY)
        someone.say(ANSWER)
        someone.wait_for_bot_text("Sent to your caseworker")

        page.reload()
        person_says = page.locator("ol.thread li.person")
        expect(person_says).to_contain_text("Evenings are safest", timeout=30_000)
        expect(person_says).to_contain_text(REDACTION_MARK)
        expect(person_says).not_to_contain_text("BRP")
        page.screenshot(path=str(SCREENSHOTS / "console-case.png"), full_page=True)

        page.get_by_label("Advice given").check()
        page.get_by_role("button", name="Close case").click()
        # Back to the queue, which no longer lists the closed case.
        page.wait_for_selector("h1:has-text('Queue')")
        expect(page.locator(f'a[href="/cases/{handoff.id}"]')).to_have_count(0)
        page.goto(f"{lantern.console}/cases/{handoff.id}")
        expect(page.locator("p.status")).to_contain_text("Closed: Advice given")

        page.goto(f"{lantern.console}/statistics")
        advice = page.locator("section[aria-labelledby='h-outcome'] tbody tr").filter(
            has_text="advice given"
        )
        expect(advice.locator("td").nth(1)).to_have_text(str(advice_cases + 1))
        browser.close()

    # The person's chat never showed a case id, and nothing of theirs reached the wrong case.
    assert handoff.id not in bot_text(someone.chat())
