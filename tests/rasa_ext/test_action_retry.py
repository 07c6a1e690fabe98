"""A custom action called while its server is down (restarting under the supervisor) is called
again once the server is back, in Rasa's own interpreter (.venv-rasa) with Rasa's own
RemoteAction; without the retry Rasa raises and the action's answer is lost."""

from __future__ import annotations

import os
import subprocess

from bot.core.config import PROJECT_ROOT
from tests.support import free_port

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = r"""
import asyncio, sys
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig
from bot.rasa_ext.frontdoor_channel import FrontDoorInput

port, retry, comes_back_after = int(sys.argv[1]), sys.argv[2] == "retry", float(sys.argv[3])
if retry:
    FrontDoorInput.from_credentials(None)  # how Rasa's server starts the channel
calls = []

async def webhook(request):
    calls.append(await request.json())
    return web.json_response({"events": [], "responses": [{"text": "the services"}]})

async def action_server_back():
    await asyncio.sleep(comes_back_after)
    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()

async def main():
    asyncio.ensure_future(action_server_back())
    action = RemoteAction("action_show_support", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    domain = Domain.empty()
    try:
        events = await action.run(
            CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}),
            DialogueStateTracker("s" * 64, domain.slots), domain,
        )
    except RasaException:
        print("lost", len(calls))
        return
    print("answered", len(calls), [getattr(e, "text", None) for e in events])

asyncio.run(main())
"""


def run(retry: bool, comes_back_after: float = 2.0) -> str:
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT, str(free_port()), "retry" if retry else "plain",
         str(comes_back_after)],
        check=False,  # the exit code is asserted with the output below
        cwd=PROJECT_ROOT,
        env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), RASA_TELEMETRY_ENABLED="false"),
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_an_action_called_while_its_server_restarts_is_answered_once_it_is_back() -> None:
    assert run(retry=True) == "answered 1 ['the services']"


def test_without_the_retry_rasa_loses_the_answer() -> None:
    assert run(retry=False) == "lost 0"


def test_a_server_that_stays_down_still_fails_in_the_end() -> None:
    assert run(retry=True, comes_back_after=60.0) == "lost 0"
