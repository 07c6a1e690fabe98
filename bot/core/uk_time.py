"""UK wall-clock time: opening hours, "verified" dates and "open now" are all Europe/London."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from bot.core.errors import LanternError

LONDON = ZoneInfo("Europe/London")


class NaiveDatetimeError(LanternError, ValueError):
    """Opening hours were asked about with a timestamp that has no time zone."""


def london_time(at: datetime.datetime) -> datetime.datetime:
    """``at`` as UK wall-clock time; a naive timestamp is refused rather than guessed at."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveDatetimeError("opening hours need a timezone-aware datetime")
    return at.astimezone(LONDON)


def now_in_london() -> datetime.datetime:
    return datetime.datetime.now(tz=LONDON)


def uk_today(at: datetime.datetime | None = None) -> datetime.date:
    """The date in the UK at ``at`` (default now): a "verified" date typed shortly after
    midnight in summer is today's, though UTC still says yesterday."""
    return london_time(at or datetime.datetime.now(datetime.timezone.utc)).date()
