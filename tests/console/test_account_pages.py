"""Changing one's own passphrase in the console; a disabled or removed caseworker's sessions."""

from __future__ import annotations

from starlette.testclient import TestClient

from bot.core.crypto import WrongPassphraseError, totp_code
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.organisations import Credentials, staff_by_login
from bot.core.db.staff_lifecycle import disable_staff, remove_staff

from .conftest import ADMIN, WORKER, World, csrf_of, sign_in

NEW = "alice copper meadow 99"


def change(world: World, client: TestClient, csrf: str, **fields: str) -> int:
    data = {
        "csrf": csrf,
        "current": WORKER.passphrase,
        "code": world.code(WORKER.login),
        "new": NEW,
        "again": NEW,
        **fields,
    }
    return client.post("/account/passphrase", data=data).status_code


def test_a_caseworker_changes_her_passphrase_and_her_other_sessions_end(world: World) -> None:
    """Given a caseworker signed in on a laptop and a phone, When she changes her passphrase on
    the laptop with the current one and a code, Then the phone is signed out, the laptop goes
    on, the new passphrase signs in and unwraps her key copy, and the old one does neither."""
    # Two app instances, as two console processes would be: they share only the database.
    laptop, phone = world.client(), world.client()
    csrf = sign_in(world, laptop)
    sign_in(world, phone)
    assert change(world, laptop, csrf) == 303
    assert "was changed" in laptop.get("/account/passphrase?changed=1").text
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 303
    with world.db.transaction() as session:
        staff = staff_by_login(session, WORKER.login)
        assert len(unlock_organisation_keys(session, staff.id, NEW)) == 1
        try:
            unlock_organisation_keys(session, staff.id, WORKER.passphrase)
        except WrongPassphraseError:
            pass
        else:
            raise AssertionError("the old passphrase still unwraps the key")
    sign_in(world, world.client(), Credentials(WORKER.login, NEW))


def test_a_wrong_current_passphrase_a_weak_or_mismatched_new_one_change_nothing(
    world: World,
) -> None:
    client = world.client()
    csrf = sign_in(world, client)
    assert change(world, client, csrf, current="not my passphrase") == 401
    assert change(world, client, csrf, code="000000") == 401
    assert change(world, client, csrf, new="password123456", again="password123456") == 400
    assert change(world, client, csrf, again="something else entirely") == 400
    assert change(world, client, "forged") == 403
    sign_in(world, world.client(), WORKER)


def test_the_code_used_for_a_change_cannot_be_replayed_to_sign_in(world: World) -> None:
    client = world.client()
    csrf = sign_in(world, client)
    code = world.code(WORKER.login)
    assert change(world, client, csrf, code=code) == 303
    page = client.get("/sign-in")
    replay = client.post(
        "/sign-in",
        data={"csrf": csrf_of(page.text), "login": WORKER.login, "passphrase": NEW, "code": code},
    )
    assert replay.status_code == 401


def test_disabling_ends_the_caseworkers_session_at_once_and_refuses_sign_in(
    world: World,
) -> None:
    """Given a caseworker signed in, When an admin disables her (from the CLI, another
    process sharing the database), Then her next request is sent to sign in, and the right
    passphrase and code are refused."""
    client = world.client()
    sign_in(world, client)
    assert client.get("/").status_code == 200
    with world.db.transaction() as session:
        disable_staff(session, ADMIN, WORKER.login, world.clock())
    assert client.get("/").status_code == 303
    page = client.get("/sign-in")
    refused = client.post(
        "/sign-in",
        data={
            "csrf": csrf_of(page.text),
            "login": WORKER.login,
            "passphrase": WORKER.passphrase,
            "code": world.code(WORKER.login),
        },
    )
    assert refused.status_code == 401


def test_a_removed_caseworker_cannot_sign_in(world: World) -> None:
    client = world.client()
    sign_in(world, client)
    with world.db.transaction() as session:
        remove_staff(session, ADMIN, WORKER.login, world.clock())
    assert client.get("/").status_code == 303
    page = client.get("/sign-in")
    code = totp_code(world.totp[WORKER.login], world.clock().timestamp() + 30)
    refused = client.post(
        "/sign-in",
        data={
            "csrf": csrf_of(page.text),
            "login": WORKER.login,
            "passphrase": WORKER.passphrase,
            "code": code,
        },
    )
    assert refused.status_code == 401
