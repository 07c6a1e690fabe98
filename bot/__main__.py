"""Lantern's command line: ``python -m bot <command>``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from bot.core.config import Settings, load_console_settings, load_settings
from bot.core.errors import LanternError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "chat", help="talk to the assistant in this terminal, through the front door"
    )
    commands.add_parser(
        "telegram",
        help="run the Telegram front end (the local emulator unless a bot token is configured)",
    )
    commands.add_parser(
        "firewall", help="read lines on stdin, print each line with immigration details removed"
    )
    emulator = commands.add_parser(
        "emulator", help="serve a local Telegram Bot API stand-in and a chat page (no token)"
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    emulator.add_argument("--port", type=int, default=8081, help="port (default 8081)")
    commands.add_parser(
        "local-setup", help="create keys, the database and a demo partner charity under var/"
    )
    commands.add_parser(
        "demo-code", help="print the demo caseworker's current sign-in code (local runs only)"
    )
    commands.add_parser(
        "health", help="each server of a running `make run` stack: up or down, restarts, URL"
    )
    commands.add_parser("audit-verify", help="check the audit log's hash chain; exit 1 if broken")
    audit = commands.add_parser("audit", help="the audit log: export a checkpoint, or verify")
    audit_actions = audit.add_subparsers(dest="action", required=True)
    audit_actions.add_parser(
        "checkpoint", help="print the chain's head, count and time: keep it off the database"
    )
    verify = audit_actions.add_parser("verify", help="check the keyed chain; exit 1 if broken")
    verify.add_argument(
        "--against", type=Path, help="a file holding a checkpoint: also find a cut tail"
    )
    purge = commands.add_parser(
        "purge", help="delete expired drafts, closed cases, spent deliveries and idle trackers"
    )
    purge.add_argument("--draft-days", type=_days, help="keep unclaimed drafts this many days")
    purge.add_argument("--closed-days", type=_days, help="keep closed cases this many days")
    erase = commands.add_parser(
        "erase", help="erase everything linked to one pseudonym: tracker, drafts, handoffs"
    )
    erase.add_argument("--pseudonym", required=True, help="the person's 64-hex sender id")
    _add_console_commands(commands)
    return parser


def _add_console_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    console = commands.add_parser("console", help="serve the caseworker console (loopback)")
    console.add_argument("--host", default="127.0.0.1")
    console.add_argument("--port", type=int, default=8080)
    console.add_argument(
        "--insecure-cookies",
        action="store_true",
        help="drop the cookie's Secure flag, for plain http on this machine only",
    )
    staff = commands.add_parser("staff", help="organisations, staff, passwords and keys")
    actions = staff.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create-organisation", help="a new partner and its admin")
    create.add_argument("--name", required=True)
    create.add_argument("--admin", required=True, help="the admin's login name")
    add = actions.add_parser("add", help="add a staff member (an admin's passphrase needed)")
    add.add_argument("--by", required=True, help="the admin's login name")
    add.add_argument("--login", required=True)
    add.add_argument("--role", required=True, choices=["caseworker", "supervisor", "admin"])
    reset = actions.add_parser("reset-password", help="new passphrase and TOTP (recovery code)")
    reset.add_argument("--login", required=True)
    rotate = actions.add_parser("rotate-keys", help="a new organisation key pair")
    rotate.add_argument("--by", required=True, help="the admin's login name")
    grant = actions.add_parser("grant-keys", help="wrap newer keys for someone absent at rotation")
    grant.add_argument("--by", required=True, help="the admin's login name")
    grant.add_argument("--login", required=True)
    for verb, summary in (
        ("disable", "stop someone signing in; their sessions end at once"),
        ("enable", "let a disabled (not removed) staff member sign in again"),
        ("remove", "disable, and delete their key copies and credentials (then rotate-keys)"),
    ):
        lifecycle = actions.add_parser(verb, help=summary)
        lifecycle.add_argument("--by", required=True, help="the admin's login name")
        lifecycle.add_argument("--login", required=True)
    coverage = actions.add_parser(
        "coverage", help="declare the nations, regions, languages and help the organisation covers"
    )
    coverage.add_argument("--by", required=True, help="the admin's login name")
    for option, example in (
        ("--nations", "england,wales"),
        ("--regions", "london (English regions)"),
        ("--languages", "en,cy"),
        ("--help-types", "talk,legal"),
    ):
        coverage.add_argument(
            option, help=f"comma-separated, e.g. {example}; 'any' clears; left out: unchanged"
        )


def _days(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError("a whole number of days, at least 1")
    return int(raw)


def _records_command(args: argparse.Namespace, settings: Settings) -> int:
    """``audit``, ``audit-verify``, ``purge`` and ``erase`` (the last two audited by the store)."""
    from bot.core.crypto import FrontEndKey
    from bot.core.db import audit_checkpoint
    from bot.core.db.store import Database, Store, create_engine_for

    if args.command == "audit-verify":
        return audit_checkpoint.run_verify_command(create_engine_for(settings), sys.stdout)
    if args.command == "audit":
        engine = create_engine_for(settings)
        if args.action == "checkpoint":
            now = datetime.now(timezone.utc)
            return audit_checkpoint.run_checkpoint_command(engine, sys.stdout, now)
        return audit_checkpoint.run_verify_command(engine, sys.stdout, args.against)
    from bot.core.tracker_vault import tracker_vault_for

    store = Store(Database(create_engine_for(settings)))
    trackers = tracker_vault_for(settings)
    # Only the front end's key opens which cases are whose (bot/core/db/case_links.py).
    front_end_key = FrontEndKey(settings.front_end_key())
    if args.command == "purge":
        purged = store.purge_expired(
            front_end_key,
            draft_days=args.draft_days or settings.purge_draft_days,
            closed_days=args.closed_days or settings.purge_closed_days,
        )
        print(f"purged: {purged}, idle trackers deleted: {trackers.purge()}")
        # Run nightly, its output (mailed or logged elsewhere) carries a checkpoint off the host.
        now = datetime.now(timezone.utc)
        audit_checkpoint.run_checkpoint_command(store.db.engine, sys.stdout, now)
    else:
        erased = store.erase_pseudonym(args.pseudonym, front_end_key)
        print(f"erased: {erased}, tracker deleted: {trackers.erase(args.pseudonym)}")
    return 0


def _settings_free_command(args: argparse.Namespace) -> int:
    """``firewall`` and ``emulator`` need no settings, keys or database."""
    if args.command == "firewall":
        from bot.core.firewall import run_redaction_filter

        return run_redaction_filter(sys.stdin, sys.stdout)
    from bot.emulator import serve

    serve(args.host, args.port)
    return 0


def _staff_command(args: argparse.Namespace, settings: Settings) -> int:
    """``staff``: the bootstrap CLI, staff-side only."""
    from bot.console.admin_cli import run_staff_command

    return run_staff_command(args, settings, sys.stdout)


def _console_command(args: argparse.Namespace) -> int:
    """``console``: the web console, on settings that name no secret of the bot side."""
    from bot.console.app import serve

    return serve(
        load_console_settings(), args.host, args.port, secure_cookies=not args.insecure_cookies
    )


def _local_setup_command(args: argparse.Namespace, settings: Settings) -> int:
    """``local-setup`` and ``demo-code``: a local run's keys, database and demo charity."""
    import time

    from bot.console.demo import demo_account, demo_totp_code, seed_demo_organisation
    from bot.core.db.local_setup import create_local_setup

    if args.command == "demo-code":
        print(demo_totp_code(demo_account(settings), time.time()))
        return 0
    create_local_setup(settings)
    created = seed_demo_organisation(settings)
    if created is not None:
        print(f"Created a demo partner charity; its staff sign-ins are in {created}")
    return 0


def _front_end_command(args: argparse.Namespace, settings: Settings) -> int:
    """``telegram`` and ``chat``: the victim-facing front ends."""
    if args.command == "telegram":
        from bot.frontdoor.telegram_app import main as telegram_main

        return telegram_main(settings)
    from bot.frontdoor.terminal import main as chat_main

    return chat_main(settings)


def _health_command(_args: argparse.Namespace, settings: Settings) -> int:
    """``health``: exit 0 when every server of the running stack answers, else 1."""
    from bot.health import report, state_file_for

    return report(state_file_for(settings.var_dir), sys.stdout)


SETTINGS_FREE = frozenset({"firewall", "emulator"})
HANDLERS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "local-setup": _local_setup_command,
    "demo-code": _local_setup_command,
    "audit-verify": _records_command,
    "audit": _records_command,
    "purge": _records_command,
    "erase": _records_command,
    "staff": _staff_command,
    "telegram": _front_end_command,
    "chat": _front_end_command,
    "health": _health_command,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in SETTINGS_FREE:
            return _settings_free_command(args)
        if args.command == "console":
            return _console_command(args)
        return HANDLERS[args.command](args, load_settings())
    except LanternError as error:
        print(f"lantern: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
