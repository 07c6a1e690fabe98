"""``python -m bot staff …``: the bootstrap commands an admin runs at the server.

Secrets (passphrases, the recovery code) are asked for without echo on a terminal and read one
per line from standard input otherwise, never taken from the command line, where they would
land in the shell history and ``/proc``. A passphrase being chosen is checked for strength first
(``bot.core.passphrase_strength``). Recovery codes and TOTP enrolment URIs are printed once and
stored nowhere in clear. ``disable``, ``enable`` and ``remove`` are ``bot.core.db.staff_lifecycle``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TextIO

from sqlalchemy.orm import Session

from bot.core.config import Settings
from bot.core.crypto import PRODUCTION_KDF, KdfParams
from bot.core.db.database import Database
from bot.core.db.migrations import create_engine_for
from bot.core.db.models import Role
from bot.core.db.organisations import (
    Credentials,
    Enrolment,
    actor_for,
    add_staff_member,
    create_organisation,
    grant_missing_keys,
    prove_admin,
    reset_password,
    rotate_keys,
    staff_by_login,
)
from bot.core.db.routing import KEEP, Coverage, CoverageUpdate, set_organisation_coverage
from bot.core.db.staff_lifecycle import disable_staff, enable_staff, remove_staff
from bot.core.key_pins import pin_key
from bot.core.passphrase_strength import require_strong_passphrase

Ask = Callable[[str], str]
LIFECYCLE = ("disable", "enable", "remove")
REMOVAL_ADVICE = (
    "They may still know what they read and may have kept a copy of the organisation key: run "
    "`staff rotate-keys`, then `staff grant-keys` for each remaining member."
)


def ask_secret(prompt: str) -> str:
    """No echo on a terminal; one line of standard input when piped (scripts and tests)."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    print(prompt, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().rstrip("\n")


def run_staff_command(
    args: argparse.Namespace,
    settings: Settings,
    out: TextIO,
    *,
    ask: Ask = ask_secret,
    kdf: KdfParams = PRODUCTION_KDF,
) -> int:
    db = Database(create_engine_for(settings))
    db.migrate()
    now = datetime.now(timezone.utc)
    with db.transaction() as session:
        if args.action == "create-organisation":
            admin = Credentials(args.admin, _new_passphrase(ask, f"Passphrase for {args.admin}: "))
            created = create_organisation(session, args.name, admin, now, kdf=kdf)
            print(f"organisation {args.name}: {created.organisation_id}", file=out)
            _pin(settings, created.organisation_id, created.key_id, out)
            print(f"RECOVERY CODE (shown once, keep it offline): {created.recovery_code}", file=out)
            _print_enrolment(created.admin, out)
        elif args.action == "add":
            by = Credentials(args.by, ask(f"Passphrase for {args.by}: "))
            chosen = _new_passphrase(ask, f"New passphrase for {args.login}: ")
            new = Credentials(args.login, chosen)
            role = Role(args.role)
            _print_enrolment(add_staff_member(session, by, new, role, now, kdf=kdf), out)
        elif args.action == "reset-password":
            code = ask("Recovery code: ")
            passphrase = _new_passphrase(ask, f"New passphrase for {args.login}: ")
            _print_enrolment(
                reset_password(session, args.login, code, passphrase, now, kdf=kdf), out
            )
        elif args.action == "rotate-keys":
            by = Credentials(args.by, ask(f"Passphrase for {args.by}: "))
            key_id = rotate_keys(session, by, ask("Recovery code: "), now, kdf=kdf)
            print(f"new organisation key {key_id}; run `staff grant-keys` for the others", file=out)
            _pin(settings, staff_by_login(session, args.by).organisation_id, key_id, out)
        elif args.action == "coverage":
            _declare_coverage(session, args, ask, now, out)
        elif args.action in LIFECYCLE:
            _change_lifecycle(session, args, ask, now, out)
        else:
            by = Credentials(args.by, ask(f"Passphrase for {args.by}: "))
            to = Credentials(args.login, ask(f"Passphrase of {args.login}: "))
            granted = grant_missing_keys(session, by, to, now, kdf=kdf)
            print(f"{granted} key(s) wrapped for {args.login}", file=out)
    return 0


def _new_passphrase(ask: Ask, prompt: str) -> str:
    """A passphrase a person is choosing now: refused before any work if it is weak."""
    passphrase = ask(prompt)
    require_strong_passphrase(passphrase)
    return passphrase


def _change_lifecycle(
    session: Session, args: argparse.Namespace, ask: Ask, now: datetime, out: TextIO
) -> None:
    by = Credentials(args.by, ask(f"Passphrase for {args.by}: "))
    if args.action == "disable":
        disable_staff(session, by, args.login, now)
        print(f"{args.login} is disabled; their sessions have ended", file=out)
    elif args.action == "enable":
        enable_staff(session, by, args.login, now)
        print(f"{args.login} can sign in again", file=out)
    else:
        deleted = remove_staff(session, by, args.login, now)
        print(f"{args.login} is removed; {deleted} wrapped key(s) deleted", file=out)
        print(REMOVAL_ADVICE, file=out)


def _pin(settings: Settings, organisation_id: str, key_id: str, out: TextIO) -> None:
    """Pin the new key here, and say what line the other sealing hosts' pins file needs."""
    pin_key(settings.organisation_key_pins_file, organisation_id, key_id)
    print(
        f"pinned in {settings.organisation_key_pins_file}; add this line to the pins file of "
        f"every host that seals (bot side and console): {organisation_id} {key_id}",
        file=out,
    )


def _print_enrolment(enrolment: Enrolment, out: TextIO) -> None:
    print(f"staff {enrolment.login_name}: {enrolment.staff_id}", file=out)
    print("Add this to an authenticator app now (shown once):", file=out)
    print(enrolment.otpauth_uri, file=out)


def _declare_coverage(
    session: Session, args: argparse.Namespace, ask: Ask, now: datetime, out: TextIO
) -> None:
    """``staff coverage``: an admin declares what their own organisation covers, for routing."""
    by = prove_admin(session, Credentials(args.by, ask(f"Passphrase for {args.by}: ")))
    coverage = set_organisation_coverage(
        session,
        by.organisation_id,
        actor=actor_for(by),
        now=now,
        nations=_token_list(args.nations),
        regions=_token_list(args.regions),
        languages=_token_list(args.languages),
        help_types=_token_list(args.help_types),
    )
    _print_coverage(by.organisation_id, coverage, out)


def _token_list(raw: str | None) -> CoverageUpdate:
    """An option left out keeps the current list; ``any`` clears it (covers everything)."""
    if raw is None:
        return KEEP
    if raw.strip().lower() == "any":
        return None
    return [token.strip().lower() for token in raw.split(",") if token.strip()]


def _print_coverage(organisation_id: str, coverage: Coverage, out: TextIO) -> None:
    print(f"organisation {organisation_id} covers:", file=out)
    for label, tokens in (
        ("nations", coverage.nations),
        ("regions", coverage.regions),
        ("languages", coverage.languages),
        ("help types", coverage.help_types),
    ):
        print(f"  {label}: {'any' if tokens is None else ', '.join(tokens)}", file=out)
