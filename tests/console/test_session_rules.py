"""Session rules of issue 13: a __Host- cookie, an absolute lifetime, one session per person,
HSTS and a CSP that also pins <base> and form targets."""

from __future__ import annotations

from starlette.testclient import TestClient

from bot.console.app import create_app

from .conftest import ADMIN, WORKER, World, csrf_of, sign_in


def _sign_in_response(world: World, client: TestClient) -> str:
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
    assert response.status_code == 303, response.text
    return response.headers["set-cookie"]


def test_the_session_cookie_is_host_prefixed_secure_path_root_and_domainless(
    world: World,
) -> None:
    """Given secure cookies (the default), When a caseworker signs in, Then both the sign-in
    form's cookie and the session cookie carry the __Host- prefix with exactly the attributes
    that prefix demands, and the session lasts no longer than its absolute lifetime."""
    client = world.client()
    form_cookie = client.get("/sign-in").headers["set-cookie"]
    assert form_cookie.startswith("__Host-lantern_sign_in=")
    set_cookies = [
        value
        for name, value in client.post(
            "/sign-in",
            data={
                "csrf": csrf_of(client.get("/sign-in").text),
                "login": WORKER.login,
                "passphrase": WORKER.passphrase,
                "code": world.code(WORKER.login),
            },
        ).headers.multi_items()
        if name == "set-cookie"
    ]
    session_cookie = next(c for c in set_cookies if c.startswith("__Host-lantern_session="))
    attributes = [a.strip().lower() for a in session_cookie.split(";")[1:]]
    assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
    assert not any(a.startswith("domain") for a in attributes)
    assert "max-age=43200" in attributes
    # The sign-in form's cookie is cleared with the same prefix, so the browser accepts it.
    assert any(
        c.startswith('__Host-lantern_sign_in=""') and "secure" in c.lower() for c in set_cookies
    )
    assert client.get("/").status_code == 200


def test_without_secure_cookies_there_is_no_prefix_and_no_hsts(world: World) -> None:
    """Given --insecure-cookies (local http), Then the cookie has no __Host- prefix (a browser
    would drop a prefixed cookie without Secure) and no HSTS header pins plain http."""
    app = create_app(
        world.settings.for_console(),
        engine=world.db.engine,
        clock=world.clock,
        secure_cookies=False,
    )
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    page = client.get("/sign-in")
    assert page.headers["set-cookie"].startswith("lantern_sign_in=")
    assert "strict-transport-security" not in page.headers
    sign_in(world, client)
    assert client.get("/").status_code == 200


def test_hsts_and_the_csp_pin_base_form_and_frame_targets(world: World) -> None:
    response = world.client().get("/sign-in")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    csp = {
        d.strip().split(" ", 1)[0]: d.strip().split(" ", 1)[1]
        for d in response.headers["content-security-policy"].split(";")
    }
    assert csp["base-uri"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'self'"


def test_a_busy_session_still_ends_after_its_absolute_lifetime(world: World) -> None:
    """Given a caseworker who never goes idle for 15 minutes, When 12 hours have passed since
    she signed in, Then the session ends anyway."""
    client = world.client()
    sign_in(world, client)
    for _ in range(11 * 6 + 5):  # a request every ten minutes for 11 h 50 min
        world.clock.advance(minutes=10)
        assert client.get("/").status_code == 200
    world.clock.advance(minutes=11)
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"


def test_a_new_sign_in_ends_the_same_persons_older_session(world: World) -> None:
    """Given a caseworker signed in on a shared office computer, When she signs in again on
    her laptop (same console process), Then the office computer's session is over, and another
    staff member's session is untouched."""
    app = create_app(world.settings.for_console(), engine=world.db.engine, clock=world.clock)

    def browser() -> TestClient:
        return TestClient(app, base_url="https://testserver", follow_redirects=False)

    office, laptop, admin = browser(), browser(), browser()
    sign_in(world, admin, ADMIN)
    _sign_in_response(world, office)
    assert office.get("/").status_code == 200
    _sign_in_response(world, laptop)
    assert laptop.get("/").status_code == 200
    assert office.get("/").status_code == 303
    assert admin.get("/").status_code == 200


def test_a_made_up_non_ascii_csrf_token_is_refused_not_a_500(world: World) -> None:
    """Found by the fuzz: hmac.compare_digest raises TypeError on a str holding anything but
    ASCII, so a form with such a token (signed in, or on the sign-in page) was a 500."""
    client = world.client()
    page = client.get("/sign-in")
    assert csrf_of(page.text)
    refused = client.post(
        "/sign-in", data={"csrf": "é" * 43, "login": WORKER.login, "passphrase": "x", "code": "1"}
    )
    assert refused.status_code == 403
    sign_in(world, client)
    handoff_id = world.submit()
    assert client.post(f"/cases/{handoff_id}/claim", data={"csrf": "ü"}).status_code == 403


def test_releasing_a_case_nobody_claimed_is_refused_not_a_500(world: World) -> None:
    """Found by the fuzz: an admin's release of an open case reached the store's state check,
    whose StoreError was a 500."""
    handoff_id = world.submit()
    admin = world.client()
    csrf = sign_in(world, admin, ADMIN)
    assert admin.post(f"/cases/{handoff_id}/release", data={"csrf": csrf}).status_code == 409
