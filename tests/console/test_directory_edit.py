"""Directory editing in the console: supervisors edit and add, caseworkers read, bad input keeps
what was typed. Numbers come from Ofcom's drama ranges (0808 157 0xxx), never a real line."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.core.db.directory_edits import AUDIT_ACTION, audit_object_id
from bot.core.db.models import AuditEntry, DirectoryEntry, Role
from bot.core.db.organisations import Credentials, add_staff_member

from .conftest import ADMIN, World, sign_in, totp_secret

SUPERVISOR = Credentials("sam", "sam passphrase 1")
MULTI = {"helps_with", "nations", "regions"}
DRAMA_FREEPHONE = "0808 157 0123"


@pytest.fixture
def supervised(world: World) -> World:
    with world.db.transaction() as session:
        enrolment = add_staff_member(
            session, ADMIN, SUPERVISOR, Role.SUPERVISOR, world.clock(), kdf=world.kdf
        )
    world.totp[SUPERVISOR.login] = totp_secret(enrolment.otpauth_uri)
    return world


def signed_in(world: World, who: Credentials = SUPERVISOR) -> tuple[TestClient, str]:
    client = world.client()
    return client, sign_in(world, client, who)


class _FormReader(HTMLParser):
    """Collects what a browser would submit from an untouched form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, Any] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        name = found.get("name")
        if tag == "input" and name:
            if found.get("type") not in ("checkbox", "radio"):
                self.fields[name] = found.get("value") or ""
            elif "checked" in found:
                value = found.get("value") or ""
                self.fields[name] = [*self.fields.get(name, []), value] if name in MULTI else value
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in found:
            self.fields[self._select] = found.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea, self.fields[name] = name, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_of(client: TestClient, path: str) -> dict[str, Any]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    reader = _FormReader()
    reader.feed(page.text)
    return reader.fields


def test_a_supervisor_edits_a_service_and_the_page_shows_it(supervised: World) -> None:
    """Given the edit form for Live Fear Free as the file has it, When the supervisor changes
    the phone number and saves, Then the directory shows it, marked as changed by them, and
    the edit is stored and audited."""
    client, _ = signed_in(supervised)
    form = form_of(client, "/directory/edit/live_fear_free")
    assert form["contact-0-value"] == "0808 80 10 800"
    form["contact-0-value"] = DRAMA_FREEPHONE

    saved = client.post("/directory/edit/live_fear_free", data=form)

    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"]).text
    assert "Saved: Live Fear Free" in page
    assert DRAMA_FREEPHONE in page and "by sam" in page
    with supervised.db.transaction() as session:
        row = session.get(DirectoryEntry, "live_fear_free")
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION)).one()
    assert row is not None and row.entry["contact"][0]["value"] == DRAMA_FREEPHONE
    assert row.entry["contact"][1] == {"kind": "text", "value": "07860 077333", "free": None}
    assert audit.object_id == audit_object_id("live_fear_free") and audit.actor_role == "supervisor"


def test_a_supervisor_adds_a_service(supervised: World) -> None:
    client, csrf = signed_in(supervised)
    form = {
        "csrf": csrf,
        "name": "Test Helpline",
        "who": "anyone in Wales",
        "helps_with": ["physical", "talk"],
        "nations": ["wales"],
        "languages": "en, cy",
        "contact-0-kind": "phone",
        "contact-0-value": DRAMA_FREEPHONE,
        "contact-0-free": "yes",
        "hours_mode": "weekly",
        "hours-mon": "9:00 - 17:00, 18:00-20:00",
        "immigration_advice": "no",
        "source": "https://example.org/test-helpline",
        "verified": "2026-11-20",
    }

    saved = client.post("/directory/add", data=form)

    assert saved.status_code == 303, saved.text
    assert "/directory?saved=test_helpline" in saved.headers["location"]
    with supervised.db.transaction() as session:
        row = session.get(DirectoryEntry, "test_helpline")
    assert row is not None
    assert row.entry["hours"] == {"mon": ["09:00-17:00", "18:00-20:00"]}
    assert row.entry["languages"] == ["en", "cy"]
    assert "Test Helpline" in client.get("/directory").text


