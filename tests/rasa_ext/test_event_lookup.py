"""The event-class table finds exactly the classes Rasa's own lookup does, in Rasa's own
interpreter (.venv-rasa), is installed when Rasa builds Lantern's tracker store, and fails loudly
if a Rasa upgrade moves what it replaces."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.core.config import PROJECT_ROOT, load_settings
from bot.core.private_files import write_private_file
from tests.support_rasa import run_in_rasa

CHECK = r"""
import inspect, sys
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered, deserialise_events
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import read_endpoint_config

# What this replaces must still be where it was, with the same shape.
assert isinstance(inspect.getattr_static(Event, "resolve_by_type"), staticmethod)
assert list(inspect.signature(Event.resolve_by_type).parameters) == ["type_name", "default"]
assert "all_subclasses(Event)" in inspect.getsource(Event.resolve_by_type)
assert "Event.resolve_by_type(" in inspect.getsource(Event.from_parameters)

# The table is filled from Rasa's answers: sound only while no two classes share a type name.
names = [cls.type_name for cls in all_subclasses(Event)]
assert len(names) > 20 and len(names) == len(set(names)), sorted(names)

def outcome(name, default=None):
    try:
        return Event.resolve_by_type(name, default)
    except ValueError as error:
        return ("refused", str(error))

cases = [(n, None) for n in names] + [("no-such-event", None), ("topic", None),
         ("no-such-event", UserUttered), (names[0], UserUttered)]
before = [outcome(*case) for case in cases]
stored = [UserUttered("hi", {"name": "greet"}).as_dict(), ActionExecuted("action_listen").as_dict()]
events_before = deserialise_events(stored)
assert not getattr(Event.resolve_by_type, "remembers", False)

config = read_endpoint_config(sys.argv[1], "tracker_store")
TrackerStore.create(config, Domain.empty())  # how Rasa builds Lantern's store at start-up
assert Event.resolve_by_type.remembers
from bot.rasa_ext import event_lookup
event_lookup.install()  # idempotent
for _ in range(2):  # the first pass fills the table, the second reads it
    after = [outcome(*case) for case in cases]
    assert before == after, [(c, b, a) for c, b, a in zip(cases, before, after) if b != a]
    assert deserialise_events(stored) == events_before
assert before[-4][0] == "refused" and before[-3] is None and before[-2] is UserUttered
print("same", len(names), "names")
"""


def test_the_event_table_finds_exactly_what_rasa_finds(tmp_path: Path) -> None:
    # Given Rasa's own lookup, then the table the tracker store installs when Rasa builds it
    env = dict(os.environ, LANTERN_VAR_DIR=str(tmp_path), SQLALCHEMY_SILENCE_UBER_WARNING="1")
    write_private_file(load_settings(env).tracker_key_file, secrets.token_hex(32))
    result = run_in_rasa(CHECK, str(PROJECT_ROOT / "endpoints.yml"), env=env)
    # Then every name gets the same class, None or error, and stored events read back the same
    assert result.returncode == 0, result.stderr[-3000:]
    verdict = result.stdout.split()
    assert verdict[0] == "same" and verdict[2] == "names" and int(verdict[1]) > 20, verdict
