"""The console process holds nothing that opens a chat link (issue 13): only the front end's
public key, read at start-up from the file `make keys` writes, and the key pins."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import timedelta
from types import FunctionType, MethodType, ModuleType

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.console.app import create_app
from bot.core.crypto import FrontEndKey, FrontEndPublicKey, generate_organisation_key
from bot.core.db.models import CaseNote, OrganisationKey
from bot.core.db.store import Store
from bot.core.errors import ConfigurationError

from .conftest import PERSON, World, sign_in

_REACH_LIMIT = 500_000


def reachable(root: object) -> Iterator[object]:
    """Every object the console app can reach through its own references (module globals and
    classes left out: those are shared code, not what this process was given)."""
    seen: set[int] = set()
    stack = [root]
    while stack and len(seen) < _REACH_LIMIT:
        here = stack.pop()
        if id(here) in seen:
            continue
        seen.add(id(here))
        yield here
        if isinstance(here, (ModuleType, type)):
            continue
        if isinstance(here, FunctionType):
            cells = [cell.cell_contents for cell in here.__closure__ or () if _filled(cell)]
            stack.extend([*cells, *(here.__defaults__ or ())])
        elif isinstance(here, MethodType):
            stack.append(here.__self__)
        else:
            stack.extend(gc.get_referents(here))
    assert len(seen) < _REACH_LIMIT, "the walk was cut short; raise the limit"


def _filled(cell: object) -> bool:
    try:
        cell.cell_contents  # type: ignore[attr-defined]  # noqa: B018 - probing an empty cell
    except ValueError:
        return False
    return True


def test_the_console_runs_and_replies_without_the_front_ends_secret(world: World) -> None:
    """Given the front end's secret file removed from the console's host, When the console
    starts and a caseworker replies, Then the reply is queued, and it opens with the front end's
    key only: the console never needed, nor read, the secret that opens chat links."""
    front_end = FrontEndKey(world.settings.front_end_key())
    world.settings.front_end_key_file.unlink()
    handoff_id = world.submit()
    client = world.client()
    csrf = sign_in(world, client)
    client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf})
    reply = client.post(f"/cases/{handoff_id}/reply", data={"csrf": csrf, "text": "We can help."})
    assert reply.status_code == 303
    deliveries = Store(world.db).pending_deliveries({front_end.key_id: front_end})
    assert [(d.pseudonym, d.text) for d in deliveries] == [(PERSON, "We can help.")]


def test_no_object_of_the_console_holds_a_front_end_secret(world: World) -> None:
    """Given a console that has served a reply, Then no object it can reach is a FrontEndKey
    (what relay.chat_id_for and the outbox need to open anything); the one front-end key it holds
    is the public half, the same as the public key file's."""
    handoff_id = world.submit()
    app = create_app(world.settings.for_console(), engine=world.db.engine, clock=world.clock)
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    csrf = sign_in(world, client)
    client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf})
    client.post(f"/cases/{handoff_id}/reply", data={"csrf": csrf, "text": "Hello."})
    held = list(reachable(app))
    assert not [thing for thing in held if isinstance(thing, FrontEndKey)]
    public = [thing for thing in held if isinstance(thing, FrontEndPublicKey)]
    expected = FrontEndKey(world.settings.front_end_key()).courier_public_key()
    assert [key.key_id for key in public] == [expected.key_id]


def test_the_console_refuses_to_start_without_the_public_key_file(world: World) -> None:
    world.settings.front_end_public_key_file.unlink()
    with pytest.raises(ConfigurationError, match="LANTERN_FRONT_END_PUBLIC_KEY_FILE"):
        create_app(world.settings.for_console(), engine=world.db.engine)


def test_the_console_refuses_to_start_without_the_key_pins(world: World) -> None:
    world.settings.organisation_key_pins_file.unlink()
    with pytest.raises(ConfigurationError, match="LANTERN_ORGANISATION_KEY_PINS_FILE"):
        create_app(world.settings.for_console(), engine=world.db.engine)


def test_a_note_to_an_unpinned_key_is_refused_with_a_page_and_nothing_is_stored(
    world: World,
) -> None:
    """Given a key row someone added to the partner in the database, When a caseworker writes a
    note, Then the console refuses with a page that says nothing was saved, and no note is
    sealed to that key."""
    handoff_id = world.submit()
    intruder = generate_organisation_key(world.organisation_id).public_key()
    with world.db.transaction() as session:
        session.add(
            OrganisationKey(
                key_id=intruder.key_id,
                organisation_id=world.organisation_id,
                suite=intruder.suite.value,
                public_bytes=intruder.public_bytes,
                created_at=world.clock() + timedelta(seconds=1),
            )
        )
    client = world.client()
    csrf = sign_in(world, client)
    client.post(f"/cases/{handoff_id}/claim", data={"csrf": csrf})
    refused = client.post(f"/cases/{handoff_id}/note", data={"csrf": csrf, "text": "Called."})
    assert refused.status_code == 503 and "Nothing was saved" in refused.text
    with world.db.transaction() as session:
        assert session.scalars(select(CaseNote)).all() == []
