"""/receipt and /resume on the real front end and the emulator (issue 12): the words are shown
once, never reach Rasa or a log, the /resume message is deleted, and a second account takes
the case over, replies and answers both ways; a wrong receipt and too many tries are refused."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import select

from bot.core.crypto import KdfParams
from bot.core.db import relay
from bot.core.db.audit import Actor
from bot.core.db.models import Author
from bot.core.db.receipt_models import Receipt
from bot.core.db.receipts import PER_PERSON_TRIES
from bot.core.languages import ENGLISH
from bot.core.locale import catalogue
from bot.frontdoor.telegram_frontend import FrontEnd
from tests.frontdoor.support import (
    FakeRasa,
    Person,
    pinned_partner,
    plain,
    restart_user_ids,
    running,
    texts_of,
)
from tests.support_cases import open_case, read_thread

EN = catalogue(ENGLISH)
CASEWORKER = Actor("caseworker")


def receipt_in(text: str) -> str:
    """The words, read back the way a person would copy them from the message."""
    before, _, after = EN.say("receipt_given", receipt="\0").partition("\0")
    assert text.startswith(before) and text.endswith(after), text
    return text[len(before) : len(text) - len(after)]


def reply(front_end: FrontEnd, handoff_id: str, text: str) -> None:
    db = front_end.store.db
    with db.transaction() as session:
        relay.reply_to_person(
            session,
            handoff_id,
            text,
            front_end.front_end_key.courier_public_key(),
            CASEWORKER,
            now=db.now(),
            firewall=db.firewall,
        )


async def test_a_second_account_comes_back_with_the_receipt_and_talks_with_the_caseworker(
    rasa: FakeRasa,
    control: httpx.AsyncClient,
    fast_kdf: KdfParams,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    organisation_id, keys = pinned_partner(rasa.settings)
    async with running(rasa.settings) as (_, front_end):
        front_end.store.receipt_kdf = fast_kdf
        first = Person(next(restart_user_ids), control, front_end)
        second = Person(next(restart_user_ids), control, front_end)
        await first.say("hello")
        await first.answers(1)
        handoff_id = open_case(
            front_end.store.db, first.pseudonym, organisation_id, key=front_end.front_end_key
        )

        await first.say("/receipt")
        words = receipt_in(plain((await first.answers(2))[-1]["text"]))
        assert len(words.split()) == 7

        await second.say("/resume   " + words.upper().replace(" ", "  "))
        chat = await second.wait_for(
            lambda c: EN.say("resumed") in texts_of(c), "the second account is back"
        )
        (typed,) = [m for m in chat["messages"] if m["from"] != "bot"]
        assert typed["deleted"], "the /resume message with the words is gone from the chat"
        assert front_end.state.with_caseworker(second.pseudonym)

        reply(front_end, handoff_id, "Hello again, this is Sam.")
        await second.wait_for(
            lambda c: any("Hello again, this is Sam." in t for t in texts_of(c)),
            "the caseworker's reply in the second account's chat",
        )
        await second.say("I had to change phones")
        await second.wait_for(lambda c: EN.say("relayed") in texts_of(c), "passed on")

    thread = read_thread(front_end.store.db, handoff_id, keys, CASEWORKER)
    assert [(author, text) for author, _, text in thread] == [
        (Author.STAFF, "Hello again, this is Sam."),
        (Author.PERSON, "I had to change phones"),
    ]
    assert all("/re" not in call["message"] for call in rasa.calls)
    assert [call["message"] for call in rasa.calls] == ["hello"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    # The secret is the seven words together: single common words occur in ordinary log lines
    # (migration notes, library messages), so each word alone would fail by chance.
    assert " ".join(words.lower().split()) not in " ".join(logged.lower().split())
    with front_end.store.db.transaction() as session:
        assert session.scalars(select(Receipt.handoff_id)).all() == [handoff_id]


async def test_a_wrong_receipt_no_words_and_no_case_each_get_a_kind_answer(
    rasa: FakeRasa, control: httpx.AsyncClient, fast_kdf: KdfParams
) -> None:
    async with running(rasa.settings) as (_, front_end):
        front_end.store.receipt_kdf = fast_kdf
        someone = Person(next(restart_user_ids), control, front_end)
        await someone.say("/receipt")
        await someone.wait_for(lambda c: EN.say("receipt_no_case") in texts_of(c), "no case")
        await someone.say("/resume")
        await someone.wait_for(lambda c: EN.say("resume_how") in texts_of(c), "how to")
        await someone.say("/resume apple bread crane daisy eagle fabric garden")
        chat = await someone.wait_for(
            lambda c: EN.say("resume_refused") in texts_of(c), "a kind refusal"
        )
        assert not front_end.state.with_caseworker(someone.pseudonym)
        typed = [m["deleted"] for m in chat["messages"] if m["from"] != "bot"]
        assert typed == [False, True, True]  # /receipt stays; both /resume messages are gone
    assert rasa.calls == []


async def test_too_many_tries_are_refused_even_with_the_right_words(
    rasa: FakeRasa, control: httpx.AsyncClient, fast_kdf: KdfParams
) -> None:
    organisation_id, _ = pinned_partner(rasa.settings)
    async with running(rasa.settings) as (_, front_end):
        front_end.store.receipt_kdf = fast_kdf
        owner = Person(next(restart_user_ids), control, front_end)
        guesser = Person(next(restart_user_ids), control, front_end)
        open_case(front_end.store.db, owner.pseudonym, organisation_id, key=front_end.front_end_key)
        await owner.say("/receipt")
        words = receipt_in(plain((await owner.answers(1))[-1]["text"]))
        for number in range(1, PER_PERSON_TRIES + 1):
            await guesser.say(f"/resume wrong words number {number}")
            await guesser.wait_for(
                lambda c, n=number: texts_of(c).count(EN.say("resume_refused")) == n, "refused"
            )
        await guesser.say("/resume " + words)
        await guesser.wait_for(lambda c: EN.say("resume_too_many") in texts_of(c), "the limit")
        assert not front_end.state.with_caseworker(guesser.pseudonym)
