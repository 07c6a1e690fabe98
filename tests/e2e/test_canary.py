"""The canary: unique markers said to the real stack are nowhere in plain text at rest.

Two runs: the session stack (SQLite database and tracker under the e2e var/) and a stack of this
module's own with the database on PostgreSQL, the tracker on Redis and Rasa logging at DEBUG.
After each, every file under var/ (databases, keys, logs), a pg_dump, and every Redis key and
value are searched. Then the stored report is opened with the demo charity's key: the account's
ordinary marker IS there (so the search can see markers) and the immigration markers are not.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from bot.core.config import Settings, load_settings
from bot.core.crypto import FrontEndKey
from bot.core.db.audit import Actor
from bot.core.db.keys import unlock_organisation_keys
from bot.core.db.store import Database, create_engine_for
from bot.devstack import Stack
from bot.frontdoor.rasa_client import RasaFrontDoorClient
from tests.e2e.conftest import Conversation, text_of
from tests.support import POSTGRES_URL, free_port, set_up_local_run
from tests.support_cases import cases_of, read_report

REDIS_URL = "redis://127.0.0.1:6379/11"


CONSONANTS = "BCDFGHJKLMNPQRSTVWXZ"


@dataclass(frozen=True)
class Markers:
    """Fresh per run, so an old run's leftovers can never make a search pass or fail."""

    ordinary: str
    passport: str
    brp: str
    share_code: str
    immigration_words: tuple[str, ...] = ("spouse visa", "Polish", "recourse to public funds")

    @classmethod
    def fresh(cls) -> Markers:
        digits = "".join(secrets.choice("123456789") for _ in range(9))
        return cls(
            # Letters only: a random run of digits can look like a document number, and the
            # firewall rightly removes those.
            ordinary="ZEBRA-CANARY-" + "".join(secrets.choice(CONSONANTS) for _ in range(8)),
            passport=digits,
            brp="ZX" + digits[:7][::-1],
            share_code="W" + secrets.token_hex(4).upper()[:8],
        )

    @property
    def immigration(self) -> tuple[str, ...]:
        return (self.passport, self.brp, self.share_code, *self.immigration_words)

    @property
    def all(self) -> tuple[str, ...]:
        return (self.ordinary, *self.immigration)


async def volunteer_status(conversation: Conversation, markers: Markers) -> None:
    """Outside any form: status volunteered in passing, documents and nationality."""
    await conversation.say(
        f"my spouse visa depends on him and he keeps my passport number {markers.passport}"
    )
    await conversation.say(f"I'm Polish and my BRP number is {markers.brp}")
    await conversation.say(
        f"my share code is {markers.share_code}, I have no recourse to public funds"
    )


async def report_with_consent(conversation: Conversation, markers: Markers) -> None:
    """The report form, with the status inside the free-text account, shared with consent."""
    await conversation.say("I want to report what my husband does")
    await conversation.say(
        f"He pushes me and locks me in the flat {markers.ordinary}. I'm on a spouse visa, "
        f"I'm Polish and he hid my passport {markers.passport} and my BRP {markers.brp}"
    )
    await conversation.press("Physical")
    await conversation.press("Done")
    await conversation.press("This week")
    await conversation.press("Yes")  # ongoing
    await conversation.press("Yes")  # children in the home
    await conversation.press("England")
    await conversation.press("Yorkshire")
    await conversation.press("A safe place to stay")
    await conversation.press("Yes, share it")
    await conversation.press("Evening")
    await conversation.press("Yes, ask me")
    await conversation.press("Yes")  # strangulation
    for _ in range(4):
        await conversation.press("Skip")
    turn = await conversation.press("Skip")
    assert "passed to a charity caseworker" in text_of(turn)


def found_in_files(root: Path, markers: tuple[str, ...]) -> list[str]:
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        content = path.read_bytes()
        hits += [f"{path}: {m}" for m in markers if m.encode() in content]
    return hits


def found_in_redis(markers: tuple[str, ...]) -> list[str]:
    """Every key and value of every Redis database on the server."""
    hits = []
    keyspace: dict[str, object] = redis.Redis(host="127.0.0.1").info("keyspace")  # type: ignore[assignment]
    for database in keyspace:
        db = redis.Redis(host="127.0.0.1", db=int(database.removeprefix("db")))
        for key in db.scan_iter(count=1000):
            blob = b"\n".join([key, *redis_values(db, key)])
            hits += [f"redis {database} {key!r}: {m}" for m in markers if m.encode() in blob]
    return hits


