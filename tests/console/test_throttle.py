"""Growing delays per login name and per client address, instead of a lockout."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.console import accounts, throttle
from bot.core.crypto import KdfParams
from bot.core.db.models import SignInThrottle
from bot.core.db.organisations import Credentials, create_organisation
from tests.support_kdf import count_kdf_calls

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
PERSON = Credentials("dee", "dee amber kettle 51")


def test_delays_start_after_the_free_failures_double_and_stop_at_the_cap() -> None:
    delays = [throttle.delay_after(throttle.LOGIN, n).total_seconds() for n in range(1, 12)]
    assert delays == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60]
    assert throttle.delay_after(throttle.ADDRESS, 10_000) == timedelta(minutes=15)


def tries(engine: Engine, login: str, address: str, at: datetime) -> accounts.Refused | None:
    with Session(engine) as session, session.begin():
        wrong = "a wrong passphrase"
        result = accounts.sign_in(session, login, wrong, "000000", at, address=address)
        return result if isinstance(result, accounts.Refused) else None


@pytest.fixture
def organisation(engine: Engine, fast_kdf: KdfParams) -> None:
    with Session(engine) as session, session.begin():
        create_organisation(session, "Partner", PERSON, START, kdf=fast_kdf)


def test_a_try_too_soon_is_refused_unchecked_and_not_counted(
    engine: Engine, organisation: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given four failures for a login, When the next try comes inside the delay, Then it is
    refused with the seconds left, derives no Argon2id and adds no failure."""
    for second in range(4):
        assert tries(engine, PERSON.login, "198.51.100.7", START + timedelta(seconds=second))
    calls = count_kdf_calls(monkeypatch)
    early = tries(engine, PERSON.login, "198.51.100.7", START + timedelta(seconds=4))
    assert early is not None and early.retry_after == 1 and calls.take() == 0
    with Session(engine) as session:
        counts = session.scalars(select(SignInThrottle.failures)).all()
    assert sorted(counts) == [4, 4]


def test_one_address_guessing_many_logins_is_slowed_for_all_of_them(
    engine: Engine, organisation: None
) -> None:
    at = START
    for number in range(11):
        at += timedelta(minutes=2)
        tries(engine, f"login{number}", "203.0.113.9", at)
    refused = tries(engine, "someone-else", "203.0.113.9", at + timedelta(seconds=1))
    assert refused is not None and refused.retry_after > 0
    elsewhere = tries(engine, "someone-else", "192.0.2.1", at + timedelta(seconds=1))
    assert elsewhere is not None and elsewhere.retry_after == 0


def test_failures_are_forgotten_after_an_hour_and_stored_only_as_digests(
    engine: Engine, organisation: None
) -> None:
    tries(engine, "a-random-name", "192.0.2.44", START)
    for second in range(6):
        tries(engine, PERSON.login, "198.51.100.7", START + timedelta(minutes=2 * second))
    later = START + timedelta(hours=2)
    assert tries(engine, PERSON.login, "198.51.100.7", later) == accounts.Refused(0)
    with Session(engine) as session:
        rows = session.scalars(select(SignInThrottle)).all()
    # Every row an hour old was deleted (the stray name's too); fresh ones count the new failure.
    assert [row.failures for row in rows] == [1, 1]
    assert all(PERSON.login not in row.subject and "198." not in row.subject for row in rows)
