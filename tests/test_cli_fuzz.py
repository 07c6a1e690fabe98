"""The command line's parsers fuzzed: ``python -m bot`` (bot/__main__.py) with every command and
option, the staff commands' arguments (bot/console/admin_cli.py) among them, fed generated
arguments. Expected: a namespace, or argparse's own exit (0 for --help, 2 with a message), never
a traceback. The record commands that parse (``erase``, ``purge``) are also run for real on a
var/ of their own, and must end with an exit code, not an exception."""

from __future__ import annotations

import contextlib
import functools
import io
from pathlib import Path

import pytest
from hypothesis import strategies as st

from bot.__main__ import build_parser, main
from bot.console import admin_cli
from bot.core.config import load_settings
from bot.core.db.local_setup import create_local_setup
from tests.fuzzing import fuzz, text, weighted

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
# Each real run loads the firewall's lexicon (about 0.3 s), so only the first and
# every 20th parsed one run.
RUN_SHARE = 20


@st.composite
def argv(draw: st.DrawFn) -> list[str]:
    command = draw(
        weighted((30, st.sampled_from(list(COMMANDS))), (1, st.just("--help")), (3, text(12)))
    )
    options = COMMANDS.get(command, [])
    words = [command]
    if command == "staff":
        action = draw(weighted((6, st.sampled_from(list(STAFF))), (1, text(10))))
        words.append(action)
        options = STAFF.get(action, [])
    flags = st.sampled_from(["--help", "-h", "--", "-", "--nope"])
    for _ in range(draw(st.integers(0, 5))):
        pick = draw(st.integers(0, 9))
        if options and pick < 6:
            words += [draw(st.sampled_from(options)), draw(value())]
        elif pick < 7:
            words.append(draw(flags))
        else:
            words.append(draw(value()))
    return draw(st.permutations(words)) if draw(st.integers(0, 19)) == 0 else words


@functools.cache  # built once: see tests/fuzzing.py's text()
def value() -> st.SearchStrategy[str]:
    return weighted(
        (1, text(30)),
        (1, st.integers(-5, 70000).map(str)),
        (1, st.sampled_from(["caseworker", "supervisor", "admin", "any", "england,wales", ",,"])),
        (1, st.sampled_from([" any ", "a" * 64, "0" * 63 + "g"])),
    )


def test_generated_arguments_parse_or_are_refused_never_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANTERN_VAR_DIR", str(tmp_path / "var"))
    for variable in ("LANTERN_DATABASE_URL", "LANTERN_TRACKER_URL"):
        monkeypatch.delenv(variable, raising=False)
    create_local_setup(load_settings())
    parser = build_parser()
    parsed, records, runs = 0, 0, 0

    @fuzz("cli parsers", argv(), soak=50_000)
    def one(words: list[str]) -> None:
        nonlocal parsed, records, runs
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                args = parser.parse_args(words)
            except SystemExit as refused:
                assert refused.code in (0, 2), f"exited {refused.code!r}"
                if refused.code == 2:
                    assert "error:" in err.getvalue(), "refused without saying why"
                return
            parsed += 1
            if args.command == "staff" and args.action == "coverage":
                for raw in (args.nations, args.regions, args.languages, args.help_types):
                    tokens = admin_cli._token_list(raw)
                    if raw is None:
                        assert tokens is admin_cli.KEEP
                    elif tokens is not None:
                        assert isinstance(tokens, list)
                        assert all(t and "," not in t and t == t.strip() for t in tokens)
            if args.command in RUNNABLE:
                records += 1
                if records % RUN_SHARE != 1:
                    return
                runs += 1
                assert main(words) in (0, 2)

    one()
    print(f"\nfuzz cli parsers: {parsed} parsed, {records} record commands, {runs} run for real")
    assert runs > 0, "no record command was run: the fuzz reached nothing past the parser"
