"""The front end's durable state (issue 12) on SQLite and the real PostgreSQL server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, text

from bot.core.crypto import FrontEndKey
from bot.core.db.frontdoor_state import DELETABLE_FOR, FrontDoorState, FrontDoorStateError
from bot.core.pseudonym import pseudonym_for

KEY = FrontEndKey(b"k" * 32)
CHAT_ID = 987_654_321
PERSON = pseudonym_for(CHAT_ID, b"p" * 32)
WORDS = "he took my passport"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def everything_stored(engine: Engine) -> bytes:
    """Every value of every front-end table, as the database holds it."""
    dump = b""
    with engine.connect() as connection:
        for table in (
            "frontdoor_people",
            "frontdoor_trail",
            "frontdoor_waiting",
            "frontdoor_buttons",
            "frontdoor_inbox",
        ):
            for row in connection.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                dump += b"|".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
    return dump


def test_a_new_instance_on_the_same_database_carries_on(engine: Engine) -> None:
    first = FrontDoorState(engine, KEY)
    first.choose_language(PERSON, "pl")
    first.set_with_caseworker(PERSON, True)
    first.hold(CHAT_ID, PERSON, "first", 11)
    first.hold(CHAT_ID, PERSON, WORDS, 12)
    first.remember_message(PERSON, 41, first.now())
    first.remember_button("#abc", '/inform{"x": 1}')

    second = FrontDoorState(engine, KEY)
    assert second.language(PERSON) == "pl"
    assert second.with_caseworker(PERSON)
    assert second.waiting_texts(PERSON) == ["first", WORDS]
    item = second.first_waiting(PERSON)
    assert item is not None and (item.chat_id, item.update_id) == (CHAT_ID, 11)
    second.waiting_done(item)
    assert second.waiting_texts(PERSON) == [WORDS]
    assert second.waiting_people() == [PERSON]
    assert second.button("#abc") == '/inform{"x": 1}'
    assert [e.message_id for e in second.take_trail(PERSON)[0]] == [41]


def test_no_chat_id_word_message_id_or_language_is_stored_in_clear(engine: Engine) -> None:
    state = FrontDoorState(engine, KEY)
    state.choose_language(PERSON, "pa-Arab")
    state.hold(CHAT_ID, PERSON, WORDS)
    state.remember_message(PERSON, 777_123, state.now())
    update = {"message": {"text": WORDS, "chat": {"id": CHAT_ID}}}
    state.receive(5_000_001, PERSON, update, "f5_000_001")
    stored = everything_stored(engine)
    for secret in (str(CHAT_ID), WORDS, "777123", "pa-Arab"):
        assert secret.encode() not in stored, secret


def test_the_trail_leaves_out_what_is_too_old_to_delete_and_counts_it(engine: Engine) -> None:
    clock = Clock()
    state = FrontDoorState(engine, KEY, clock)
    start = clock.now
    state.remember_message(PERSON, 1, start)
    state.remember_message(PERSON, 2, start + timedelta(hours=1))
    clock.now = start + DELETABLE_FOR + timedelta(minutes=30)
    # Pruned as it goes: message 1 is past 47 hours when message 3 is remembered.
    state.remember_message(PERSON, 3, clock.now)
    assert state.trail_count(PERSON) == 2
    fresh, too_old = state.take_trail(PERSON)
    assert ([entry.message_id for entry in fresh], too_old) == ([2, 3], 1)
    assert state.take_trail(PERSON) == ([], 0)


def test_aged_ids_go_for_people_who_never_come_back_too(engine: Engine) -> None:
    clock = Clock()
    state = FrontDoorState(engine, KEY, clock)
    other = pseudonym_for(CHAT_ID + 1, b"p" * 32)
    state.remember_message(other, 1, clock.now)
    clock.now += DELETABLE_FOR + timedelta(minutes=1)
    state.remember_message(PERSON, 2, clock.now)
    assert state.trail_count(other) == 0
    assert state.take_trail(other) == ([], 1)


def test_the_inbox_takes_an_update_once_and_forgets_its_words_when_done(engine: Engine) -> None:
    clock = Clock()
    state = FrontDoorState(engine, KEY, clock)
    assert state.receive(10, PERSON, {"update_id": 10, "text": WORDS}, "f10")
    assert not state.receive(10, PERSON, {"update_id": 10, "text": WORDS}, "f10")
    assert state.receive(9, None, {"update_id": 9}, "f9")
    assert [update_id for update_id, _ in state.unfinished()] == [9, 10]
    state.finish(10)
    assert state.is_done(10)
    assert [update_id for update_id, _ in state.unfinished()] == [9]
    assert not state.receive(10, PERSON, {"update_id": 10}, "f10")  # done, and still a repeat
    # The same id for another update (the id sequence started again): not a repeat.
    assert state.receive(10, PERSON, {"update_id": 10, "text": "other"}, "g10")
    assert [update_id for update_id, _ in state.unfinished()] == [9, 10]
    state.finish(10)
    clock.now += timedelta(days=3)
    state.finish(9)  # prunes done ids older than Telegram could ever redeliver
    assert not state.is_done(10)


def test_the_quick_exit_forgets_everything_but_done_update_ids(engine: Engine) -> None:
    state = FrontDoorState(engine, KEY)
    state.choose_language(PERSON, "ur")
    state.set_with_caseworker(PERSON, True)
    state.set_starting(PERSON, True)
    state.hold(CHAT_ID, PERSON, WORDS)
    state.remember_message(PERSON, 5, state.now())
    state.receive(20, PERSON, {"update_id": 20, "text": WORDS}, "f20")
    state.receive(21, PERSON, {"update_id": 21}, "f21")
    state.finish(21)
    state.forget(PERSON)
    assert state.language(PERSON) is None
    assert not state.with_caseworker(PERSON)
    assert not state.starting(PERSON)
    assert state.waiting_texts(PERSON) == []
    assert state.trail_count(PERSON) == 0
    assert state.unfinished() == []
    assert state.is_done(20) and state.is_done(21)
    with engine.connect() as connection:
        left = connection.execute(text("SELECT pseudonym FROM frontdoor_inbox")).all()
    assert all(row[0] is None for row in left)


def test_a_raw_id_is_refused() -> None:
    state = FrontDoorState.__new__(FrontDoorState)
    with pytest.raises(FrontDoorStateError):
        state.hold(CHAT_ID, str(CHAT_ID), WORDS)
