"""Issue 10's journey in every language, everything real: a person whose phone is set to the
language chooses it by its own name at /start, gets the safety question in it, writes a danger
message in it and gets 999 and Silent Solution in it, asks for help and gets services with the
labels in it, completes a report, shares it; a caseworker reads it in the console (the questions
in English beside the answers, the language named) and replies; the reply arrives in the
person's language.

The typed messages come from tests/e2e/languages/<code>.yml (machine-drafted, none of them in
the training data); every expected text comes from the language's catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.crypto import FrontEndKey
from bot.core.db.store import Database, create_engine_for
from bot.core.languages import BY_CODE, LANGUAGES
from bot.core.locale import (
    LEFT_TO_RIGHT_ISOLATE,
    POP_DIRECTIONAL_ISOLATE,
    Catalogue,
    catalogue,
    catalogues,
)
from bot.core.pseudonym import pseudonym_for
from tests.e2e.emulated import (
    Lantern,
    Person,
    bot_messages,
    bot_text,
    labels,
    sign_in_demo_caseworker,
)
from tests.support import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.support_cases import cases_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

CASES = Path(__file__).parent / "languages"
SPOKEN = sorted(path.stem for path in CASES.glob("*.yml") if path.stem in catalogues())
REPLY = "Thank you for writing. We will answer in your language."

# The report as the person's buttons answer it: (the question's response, the payload pressed).
REPORT_BUTTONS = (
    ("utter_ask_abuse_kinds", '/inform{{"abuse_kind": "physical"}}'),
    ("utter_ask_abuse_kinds", "/affirm"),
    ("utter_ask_last_happened", '/inform{{"last_happened": "this_week"}}'),
    ("utter_ask_ongoing", "/affirm"),
    ("utter_ask_children_in_home", "/deny"),
    ("utter_ask_nation", '/inform{{"nation": "england"}}'),
    ("utter_ask_region", '/inform{{"region": "north_east"}}'),
    ("utter_ask_help_wanted", '/inform{{"help_type": "caseworker"}}'),
    ("utter_ask_consent_to_share", "/affirm"),
    ("utter_ask_safe_contact_time", '/inform{{"contact_time": "evening"}}'),
    ("utter_ask_risk_questions_ok", "/deny"),
)
# What each press is answered with (the next question, or the report's end).
ANSWERED_WITH = (
    "utter_abuse_kinds_chosen",
    "utter_ask_last_happened",
    "utter_ask_ongoing",
    "utter_ask_children_in_home",
    "utter_ask_nation",
    "utter_ask_region",
    "utter_ask_help_wanted",
    "utter_ask_consent_to_share",
    "utter_ask_safe_contact_time",
    "utter_ask_risk_questions_ok",
    "utter_report_shared",
)


def opening(texts: Catalogue, response: str) -> str:
    """The first line of a response in the language, up to any {placeholder}: what to wait for."""
    text = str(texts.responses[response][0]["text"])
    return text.split("{", maxsplit=1)[0].split("\n", maxsplit=1)[0].strip()


def title(texts: Catalogue, response: str, payload: str) -> str:
    buttons = texts.responses[response][0]["buttons"]
    return str(next(button["title"] for button in buttons if button["payload"] == payload))


def phone_setting(code: str) -> str:
    """What Telegram sends for a phone set to the language: no script subtag for Shahmukhi."""
    return code.split("-", maxsplit=1)[0]


@pytest.fixture(scope="module")
def console_page(lantern: Lantern) -> Iterator[Any]:
    """The demo caseworker, signed in to the console in Chromium once for every language."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        sign_in_demo_caseworker(page, lantern)
        yield page
        browser.close()


def test_every_language_with_a_catalogue_has_a_journey() -> None:
    assert set(SPOKEN) == set(catalogues()) - {"en"}