def redis_values(db: redis.Redis, key: bytes) -> list[bytes]:
    kind = db.type(key)
    values: list[object]
    if kind == b"string":
        values = [db.get(key)]
    elif kind == b"hash":
        values = [item for pair in db.hgetall(key).items() for item in pair]  # type: ignore[union-attr]
    elif kind == b"list":
        values = list(db.lrange(key, 0, -1))  # type: ignore[arg-type]
    elif kind == b"set":
        values = list(db.smembers(key))  # type: ignore[arg-type]
    elif kind == b"zset":
        values = list(db.zrange(key, 0, -1))  # type: ignore[arg-type]
    else:
        values = [db.dump(key)]
    return [value for value in values if isinstance(value, bytes)]


def found_in_pg_dump(schema: str, markers: tuple[str, ...]) -> list[str]:
    """A plain-text pg_dump of the schema the variant stack used, every table in it."""
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed for the canary"
    url = create_engine(POSTGRES_URL).url
    dump = subprocess.run(
        [
            pg_dump,
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "-n",
            schema,
            "--no-owner",
            url.database or "test",
        ],
        capture_output=True,
        check=True,
        timeout=300,
    ).stdout
    assert b"COPY " in dump and b"handoffs" in dump
    return [f"pg_dump: {m}" for m in markers if m.encode() in dump]


def open_reports(settings: Settings, pseudonym: str) -> list[dict[str, object]]:
    """Decrypt the person's reports as the demo charity's admin would."""
    credentials = dict(
        line.split(": ", 1)
        for line in (settings.var_dir / "demo-organisation.txt").read_text().splitlines()
    )
    staff_id, passphrase = credentials["admin staff id"], credentials["admin passphrase"]
    db = Database(create_engine_for(settings))
    with db.transaction() as session:
        keys = unlock_organisation_keys(session, staff_id, passphrase)
    handoffs = [h.id for h in cases_of(db, pseudonym, FrontEndKey(settings.front_end_key()))]
    assert handoffs, "the shared report was not stored"
    return [read_report(db, h, keys, Actor("staff", staff_id)) for h in handoffs]


def check_report(settings: Settings, pseudonym: str, markers: Markers) -> None:
    reports = repr(open_reports(settings, pseudonym))
    assert markers.ordinary in reports, "the search must be able to see a marker"
    assert [m for m in markers.immigration if m in reports] == []


async def test_canary_sqlite_database_and_tracker(
    conversation: Conversation, e2e_var_dir: Path
) -> None:
    markers = Markers.fresh()
    await volunteer_status(conversation, markers)
    await report_with_consent(conversation, markers)
    settings = load_settings({**os.environ, "LANTERN_VAR_DIR": str(e2e_var_dir)})

    assert (e2e_var_dir / "tracker.db").exists(), "Rasa fell back to its in-memory store"
    assert found_in_files(e2e_var_dir, markers.all) == []
    assert found_in_redis(markers.all) == []
    check_report(settings, conversation.pseudonym, markers)


@dataclass(frozen=True)
class Variant:
    settings: Settings
    schema: str
    stack: Stack


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory, stack: Stack) -> Iterator[Variant]:
    """Database on PostgreSQL (a schema of its own), tracker on Redis, Rasa logging at DEBUG."""
    schema = f"lantern_canary_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    var_dir = tmp_path_factory.mktemp("canary-var")
    env = dict(os.environ, LANTERN_VAR_DIR=str(var_dir), LOG_LEVEL="DEBUG")
    env["LANTERN_DATABASE_URL"] = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    env["LANTERN_TRACKER_URL"] = REDIS_URL
    settings = load_settings(env)
    set_up_local_run(settings)
    running = Stack(free_port(), free_port(), var_dir / "log")
    try:
        running.start(env)
        yield Variant(settings, schema, running)
    finally:
        running.stop()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


async def test_canary_postgresql_database_redis_tracker_debug_logs(variant: Variant) -> None:
    markers = Markers.fresh()
    client = RasaFrontDoorClient(variant.stack.rasa_url)
    try:
        conversation = Conversation(client)
        await volunteer_status(conversation, markers)
        await report_with_consent(conversation, markers)
    finally:
        await client.aclose()

    tracker_key = f"lantern:tracker:{conversation.pseudonym}".encode()
    assert redis.Redis.from_url(REDIS_URL).exists(tracker_key), "tracker not in Redis"
    var_dir = variant.settings.var_dir
    assert not (var_dir / "tracker.db").exists()
    rasa_log = (var_dir / "log" / f"rasa-{variant.stack.rasa_port}.log").read_text()
    assert re.search(r"DEBUG +rasa\.core\.processor +- ", rasa_log), "DEBUG logging was not on"
    assert found_in_files(var_dir, markers.all) == []
    assert found_in_pg_dump(variant.schema, markers.all) == []
    assert found_in_redis(markers.all) == []
    check_report(variant.settings, conversation.pseudonym, markers)
