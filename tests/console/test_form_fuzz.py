"""The console's forms fuzzed (bot/console/web.py's app through Starlette's test client): every
POST route and the pages' query strings, fed generated fields, signed in as a caseworker and as
an admin. Expected: never a 500, and afterwards nothing the person will be sent holds an
immigration detail (the replies in the outbox, unsealed with the front end's key)."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import strategies as st
from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.core.crypto import FrontEndKey
from bot.core.db.store import Store
from bot.core.firewall import default_firewall
from tests.fuzzing import IMMIGRATION, fuzz, json_value, text, weighted

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


SESSION_CSRF = object()  # stands for the signed-in client's own token, known only at run time


@functools.cache  # built once: see tests/fuzzing.py's text()
def field_value() -> st.SearchStrategy[str]:
    return weighted(
        (4, st.builds("{} {}".format, st.sampled_from(IMMIGRATION), text(20))),
        (1, st.sampled_from(["x" * 4000, "x" * 4001, "x" * 10_000])),
        (2, json_value().map(str)),
        (13, text(80)),
    )


@st.composite
def fields(draw: st.DrawFn, names: list[str]) -> dict[str, Any]:
    picked = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    chosen = {name: draw(field_value()) for name in picked}
    chosen.update(draw(st.dictionaries(text(10), field_value(), max_size=2)))
    csrf = draw(weighted((18, st.just(SESSION_CSRF)), (1, text(43)), (1, st.none())))
    if csrf is not None:
        chosen["csrf"] = csrf
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


@dataclass
class Request:
    who: str  # "worker", "admin" or "anonymous"
    method: str
    path: str
    form: dict[str, Any]
    case: int | str | None = None  # n: the nth latest case; a string: a made-up id


def quoted(value: str) -> str:
    return quote(raw_bytes(value), safe="")


@st.composite
def case_form(draw: st.DrawFn) -> Request:
    case = draw(weighted((4, st.integers(1, 3)), (1, text(32)), (1, st.just("0" * 32))))
    action = draw(weighted((9, st.sampled_from([*CASE_ACTIONS, "reply", "reply"])), (1, text(8))))
    form = draw(fields(["text", "outcome", "service"]))
    if "outcome" in form and draw(st.booleans()):
        form["outcome"] = draw(st.sampled_from(OUTCOMES))
    return Request(draw(staff()), "POST", f"/{{case}}/{quoted(action)}", form, case)


@functools.cache  # built once: see tests/fuzzing.py's text()
def staff() -> st.SearchStrategy[str]:
    return st.sampled_from(["worker"] * 7 + ["admin"] * 3)


def directory_form() -> st.SearchStrategy[Request]:
    edit = text(12).map(lambda i: f"/directory/edit/{quoted(i)}")
    path = weighted((1, st.just("/directory/add")), (1, edit))
    return st.builds(Request, staff(), st.just("POST"), path, fields(DIRECTORY_FIELDS))


def sign_in_form() -> st.SearchStrategy[Request]:
    # Nobody signed in, on the same app: a made-up login never locks the real ones.
    form = fields(["login", "passphrase", "code"])
    return st.builds(Request, st.just("anonymous"), st.just("POST"), st.just("/sign-in"), form)


def page_query() -> st.SearchStrategy[Request]:
    page = st.sampled_from(["/", "/statistics", "/statistics.csv", "/audit", "/directory"])
    pair = st.builds("{}={}".format, text(6).map(quoted), text(20).map(quoted))
    query = st.lists(pair, max_size=3).map("&".join)
    path = st.builds("{}?{}".format, page, query)
    return st.builds(Request, staff(), st.just("GET"), path, st.just({}))


def requests() -> st.SearchStrategy[Request]:
    audit = st.builds(Request, staff(), st.just("POST"), st.just("/audit"), fields([]))
    return weighted(
        (9, case_form()), (4, directory_form()), (1, audit), (2, sign_in_form()), (4, page_query())
    )


class Fuzzer:
    def __init__(self, world: World) -> None:
        self.world = world
        self.worker, self.admin = world.client(), world.client()
        self.csrf = {
            "worker": sign_in(world, self.worker),
            "admin": sign_in(world, self.admin, ADMIN),
        }
        self.cases: list[str] = []
        self.sent = 0

    def new_case(self) -> None:
        case = self.world.submit()
        self.cases.append(case)
        self.worker.post(f"/cases/{case}/claim", data={"csrf": self.csrf["worker"]})

    def send(self, request: Request) -> int:
        if self.sent % 200 == 0:
            self.new_case()
        self.sent += 1
        if request.who == "anonymous":
            client = TestClient(self.worker.app, base_url="https://testserver")
            csrf = csrf_of(client.get("/sign-in").text)
        else:
            client = self.worker if request.who == "worker" else self.admin
            csrf = self.csrf[request.who]
        if request.method == "GET":
            return client.get(request.path).status_code
        path = request.path
        if request.case is not None:
            case = request.case
            if isinstance(case, int):
                case = self.cases[-min(case, len(self.cases))]
            path = "/cases" + path.format(case=quoted(case))
        form = {k: csrf if v is SESSION_CSRF else v for k, v in request.form.items()}
        return post(client, path, form)


@pytest.fixture
def fuzzer(world: World) -> Fuzzer:
    return Fuzzer(world)


def test_generated_forms_never_get_a_500_and_no_status_reaches_the_person(
    fuzzer: Fuzzer, world: World
) -> None:
    statuses: Counter[int] = Counter()  # printed: how many inputs got past the checks

    @fuzz("console forms", requests(), short=150, soak=12_000)
    def one(request: Request) -> None:
        status = fuzzer.send(request)
        statuses[status] += 1
        assert status < 500, f"{request.method} {request.path} answered {status}"

    one()
    key = FrontEndKey(world.settings.front_end_key())
    deliveries = Store(world.db).pending_deliveries({key.key_id: key})
    firewall = default_firewall()
    leaked = [d.text for d in deliveries if firewall.contains_immigration_detail(d.text)]
    print(f"\nfuzz console forms: answers {dict(sorted(statuses.items()))}")
    print(f"fuzz console forms: {len(deliveries)} replies in the outbox, {len(leaked)} leaked")
    assert deliveries, "no reply got through at all: the fuzz reached nothing"
    assert leaked == []
