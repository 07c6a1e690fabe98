"""Call a custom action again while the action server refuses the connection.

Rasa 3.6 drops a custom action's answer when its server cannot be reached ("Bot will
continue, but the actions events are lost"): killed under the supervisor, the action server is
back in a few seconds, but a person who asked for services in that gap got only the channel's
way out, and the services never came (docs/RELIABILITY.md). A refused connection means the
request never reached the server, so calling again cannot run the action twice; any other
failure (a timeout, a dropped connection, an error answer) is left to Rasa as before.
``install`` wraps the one method on Rasa's class at start-up, as action_validation does.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.shared.exceptions import RasaException

# Under the front end's 20 s wait for Rasa, with room for the turn around the action.
RETRY_SECONDS = 12.0
STEP_SECONDS = 0.5


def _refused(error: RasaException) -> bool:
    # Rasa raises its own exception inside the handler of aiohttp's, without ``from``.
    return isinstance(error.__context__, aiohttp.ClientConnectorError)


def install(retry_seconds: float = RETRY_SECONDS) -> None:
    """Make every ``RemoteAction`` call again while refused, up to ``retry_seconds``."""
    if getattr(RemoteAction.run, "retries_refused", False):
        return
    original = RemoteAction.run

    async def run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + retry_seconds
        while True:
            try:
                return await original(self, *args, **kwargs)
            except RasaException as error:
                if not _refused(error) or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(STEP_SECONDS)

    run.retries_refused = True  # type: ignore[attr-defined]
    RemoteAction.run = run
