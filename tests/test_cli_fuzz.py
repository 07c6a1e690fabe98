"""The command line's parsers fuzzed: ``python -m bot`` (bot/__main__.py) with every command and
option, the staff commands' arguments (bot/console/admin_cli.py) among them, fed generated
arguments. Expected: a namespace, or argparse's own exit (0 for --help, 2 with a message), never
a traceback. The record commands that parse (``erase``, ``purge``) are also run for real on a
var/ of their own, and must end with an exit code, not an exception."""

from __future__ import annotations

import argparse
import contextlib
import io
import random
from pathlib import Path

import pytest

from bot.__main__ import build_parser, main
from bot.console import admin_cli
from bot.core.config import load_settings
from bot.core.db.local_setup import create_local_setup
from tests.fuzzing import examples, rng, tally, text

pytestmark = pytest.mark.soak

COMMANDS = {
    "chat": [],
    "telegram": [],
    "firewall": [],
    "emulator": ["--host", "--port"],
    "local-setup": [],
    "demo-code": [],
    "health": [],
    "audit-verify": [],
    "purge": ["--draft-days", "--closed-days"],
    "erase": ["--pseudonym"],
    "console": ["--host", "--port", "--insecure-cookies"],
    "staff": [],
}
STAFF = {
    "create-organisation": ["--name", "--admin"],
    "add": ["--by", "--login", "--role"],
    "reset-password": ["--login"],
    "rotate-keys": ["--by"],
    "grant-keys": ["--by", "--login"],
    "coverage": ["--by", "--nations", "--regions", "--languages", "--help-types"],
}
# Run for real on the test's own var/: quick, and nothing else reads that database.
RUNNABLE = {"erase", "purge"}
# Each real run loads the firewall's lexicon (about 0.3 s), so only some parsed ones run.
RUN_SHARE = 0.05


def argv(r: random.Random) -> list[str]:
    command = r.choice([*COMMANDS, text(r, 12)]) if r.random() < 0.97 else "--help"
    options = COMMANDS.get(command, [])
    words = [command]
    if command == "staff":
        action = r.choice([*STAFF, text(r, 10)])
        words.append(action)
        options = STAFF.get(action, [])
    for _ in range(r.randint(0, 5)):
        pick = r.random()
        if options and pick < 0.6:
            words.append(r.choice(options))
            words.append(value(r))
        elif pick < 0.7:
            words.append(r.choice(["--help", "-h", "--", "-", "--nope"]))
        else:
            words.append(value(r))
    if r.random() < 0.05:
        r.shuffle(words)
    return words


def value(r: random.Random) -> str:
    return r.choice(
        [
            text(r, 30),
            str(r.randint(-5, 70000)),
            r.choice(["caseworker", "supervisor", "admin", "any", "england,wales", ",,", " any "]),
            "a" * 64,
            "0" * 63 + "g",
        ]
    )


def test_generated_arguments_parse_or_are_refused_never_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANTERN_VAR_DIR", str(tmp_path / "var"))
    for variable in ("LANTERN_DATABASE_URL", "LANTERN_TRACKER_URL"):
        monkeypatch.delenv(variable, raising=False)
    create_local_setup(load_settings())
    r, counted = rng("cli"), tally("cli parsers")
    parser = build_parser()
    runs = 0
    for number in range(examples()):
        words = argv(r)
        counted.inputs += 1
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    args = parser.parse_args(words)
                except SystemExit as refused:
                    if refused.code not in (0, 2):
                        counted.fail(number, f"{words!r} exited {refused.code!r}")
                    elif refused.code == 2 and "error:" not in err.getvalue():
                        counted.fail(number, f"{words!r} refused without saying why")
                    continue
                if args.command == "staff" and args.action == "coverage":
                    for raw in (args.nations, args.regions, args.languages, args.help_types):
                        parsed = admin_cli._token_list(raw)
                        if raw is None:
                            assert parsed is admin_cli.KEEP
                        elif parsed is not None:
                            assert isinstance(parsed, list)
                            assert all(t and "," not in t and t == t.strip() for t in parsed)
                if args.command in RUNNABLE and r.random() < RUN_SHARE:
                    runs += 1
                    code = main(words)
                    if code not in (0, 2):
                        counted.fail(number, f"{words!r} returned {code!r}")
        except (argparse.ArgumentError, Exception) as crashed:  # noqa: BLE001 - counted, not raised
            counted.fail(number, f"{words!r} raised {type(crashed).__name__}: {crashed}")
    print(f"\n{counted.line()} ({runs} run for real)")
    assert counted.failures == []
