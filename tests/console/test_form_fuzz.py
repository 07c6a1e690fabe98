"""The console's forms fuzzed (bot/console/web.py's app through Starlette's test client): every
POST route and the pages' query strings, fed generated fields, signed in as a caseworker and as
an admin. Expected: never a 500, and afterwards nothing the person will be sent holds an
immigration detail (the replies in the outbox, unsealed with the front end's key)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.core.crypto import FrontEndKey
from bot.core.db.store import Store
from bot.core.firewall import default_firewall
from tests.fuzzing import IMMIGRATION, examples, json_value, rng, tally, text

from .conftest import ADMIN, World, csrf_of, sign_in

pytestmark = pytest.mark.soak

CASE_ACTIONS = ["claim", "release", "reply", "note", "close", "nope", ""]
OUTCOMES = ["referred", "supported", "no_contact", "withdrawn", "other", ""]
DIRECTORY_FIELDS = [
    "id", "name", "who", "languages", "source", "verified", "caution", "immigration_advice",
    "hours_mode", "women_only", "one_community", "interpreting", "shares_with_police",
    "hours-mon", "hours-sun", "helps_with", "nations", "regions", "contact-0-kind",
    "contact-0-value", "contact-0-free", "contact-0-note", "contact-11-kind", "contact-99-value",
]  # fmt: skip


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    """SQLite only: the forms are the target here, not the database."""
    return sqlite_engine


def field_value(r: random.Random) -> str:
    pick = r.random()
    if pick < 0.2:
        return r.choice(IMMIGRATION) + " " + text(r, 20)
    if pick < 0.25:
        return "x" * r.choice([4000, 4001, 10_000])
    return str(json_value(r)) if pick < 0.35 else text(r, 80)


def fields(r: random.Random, names: list[str], csrf: str) -> dict[str, str]:
    chosen = {name: field_value(r) for name in r.sample(names, r.randint(0, len(names)))}
    for _ in range(r.randint(0, 2)):
        chosen[text(r, 10)] = field_value(r)
    if r.random() < 0.9:
        chosen["csrf"] = csrf
    elif r.random() < 0.5:
        chosen["csrf"] = text(r, 43)
    return chosen


def raw_bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def encoded(form: dict[str, str]) -> bytes:
    """As a browser posts it, but a lone surrogate goes out as the bytes no browser would send
    (invalid UTF-8), which an attacker can."""

    def raw(value: str) -> str:
        return quote_plus(raw_bytes(value))

    return "&".join(f"{raw(k)}={raw(v)}" for k, v in form.items()).encode()


FORM = {"content-type": "application/x-www-form-urlencoded"}


def post(client: TestClient, path: str, form: dict[str, str]) -> int:
    return client.post(path, content=encoded(form), headers=FORM).status_code


class Fuzzer:
    def __init__(self, world: World, r: random.Random) -> None:
        self.world, self.r = world, r
        self.worker, self.admin = world.client(), world.client()
        self.worker_csrf = sign_in(world, self.worker)
        self.admin_csrf = sign_in(world, self.admin, ADMIN)
        self.cases: list[str] = []

    def new_case(self) -> None:
        case = self.world.submit()
        self.cases.append(case)
        self.worker.post(f"/cases/{case}/claim", data={"csrf": self.worker_csrf})

    def request(self) -> tuple[str, str, int]:
        r = self.r
        who, csrf = (
            (self.worker, self.worker_csrf) if r.random() < 0.7 else (self.admin, self.admin_csrf)
        )
        pick = r.random()
        if pick < 0.45:
            case = r.choice([*self.cases[-3:], *self.cases[-3:], text(r, 32), "0" * 32])
            action = r.choice([*CASE_ACTIONS, "reply", "reply", text(r, 8)])
            form = fields(r, ["text", "outcome", "service"], csrf)
            if "outcome" in form and r.random() < 0.5:
                form["outcome"] = r.choice(OUTCOMES)
            path = f"/cases/{quote(raw_bytes(case), safe='')}/{quote(raw_bytes(action), safe='')}"
            return "POST", path, post(who, path, form)
        if pick < 0.65:
            path = r.choice(
                ["/directory/add", "/directory/edit/" + quote(raw_bytes(text(r, 12)), safe="")]
            )
            form = fields(r, DIRECTORY_FIELDS, csrf)
            return "POST", path, post(who, path, form)
        if pick < 0.7:
            return "POST", "/audit", post(who, "/audit", fields(r, [], csrf))
        if pick < 0.8:
            # Nobody signed in, on the same app: a made-up login never locks the real ones.
            anon = TestClient(self.worker.app, base_url="https://testserver")
            form = fields(r, ["login", "passphrase", "code"], csrf_of(anon.get("/sign-in").text))
            return "POST", "/sign-in", post(anon, "/sign-in", form)
        path = r.choice(["/", "/statistics", "/statistics.csv", "/audit", "/directory"])
        query = "&".join(
            f"{quote(raw_bytes(text(r, 6)))}={quote(raw_bytes(text(r, 20)))}"
            for _ in range(r.randint(0, 3))
        )
        return "GET", path, who.get(f"{path}?{query}").status_code


@pytest.fixture
def fuzzer(world: World) -> Iterator[Fuzzer]:
    fuzzing = Fuzzer(world, rng("console"))
    fuzzing.new_case()
    yield fuzzing


def test_generated_forms_never_get_a_500_and_no_status_reaches_the_person(
    fuzzer: Fuzzer, world: World
) -> None:
    counted = tally("console forms")
    for number in range(examples(short=150)):
        if number % 200 == 0:
            fuzzer.new_case()
        counted.inputs += 1
        try:
            method, path, status = fuzzer.request()
        except Exception as crashed:  # noqa: BLE001 - counted, not raised: the test client re-raises
            counted.fail(number, f"raised {type(crashed).__name__}: {crashed}")
            continue
        if status >= 500:
            counted.fail(number, f"{method} {path} answered {status}")
    key = FrontEndKey(world.settings.front_end_key())
    deliveries = Store(world.db).pending_deliveries({key.key_id: key})
    firewall = default_firewall()
    leaked = [d.text for d in deliveries if firewall.contains_immigration_detail(d.text)]
    print(f"\n{counted.line()}; {len(deliveries)} replies in the outbox, {len(leaked)} leaked")
    assert counted.failures == [], counted.failures[:5]
    assert deliveries, "no reply got through at all: the fuzz reached nothing"
    assert leaked == []
    assert counted.failures == []
