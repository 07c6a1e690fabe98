"""Lantern's command line: ``python -m bot <command>``."""

from __future__ import annotations

import argparse
import sys

from bot.core.config import load_settings
from bot.core.errors import LanternError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "chat", help="talk to the assistant in this terminal, through the front door"
    )
    commands.add_parser(
        "firewall", help="read lines on stdin, print each line with immigration details removed"
    )
    commands.add_parser(
        "local-setup", help="create keys, the database and a demo partner charity under var/"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "firewall":
            from bot.core.firewall import run_redaction_filter

            return run_redaction_filter(sys.stdin, sys.stdout)
        settings = load_settings()
        if args.command == "local-setup":
            from bot.core.local_setup import create_local_setup

            created = create_local_setup(settings)
            if created is not None:
                print(f"Created a demo partner charity; its credentials are in {created}")
            return 0
        from bot.frontdoor.terminal import main as chat_main

        return chat_main(settings)
    except LanternError as error:
        print(f"lantern: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
