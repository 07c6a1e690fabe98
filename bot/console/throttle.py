"""Sign-in throttling by growing delays, per login name and per client address.

It replaces a lockout that anyone knowing a login could trigger. After a few free failures each
one makes the next try wait longer, doubling up to a cap: short for a login name (a stranger can
slow the real person by at most ``LOGIN.cap`` per try, never lock them out), long for an address
(one machine guessing many logins). A try made too early is refused before any passphrase is
checked, so it costs no Argon2id and counts no further failure. Online guessing gains little
even inside the delays: a wrong passphrase and a wrong code are refused alike, so a passphrase
cannot be guessed without the code of the moment. The counts are rows of ``sign_in_throttle``
keyed by SHA-256 digests, so they survive a restart and list no login or address in clear.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.core.db.models import SignInThrottle

# Failures older than this are forgotten: a typo last week costs nothing today. Longer than
# every cap, so a forgotten row never still holds a wait.
FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Rule:
    free_failures: int
    first_delay: timedelta
    cap: timedelta


LOGIN = Rule(free_failures=3, first_delay=timedelta(seconds=2), cap=timedelta(seconds=60))
ADDRESS = Rule(free_failures=10, first_delay=timedelta(seconds=2), cap=timedelta(minutes=15))


def subjects(login: str, address: str | None) -> dict[str, Rule]:
    """The throttle rows one sign-in attempt counts against, digest → rule."""
    found = {_digest("login", login): LOGIN}
    if address:
        found[_digest("address", address)] = ADDRESS
    return found


def wait_seconds(session: Session, counted: dict[str, Rule], now: datetime) -> int:
    """Whole seconds until a try is allowed for every subject (0: allowed now)."""
    waits = [
        (row.not_before - now).total_seconds()
        for digest in counted
        if (row := session.get(SignInThrottle, digest)) is not None
    ]
    longest = max(waits, default=0.0)
    return int(longest) + (1 if longest % 1 else 0) if longest > 0 else 0


def count_failure(session: Session, counted: dict[str, Rule], now: datetime) -> None:
    # Rows an hour old are spent (every cap is shorter): drop them, so random login names tried
    # by a stranger do not pile up. Only a failure pays for this, never a sign-in.
    session.execute(
        delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - FORGET_AFTER)
    )
    for digest, rule in counted.items():
        row = session.get(SignInThrottle, digest)
        if row is None:
            row = SignInThrottle(subject=digest, failures=0, last_failure_at=now, not_before=now)
            session.add(row)
        if now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        row.not_before = now + delay_after(rule, row.failures)
    session.flush()


def forget_login(session: Session, login: str) -> None:
    """After a sign-in succeeds its login starts afresh; the address keeps its count, so one
    working account cannot wash away the guesses made from the same machine."""
    row = session.get(SignInThrottle, _digest("login", login))
    if row is not None:
        session.delete(row)


def delay_after(rule: Rule, failures: int) -> timedelta:
    beyond = failures - rule.free_failures
    if beyond <= 0:
        return timedelta(0)
    # The exponent is bounded so a long attack cannot overflow timedelta.
    doubled: timedelta = rule.first_delay * (1 << min(beyond - 1, 20))
    return min(doubled, rule.cap)


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
