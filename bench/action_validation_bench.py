"""Cost of validating one action-server response: Rasa's own check against the validator built
once (bot/rasa_ext/action_validation.py). Run in Rasa's interpreter:

    PYTHONPATH=. .venv-rasa/bin/python bench/action_validation_bench.py
"""

from __future__ import annotations

import timeit

from rasa.core.actions.action import RemoteAction

from bot.rasa_ext import action_validation

# A typical response from the report form: a few slots and one question with buttons.
RESPONSE = {
    "events": [{"event": "slot", "name": f"slot_{i}", "value": "x"} for i in range(4)],
    "responses": [
        {"text": "When did it last happen?", "buttons": [{"title": "t", "payload": "/p"}]}
    ],
}
CALLS = 2000


def per_call_microseconds() -> float:
    action = object.__new__(RemoteAction)
    seconds = timeit.timeit(lambda: action._validate_action_result(RESPONSE), number=CALLS)
    return seconds / CALLS * 1e6


if __name__ == "__main__":
    rasa_own = per_call_microseconds()
    action_validation.install()
    built_once = per_call_microseconds()
    print(f"Rasa's check: {rasa_own:.0f} us per response")
    print(f"built once:   {built_once:.0f} us per response ({rasa_own / built_once:.1f}x faster)")
