"""A console on a real database (SQLite and PostgreSQL), with one organisation and its staff."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.console.app import create_app
from bot.core.config import Settings, load_settings
from bot.core.crypto import FrontEndKey, KdfParams, totp_code
from bot.core.db.database import Database
from bot.core.db.handoffs import HandoffFields
from bot.core.db.local_setup import write_front_end_public_key
from bot.core.db.models import Role
from bot.core.db.organisations import Credentials, add_staff_member, create_organisation
from bot.core.key_pins import pin_key
from bot.core.private_files import write_private_file
from bot.core.report_fields import Urgency
from tests.support_cases import open_case

ADMIN = Credentials("admin", "admin passphrase 1")
WORKER = Credentials("alice", "alice passphrase 1")
OTHER_ADMIN = Credentials("other-admin", "other passphrase 1")
PERSON = "ab" * 32
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Clock:
    now: datetime = field(
        default_factory=lambda: datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
    )

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class World:
    settings: Settings
    db: Database
    clock: Clock
    organisation_id: str
    other_organisation_id: str
    recovery_code: str
    totp: dict[str, bytes]
    kdf: KdfParams
    # The front end's key, read while its file is there: a test may take the file away to
    # show the console runs without it.
    front_end: FrontEndKey

    def client(self) -> TestClient:
        app = create_app(self.settings.for_console(), engine=self.db.engine, clock=self.clock)
        return TestClient(app, base_url="https://testserver", follow_redirects=False)

    def code(self, login: str) -> str:
        # A fresh 30-second step for every sign-in: a used step is refused (replay).
        self.clock.advance(seconds=30)
        return totp_code(self.totp[login], self.clock().timestamp())

    def submit(
        self,
        organisation_id: str | None = None,
        urgency: Urgency = Urgency.HIGH,
        story: str = "He pushed me and took my phone.",
        region: str = "london",
    ) -> str:
        return open_case(
            self.db,
            PERSON,
            organisation_id or self.organisation_id,
            HandoffFields(
                urgency=urgency,
                abuse_kinds=("physical",),
                nation="england",
                region=region,
                consent=True,
            ),
            {"what_happened": story},
            key=self.front_end,
        )


def totp_secret(otpauth_uri: str) -> bytes:
    secret = parse_qs(urlparse(otpauth_uri).query)["secret"][0]
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def sign_in(world: World, client: TestClient, who: Credentials = WORKER) -> str:
    """Sign in through the form; returns the session's CSRF token from the queue page."""
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "csrf": csrf_of(page.text),
            "login": who.login,
            "passphrase": who.passphrase,
            "code": world.code(who.login),
        },
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def world(engine: Engine, tmp_path: Path, fast_kdf: KdfParams) -> Iterator[World]:
    var = tmp_path / "var"
    write_private_file(var / "keys" / "front_end.key", secrets.token_hex(32))
    settings = load_settings({"LANTERN_VAR_DIR": str(var)})
    write_front_end_public_key(settings)
    clock = Clock()
    db = Database(engine, clock=clock)
    with db.transaction() as session:
        org = create_organisation(session, "Partner", ADMIN, clock(), kdf=fast_kdf)
        worker = add_staff_member(session, ADMIN, WORKER, Role.CASEWORKER, clock(), kdf=fast_kdf)
        other = create_organisation(session, "Elsewhere", OTHER_ADMIN, clock(), kdf=fast_kdf)
    for created in (org, other):  # as `python -m bot staff create-organisation` pins them
        pin_key(settings.organisation_key_pins_file, created.organisation_id, created.key_id)
    yield World(
        settings,
        db,
        clock,
        org.organisation_id,
        other.organisation_id,
        org.recovery_code,
        {
            ADMIN.login: totp_secret(org.admin.otpauth_uri),
            WORKER.login: totp_secret(worker.otpauth_uri),
            OTHER_ADMIN.login: totp_secret(other.admin.otpauth_uri),
        },
        fast_kdf,
        FrontEndKey(settings.front_end_key()),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium through Playwright")
