"""Sign-in: passphrase and TOTP, delays after failures, one Argon2id per try, CSRF, idle
expiry, sign out everywhere."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from httpx import Response
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bot.console import accounts
from bot.core.crypto import PRODUCTION_KDF, totp_code
from bot.core.db import organisations
from bot.core.db.models import AuditEntry, Staff
from tests.support_kdf import count_kdf_calls

from .conftest import WORKER, World, csrf_of, sign_in


def test_sign_in_with_passphrase_and_totp_shows_the_queue(world: World) -> None:
    """Given a caseworker enrolled by the CLI functions, When they sign in with passphrase and
    the current code, Then the queue opens and the cookie is HttpOnly, SameSite=Strict, Secure."""
    client = world.client()
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "csrf": csrf_of(page.text),
            "login": WORKER.login,
            "passphrase": WORKER.passphrase,
            "code": world.code(WORKER.login),
        },
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    queue = client.get("/")
    assert queue.status_code == 200 and "Queue" in queue.text
    assert queue.headers["cache-control"] == "no-store"
    with world.db.transaction() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "console.sign_in" in actions


def attempt(world: World, client: TestClient, passphrase: str, code: str) -> int:
    page = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={
            "csrf": csrf_of(page.text),
            "login": WORKER.login,
            "passphrase": passphrase,
            "code": code,
        },
    ).status_code


def post_sign_in(client: TestClient, passphrase: str, code: str) -> Response:
    page = client.get("/sign-in")
    data = {"csrf": csrf_of(page.text), "login": WORKER.login, "passphrase": passphrase}
    return client.post("/sign-in", data={**data, "code": code})


def test_a_wrong_code_or_a_replayed_code_is_refused(world: World) -> None:
    code = world.code(WORKER.login)
    wrong = "000000" if code != "000000" else "111111"
    assert attempt(world, world.client(), WORKER.passphrase, wrong) == 401
    assert attempt(world, world.client(), WORKER.passphrase, "") == 401
    assert attempt(world, world.client(), WORKER.passphrase, code) == 303
    assert attempt(world, world.client(), WORKER.passphrase, code) == 401


def test_failures_slow_the_next_try_but_never_lock_the_person_out(world: World) -> None:
    """Given a stranger who knows a login and fails many times in a row, When the real person
    then tries with the right passphrase and code, Then they are asked to wait at most a minute
    (no lockout), and once that minute passes they are in."""
    stranger, person = world.client(), world.client()
    for _ in range(12):
        world.clock.advance(minutes=2)  # every delay has passed: each try is really checked
        assert post_sign_in(stranger, "wrong passphrase!", "000000").status_code == 401
    code = totp_code(world.totp[WORKER.login], world.clock().timestamp())
    refused = post_sign_in(person, WORKER.passphrase, code)
    assert refused.status_code == 429 and "Wait 60 seconds" in refused.text
    world.clock.advance(seconds=61)
    sign_in(world, person)


def test_a_post_without_the_csrf_token_is_refused(world: World) -> None:
    client = world.client()
    handoff_id = world.submit()
    csrf = sign_in(world, client)
    assert client.post(f"/cases/{handoff_id}/claim").status_code == 403
    assert client.post(f"/cases/{handoff_id}/claim", data={"csrf": "forged"}).status_code == 403
    page = client.get("/sign-in")
    no_token = client.post(
        "/sign-in",
        data={
            "login": WORKER.login,
            "passphrase": WORKER.passphrase,
            "code": world.code(WORKER.login),
        },
    )
    assert page.status_code == 200 and no_token.status_code == 403
    assert client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf}).status_code == 303


def test_an_idle_session_expires(world: World) -> None:
    client = world.client()
    sign_in(world, client)
    world.clock.advance(minutes=16)
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    world.clock.advance(minutes=1)
    assert client.get("/").status_code == 303


def test_sign_out_everywhere_ends_every_session_of_that_person(world: World) -> None:
    laptop, phone = world.client(), world.client()
    csrf = sign_in(world, laptop)
    # A second app instance (another process) shares only the database.
    sign_in(world, phone)
    laptop.post("/sign-out", data={"csrf": csrf, "everywhere": "1"})
    assert laptop.get("/").status_code == 303
    assert phone.get("/").status_code == 303


def test_an_unknown_login_fails_like_a_wrong_passphrase(world: World) -> None:
    client = world.client()
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "csrf": csrf_of(page.text),
            "login": "nobody",
            "passphrase": WORKER.passphrase,
            "code": world.code(WORKER.login),
        },
    )
    assert response.status_code == 401 and "Sign-in failed" in response.text


def test_an_unknown_login_costs_what_a_wrong_passphrase_costs(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a caseworker whose passphrase is hashed with the production Argon2id parameters,
    When someone tries a wrong passphrase for her and then a login that does not exist, Then
    both refusals run one Argon2id at the same production cost: the work, and so the time,
    does not reveal which logins exist. (Counted, not timed: a timed test fails on a busy
    machine.)"""
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    with Session(engine) as session, session.begin():
        organisations.create_organisation(
            session, "Timing", organisations.Credentials("timed", "right passphrase 1"), now
        )
    calls = count_kdf_calls(monkeypatch)

    def refusal_cost(login: str) -> list[tuple[object, object, object]]:
        calls.costs.clear()
        with Session(engine) as session, session.begin():
            refused = accounts.sign_in(session, login, "wrong passphrase 1", "000000", now)
            assert isinstance(refused, accounts.Refused)
        return list(calls.costs)

    refusal_cost("nobody")  # the decoy is made once per process (its own derivation), not per try
    known, unknown = refusal_cost("timed"), refusal_cost("nobody")
    production = (PRODUCTION_KDF.memory_cost_kib, PRODUCTION_KDF.iterations, PRODUCTION_KDF.lanes)
    assert known == unknown == [production]


def test_every_kind_of_refusal_costs_exactly_one_argon2id(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a caseworker, When sign-in is tried with a wrong passphrase, with the right
    passphrase and a wrong code, with an unknown login and for a disabled caseworker, Then each
    refusal derives exactly one Argon2id key: no refusal says which part was wrong."""
    calls = count_kdf_calls(monkeypatch)
    right_code = totp_code(world.totp[WORKER.login], world.clock().timestamp())
    wrong_code = "000000" if right_code != "000000" else "111111"

    def derivations(login: str, passphrase: str, code: str) -> int:
        world.clock.advance(minutes=2)  # past any delay: every try is checked
        with world.db.transaction() as session:
            result = accounts.sign_in(session, login, passphrase, code, world.clock())
        assert isinstance(result, accounts.Refused)
        return calls.take()

    derivations("nobody", "warm the decoys", wrong_code)
    derivations(WORKER.login, "warm the decoys", wrong_code)
    assert derivations(WORKER.login, "wrong passphrase!", right_code) == 1
    assert derivations(WORKER.login, WORKER.passphrase, wrong_code) == 1
    assert derivations("nobody", WORKER.passphrase, right_code) == 1
    with world.db.transaction() as session:
        staff = session.scalars(select(Staff).where(Staff.login_name == WORKER.login)).one()
        staff.disabled_at = world.clock()
    assert derivations(WORKER.login, WORKER.passphrase, right_code) == 1