def test_an_edit_verified_long_ago_is_flagged(supervised: World) -> None:
    client, _ = signed_in(supervised)
    form = form_of(client, "/directory/edit/galop")
    assert form["caution"].startswith("Our source does not say")
    form["verified"] = "2026-01-10"
    assert client.post("/directory/edit/galop", data=form).status_code == 303

    page = client.get("/directory").text
    row = page.split('id="service-galop"')[1].split("</tr>")[0]
    assert "Re-verify: over 6 months old" in row


def test_a_caseworker_reads_the_directory_but_cannot_edit(supervised: World) -> None:
    client, csrf = signed_in(supervised, Credentials("alice", "alice passphrase 1"))

    page = client.get("/directory")
    assert page.status_code == 200 and "Live Fear Free" in page.text
    assert "/directory/edit/" not in page.text and "Add a service" not in page.text
    assert "cannot be changed in the console" in page.text
    assert client.get("/directory/edit/live_fear_free").status_code == 404
    assert client.get("/directory/add").status_code == 404
    data = {"csrf": csrf, "name": "Hijacked", "source": "https://example.org"}
    assert client.post("/directory/edit/live_fear_free", data=data).status_code == 404
    assert client.post("/directory/add", data=data).status_code == 404
    with supervised.db.transaction() as session:
        assert session.scalars(select(DirectoryEntry)).all() == []


def test_an_edit_without_the_csrf_token_is_refused(supervised: World) -> None:
    client, _ = signed_in(supervised)
    form = form_of(client, "/directory/edit/galop")
    form["csrf"] = "forged"

    assert client.post("/directory/edit/galop", data=form).status_code == 403
    del form["csrf"]
    assert client.post("/directory/edit/galop", data=form).status_code == 403
    with supervised.db.transaction() as session:
        assert session.scalars(select(DirectoryEntry)).all() == []


@pytest.mark.parametrize(
    ("field", "value", "message", "marked"),
    [
        ("source", "http://galop.example.org", "Source must be an https:// URL.", "f-source"),
        ("source", "", "Source is empty", "f-source"),
        ("verified", "", "Date verified is missing or not a date", "f-verified"),
        ("verified", "2027-01-01", "Date verified is in the future", "f-verified"),
        ("contact-0-value", "0808 999", "The number or address of way 1 is not a UK number",
         "f-contact-0-value"),
        ("hours-mon", "9 till 5", "Opening hours on Mon must be times like 09:00-17:00",
         "f-hours-mon"),
        ("languages", "English", "Languages must be two-letter codes", "f-languages"),
        ("who", "LGBT+ people on a spouse visa", "Who it is for: This reads as immigration",
         "f-who"),
    ],
)  # fmt: skip
def test_bad_input_shows_the_form_again_with_what_was_typed(
    supervised: World, field: str, value: str, message: str, marked: str
) -> None:
    client, _ = signed_in(supervised)
    form = form_of(client, "/directory/edit/galop")
    form["name"] = "Galop, as I typed it"
    form["hours_mode"], form["hours-mon"] = "weekly", "10:00-16:00"
    form[field] = value

    refused = client.post("/directory/edit/galop", data=form)

    assert refused.status_code == 400
    page = html.unescape(refused.text)
    assert message in page
    assert "Everything you typed is still below" in page
    assert 'value="Galop, as I typed it"' in page
    assert f'value="{value}"' in page
    assert f'id="{marked}"' in page.split('aria-invalid="true"')[0].rsplit("<", 1)[-1]
    with supervised.db.transaction() as session:
        assert session.scalars(select(DirectoryEntry)).all() == []


def test_an_emergency_route_cannot_be_edited_or_shadowed(supervised: World) -> None:
    client, _ = signed_in(supervised)
    page = client.get("/directory").text
    assert "/directory/edit/call_999" not in page
    assert "cannot be changed in the console" in page
    assert client.get("/directory/edit/call_999").status_code == 404

    form = form_of(client, "/directory/edit/galop")
    form.update(id="call_999", name="999")
    refused = client.post("/directory/add", data=form)

    assert refused.status_code == 400 and "cannot be changed in the console" in refused.text
