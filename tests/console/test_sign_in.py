"""Sign-in: passphrase and TOTP, lockout, CSRF, idle expiry, sign out everywhere."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bot.console import accounts
from bot.core.db import organisations
from bot.core.db.models import AuditEntry

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


def test_a_wrong_code_or_a_replayed_code_is_refused(world: World) -> None:
    code = world.code(WORKER.login)
    wrong = "000000" if code != "000000" else "111111"
    assert attempt(world, world.client(), WORKER.passphrase, wrong) == 401
    assert attempt(world, world.client(), WORKER.passphrase, "") == 401
    assert attempt(world, world.client(), WORKER.passphrase, code) == 303
    assert attempt(world, world.client(), WORKER.passphrase, code) == 401


def test_lockout_after_five_failures_even_for_the_right_passphrase(world: World) -> None:
    """Given five wrong passphrases, When the right passphrase and code follow, Then sign-in is
    still refused until 15 minutes have passed."""
    client = world.client()
    for _ in range(5):
        page = client.get("/sign-in")
        refused = client.post(
            "/sign-in",
            data={
                "csrf": csrf_of(page.text),
                "login": WORKER.login,
                "passphrase": "wrong passphrase!",
                "code": world.code(WORKER.login),
            },
        )
        assert refused.status_code == 401
    page = client.get("/sign-in")
    locked = client.post(
        "/sign-in",
        data={
            "csrf": csrf_of(page.text),
            "login": WORKER.login,
            "passphrase": WORKER.passphrase,
            "code": world.code(WORKER.login),
        },
    )
    assert locked.status_code == 401
    world.clock.advance(minutes=16)
    sign_in(world, client)


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


def test_an_unknown_login_takes_as_long_as_a_wrong_passphrase(engine: Engine) -> None:
    """Given a caseworker whose passphrase is hashed with the production Argon2id parameters,
    When someone tries a wrong passphrase for her and then a login that does not exist, Then
    both refusals cost a full passphrase check: timing does not reveal which logins exist."""
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    with Session(engine) as session, session.begin():
        organisations.create_organisation(
            session, "Timing", organisations.Credentials("timed", "right passphrase 1"), now
        )

    def refusal_seconds(login: str) -> float:
        with Session(engine) as session, session.begin():
            started = time.perf_counter()
            assert accounts.sign_in(session, login, "wrong passphrase 1", "000000", now) is None
            return time.perf_counter() - started

    refusal_seconds("nobody")  # the decoy hash is made once per process, not per attempt
    known = min(refusal_seconds("timed") for _ in range(3))
    unknown = min(refusal_seconds("nobody") for _ in range(3))
    assert unknown > known / 2, (unknown, known)
