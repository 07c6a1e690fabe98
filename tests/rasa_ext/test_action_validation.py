"""The validator built once accepts and refuses exactly what Rasa's own check does, in Rasa's
own interpreter (.venv-rasa), and fails loudly if a Rasa upgrade moves what it replaces."""

from __future__ import annotations

from tests.support_rasa import run_in_rasa

CHECK = r"""
import copy, inspect
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import InputChannel
from bot.rasa_ext import action_validation
from bot.rasa_ext.frontdoor_channel import FrontDoorInput

# What this replaces must still be where it was, with the same shape.
assert "result" in inspect.signature(RemoteAction._validate_action_result).parameters
assert isinstance(RemoteAction.action_response_format_spec(), dict)
assert "jsonschema" in inspect.getsource(RemoteAction._validate_action_result)

good = {"events": [{"event": "slot", "name": "x", "value": 1}],
        "responses": [{"text": "hi", "buttons": []}]}
bad = [{"events": "not a list"}, {"events": [{"no_event_key": 1}]},
       {"responses": ["not an object"]}, ["not", "an", "object"]]

def outcome(result):
    try:
        action = object.__new__(RemoteAction)
        return RemoteAction._validate_action_result(action, copy.deepcopy(result))
    except ValidationError as error:
        return ("refused", error.message)

before = [outcome(good)] + [outcome(b) for b in bad]
assert not getattr(RemoteAction._validate_action_result, "built_once", False)
FrontDoorInput.from_credentials(None)  # how Rasa's server starts the channel
assert RemoteAction._validate_action_result.built_once
action_validation.install()  # idempotent
after = [outcome(good)] + [outcome(b) for b in bad]
assert before == after, (before, after)
assert before[0] is True and all(o[0] == "refused" for o in before[1:]), before
print("same", len(after))
"""


def test_the_validator_built_once_judges_exactly_as_rasa_does() -> None:
    # Given Rasa's own check, then the one installed by the front-door channel at start-up
    result = run_in_rasa(CHECK)
    # Then every response gets the same verdict and the same error message
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "same 5"
