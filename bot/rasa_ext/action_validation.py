"""Validate the action server's responses with a validator built once, not on every call.

Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which checks
the schema itself against the metaschema and builds a new validator on every custom action call.
Under load a sampling profile put 40% of the Rasa process's CPU there (issue 14). The schema never
changes, so it is checked once here and the same validator is reused; a response is accepted or
refused exactly as before, with the same error. ``install`` replaces the one method on Rasa's
class at start-up; the installed package is never edited. tests/rasa_ext/test_action_validation.py
fails loudly if a Rasa upgrade moves or renames what this replaces.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

# Rasa appends this to the message of a refused response; kept word for word.
_RASA_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the "
    "Action endpoint is valid. For more information about the format visit "
    f"{DOCS_BASE_URL}/custom-actions"
)


def _build_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def install() -> None:
    """Make every ``RemoteAction`` validate with one prebuilt validator (idempotent)."""
    if getattr(RemoteAction._validate_action_result, "built_once", False):
        return
    validator = _build_validator()

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error: ValidationError | None = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += _RASA_HINT
            raise error
        return True

    validate_action_result.built_once = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate_action_result
