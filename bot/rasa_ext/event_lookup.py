"""Find an event's class by its type name in a table, not by walking every subclass each time.

Rasa 3.6's ``Event.resolve_by_type`` calls ``all_subclasses(Event)``, a recursive walk over every
event class with ``inspect.isabstract`` on each, for every event it deserialises. Rasa rebuilds the
tracker from its stored events on every turn: this walk was about 8% of the Rasa process's CPU
under cProfile, and about 0.9 ms a turn without it (docs/PERFORMANCE.md, "After the anchor index").
``install`` replaces that one static method at start-up (the installed package is never edited): a
type name Rasa resolved to a class is remembered, and every other name (unknown, ``topic``, a
default) still goes to Rasa's own lookup each time, so what Rasa returns or raises is unchanged.
The table is filled from Rasa's own answers, so it can only differ if a class imported later reuses
a type name already looked up; tests/rasa_ext/test_event_lookup.py checks that no two event classes
share a name, and fails loudly if a Rasa upgrade moves or renames what this replaces.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import Event


def install() -> None:
    """Make ``Event.resolve_by_type`` remember the classes it finds (idempotent)."""
    if getattr(Event.resolve_by_type, "remembers", False):
        return
    rasa_lookup = Event.resolve_by_type
    found: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> Any:
        event_class = found.get(type_name)
        if event_class is None:
            event_class = rasa_lookup(type_name, default)
            # Only a class Rasa found by this name; the caller's default stands for any name.
            if event_class is not None and event_class is not default:
                found[type_name] = event_class
        return event_class

    resolve_by_type.remembers = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)
