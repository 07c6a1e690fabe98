"""Real rasa-sdk trackers and dispatchers built from the payloads Rasa sends the action server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions import runtime
from tests.support import load_domain

SENDER = "a" * 64


@pytest.fixture(autouse=True)
def action_server_var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test's action server reads its settings afresh from its own var/, never the
    repository's (a test that needs the database points ``runtime.store`` at its engine)."""
    monkeypatch.setenv("LANTERN_VAR_DIR", str(tmp_path / "var"))
    cached = (
        runtime.settings,
        runtime.store,
        runtime.front_end_public_key,
        runtime.live_directory,
    )
    for function in cached:
        function.cache_clear()
    yield
    for function in cached:
        function.cache_clear()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return load_domain()


TrackerFactory = Callable[..., Tracker]


@pytest.fixture
def make_tracker(domain: dict[str, Any]) -> TrackerFactory:
    def build(
        text: str = "",
        intent: str = "inform",
        entities: list[dict[str, Any]] | None = None,
        active_loop: str | None = None,
        language: str | None = None,
        **slots: Any,
    ) -> Tracker:
        all_slots: dict[str, Any] = dict.fromkeys(domain["slots"])
        all_slots.update(requested_slot=None)
        all_slots.update(slots)
        payload = {
            "sender_id": SENDER,
            "slots": all_slots,
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 1.0},
                "entities": entities or [],
            },
            # The front door names the chosen language on every message it passes on.
            "events": (
                [{"event": "user", "text": text, "metadata": {"language": language}}]
                if language
                else []
            ),
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
        return Tracker.from_dict(payload)

    return build
