"""Keep user text, account ids and slot values out of every log line, ours and the libraries'.

Rasa logs the user's message and slot values at DEBUG, and some of its error paths put them in
the message itself; rasa-sdk logs slot candidates; an exception's message can quote a request
body. We cannot know which words came from a person, so for libraries we keep only what cannot
be theirs: a log line from any logger outside our own packages keeps its leading prose (the
fixed part of an f-string, cut at the first quote, digit, bracket or colon) and says the rest was
withheld. Exceptions keep their types and stack frames (code, not data) but lose their messages,
for our loggers too. Our own messages are kept whole: our code never logs user text.

The mechanism is a log-record factory, so it holds whatever handlers Rasa or coloredlogs install
later. It is installed by ``logging.yml`` (both servers start with it) and again by the tracker
store when Rasa constructs it.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

OWN_LOGGERS = ("bot", "actions", "lantern")
WITHHELD = "(details withheld)"
# The fixed prose at the start of a library's message: letters, spaces, light punctuation.
_LEADING_PROSE = re.compile(r"[A-Za-z][A-Za-z ,.;!?&/_-]{0,119}")
# Rasa's structlog lines are JSON ending with a fixed event name chosen in its code, then the
# level; a person's text inside the JSON is escaped, so it cannot forge this ending.
_STRUCTLOG_EVENT = re.compile(r'"event": "([A-Za-z0-9_.-]{1,80})", "level": "[a-z]+"\}$')
_MARK = "_lantern_scrubbed"


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite a record in place so that it carries no data from a conversation; idempotent."""
    if getattr(record, _MARK, False):
        return record
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = _exception_shape(record.exc_info[1])
        record.exc_info = None
    if not _is_own(record.name):
        record.msg, record.args = _leading_prose(record), None
    setattr(record, _MARK, True)
    return record


def install_log_hygiene() -> None:
    """Make every record created in this process pass :func:`scrub_record`; safe to repeat."""
    current = logging.getLogRecordFactory()
    if getattr(current, _MARK, False):
        return

    def hygienic_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(current(*args, **kwargs))

    setattr(hygienic_record, _MARK, True)
    logging.setLogRecordFactory(hygienic_record)


class LogHygieneFilter(logging.Filter):
    """For handlers in ``logging.yml``: scrubs records made before the factory was installed."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


def hygiene_filter() -> LogHygieneFilter:
    """``logging.yml`` entry point: installs the record factory and returns the handler filter."""
    install_log_hygiene()
    return LogHygieneFilter()


def _is_own(name: str) -> bool:
    return any(name == own or name.startswith(own + ".") for own in OWN_LOGGERS)


def _leading_prose(record: logging.LogRecord) -> str:
    # Only the template, never the arguments: %-style arguments are exactly the variable parts.
    template = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
    event = _STRUCTLOG_EVENT.search(template) if template.startswith("{") else None
    if event:
        return f"{event.group(1)} {WITHHELD}"
    match = _LEADING_PROSE.match(template)
    prose = match.group(0).rstrip(" ,;&/_-") if match else ""
    if prose == template and not record.args:
        return prose
    return f"{prose} {WITHHELD}" if prose else WITHHELD


def _exception_shape(error: BaseException | None) -> str:
    """Traceback frames and exception type names, without any exception's message."""
    lines: list[str] = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = traceback.format_tb(error.__traceback__)
        lines[:0] = [*frames, f"{type(error).__module__}.{type(error).__qualname__}: {WITHHELD}\n"]
        error = error.__cause__ or error.__context__
        if error is not None:
            lines[:0] = ["(which led to)\n"]
    return "Traceback (most recent call last):\n" + "".join(lines).rstrip("\n")
