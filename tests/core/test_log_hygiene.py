"""Log hygiene: library log lines keep their fixed prose only; exceptions lose their messages."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.core.log_hygiene import WITHHELD, install_log_hygiene, scrub_record

USER_TEXT = "my spouse visa XQZ-LOG-MARKER 07700900123"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """A handler on the root logger, with the record factory restored afterwards."""
    factory = logging.getLogRecordFactory()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    install_log_hygiene()
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    logging.setLogRecordFactory(factory)


def test_rasa_style_messages_keep_only_their_leading_prose(captured: io.StringIO) -> None:
    """Given Rasa's own DEBUG and ERROR lines with user text in f-strings and %-arguments,
    then the log keeps "Received user message" but never the text."""
    logging.getLogger("rasa.core.processor").debug(
        f"Received user message '{USER_TEXT}' with intent"
    )
    logging.getLogger("rasa_sdk.forms").debug("Validating extracted slots: %s", {"s": USER_TEXT})
    logging.getLogger("rasa.core.actions").error(f"SlotSet(key: x, value: {USER_TEXT})")
    logging.getLogger("rasa.core.processor").debug(
        f'{{"rasa_events": "{USER_TEXT}", "event": "processor.extract.slots", "level": "debug"}}'
    )
    logged = captured.getvalue()
    assert "XQZ" not in logged and "07700" not in logged and "spouse" not in logged
    assert f"processor.extract.slots {WITHHELD}" in logged
    assert f"Received user message {WITHHELD}" in logged
    assert f"Validating extracted slots {WITHHELD}" in logged


def test_exceptions_keep_types_and_frames_but_not_messages(captured: io.StringIO) -> None:
    try:
        try:
            raise KeyError(USER_TEXT)
        except KeyError as error:
            raise ValueError(USER_TEXT) from error
    except ValueError:
        logging.getLogger("bot.frontdoor").exception("turn failed")
    logged = captured.getvalue()
    assert "XQZ" not in logged
    assert "turn failed" in logged
    assert "builtins.KeyError" in logged and "builtins.ValueError" in logged
    assert "test_log_hygiene.py" in logged


def test_own_messages_are_kept_whole_and_scrubbing_is_idempotent() -> None:
    record = logging.LogRecord(
        "bot.core.db.store", logging.INFO, __file__, 1, "saved %d", (3,), None
    )
    assert scrub_record(scrub_record(record)).getMessage() == "saved 3"
    foreign = logging.LogRecord(
        "sanic.root", logging.INFO, __file__, 1, "Starting worker", (), None
    )
    assert scrub_record(foreign).getMessage() == "Starting worker"