@pytest.mark.parametrize("code", SPOKEN)
def test_a_whole_conversation_in_the_persons_language(
    lantern: Lantern, console_page: Any, code: str
) -> None:
    from playwright.sync_api import expect

    texts, typed = catalogue(code), yaml.safe_load((CASES / f"{code}.yml").read_text("utf-8"))
    someone = Person(lantern.front.emulator, language_code=phone_setting(code))

    # Given /start: every language by its own name, the phone's first (a hint, not a choice),
    # asked in the phone's language (Shahmukhi Punjabi's phone says only "pa")
    someone.say("/start")
    chat = someone.wait_for_bot_text(catalogue(phone_setting(code)).say("choose_language"))
    offered = labels(chat)
    assert {language.endonym for language in LANGUAGES} <= set(offered)
    assert offered[0] == BY_CODE[phone_setting(code)].endonym
    # When they choose theirs, then the safety question comes first, in it
    someone.press(BY_CODE[code].endonym)
    someone.wait_for_bot_text(opening(texts, "utter_greet"))
    someone.press(title(texts, "utter_greet", "/affirm"))
    someone.wait_for_bot_text(opening(texts, "utter_what_next"))

    # When they write that they are in danger, then 999 and the Silent Solution, in their language
    someone.say(typed["danger"])
    chat = someone.wait_for_bot_text(opening(texts, "utter_emergency"))
    sent = next(
        m["text"]
        for m in bot_messages(chat)
        if opening(texts, "utter_emergency") in bot_text({"messages": [m]})
    )
    assert "999" in sent and "55" in sent
    if texts.right_to_left:
        assert f"{LEFT_TO_RIGHT_ISOLATE}999{POP_DIRECTIONAL_ISOLATE}" in sent

    # When they ask for help, then services, with the card's labels in their language
    someone.say(typed["help_request"])
    someone.wait_for_bot_text(opening(texts, "utter_services_intro"))
    someone.wait_for_bot_text(texts.card("for", who="").strip())

    # When they tell what happened and answer with the buttons, then the report is shared
    someone.say(typed["report_start"])
    someone.wait_for_bot_text(opening(texts, "utter_ask_report_account"))
    someone.say(typed["account"])
    someone.wait_for_bot_text(opening(texts, "utter_ask_abuse_kinds"))
    for (question, payload), answer in zip(REPORT_BUTTONS, ANSWERED_WITH, strict=True):
        someone.press(title(texts, question, payload))
        someone.wait_for_bot_text(opening(texts, answer))

    # Then a caseworker reads it in the console: English questions beside the person's answers
    pseudonym = pseudonym_for(someone.user_id, lantern.settings.pseudonym_key())
    db = Database(create_engine_for(lantern.settings))
    (handoff,) = cases_of(db, pseudonym, FrontEndKey(lantern.settings.front_end_key()))
    page = console_page
    page.goto(f"{lantern.console}/cases/{handoff.id}")
    page.get_by_role("button", name="Claim").click()
    page.wait_for_selector("text=You have claimed this case.")
    report = page.locator("dl.report")
    expect(report).to_contain_text("What has been happening, in their words")
    expect(report).to_contain_text(typed["account"].split(".")[0])
    expect(report).to_contain_text("The language they wrote in")
    expect(report).to_contain_text(BY_CODE[code].endonym)
    expect(report).to_contain_text("Kind of abuse")

    # And their reply reaches the person, introduced in the person's language
    page.get_by_label("Reply to the person").fill(REPLY)
    page.get_by_role("button", name="Send reply").click()
    chat = someone.wait_for_bot_text(REPLY)
    introduced = texts.say("from_caseworker", text=REPLY, back="").split(REPLY)[0].strip()
    assert introduced in bot_text(chat)

    if texts.right_to_left:
        # And the chat page shows their language right to left with 999 and /exit intact
        chat_page = page.context.browser.new_page()
        chat_page.goto(f"{lantern.front.emulator}/?user={someone.user_id}")
        # The page's text holds the isolates, so the emergency message is found by its 55
        emergency_text = chat_page.locator(".message.bot .text").filter(has_text="55")
        expect(emergency_text.first).to_contain_text("999")
        assert emergency_text.first.evaluate("e => e.matches(':dir(rtl)')")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        chat_page.screenshot(path=str(SCREENSHOTS / f"chat-{code}.png"), full_page=True)
        chat_page.close()
