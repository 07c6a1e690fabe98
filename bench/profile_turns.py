"""Where a Lantern turn's CPU goes inside Rasa: the trained model and Lantern's plug-ins (tracker
store, NLG, validator built once) in this process under cProfile, with the real action server.
Run in Rasa's interpreter after `make train`:

    PYTHONPATH=. .venv-rasa/bin/python bench/profile_turns.py [--conversations 20] [--raw]

It prints the CPU share of each area (the package a function belongs to, charged with its own
time) and, with --raw, the top functions. One conversation at a time: the profile of a busy
server also holds waiting, which this leaves out. --rasa-validation keeps Rasa's own check of
action responses instead of the validator built once, to see what that saves.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRIPT = (
    "hello",
    "yes",
    "I want to report what happened to me",
    "he pushes me and takes my money",
    "physical",
    "it happened this week",
    "yes it is still going on",
)
AREAS = (
    ("jsonschema", "jsonschema (action response validation)"),
    ("tensorflow", "TensorFlow (TED, DIET)"),
    ("keras", "TensorFlow (TED, DIET)"),
    ("numpy", "numpy"),
    ("sklearn", "scikit-learn (intent classifier)"),
    ("scipy", "scikit-learn (intent classifier)"),
    ("rasa/core/policies", "Rasa policies (featurising)"),
    ("rasa/utils/tensorflow", "TensorFlow (TED, DIET)"),
    ("rasa/core/featurizers", "Rasa policies (featurising)"),
    ("rasa/shared/core", "Rasa trackers, events, domain"),
    ("rasa/nlu", "Rasa NLU pipeline"),
    ("rasa/core/actions", "Rasa actions (incl. HTTP to the action server)"),
    ("aiohttp", "aiohttp (HTTP to the action server)"),
    ("sqlalchemy", "SQLAlchemy (tracker store)"),
    ("cryptography", "sealing trackers"),
    ("bot/", "Lantern plug-ins (firewall, tracker store, NLG)"),
    ("json", "json"),
    ("rasa/", "Rasa, other"),
)


def area_of(filename: str) -> str:
    for fragment, area in AREAS:
        if fragment in filename:
            return area
    return "Python and other libraries"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# Action-server calls of the turn being taken, by action name (see count_action_calls).
CALLS: list[str] = []


def count_action_calls() -> None:
    """Note every request Rasa makes to the action server, with the action it names."""
    from rasa.utils.endpoints import EndpointConfig

    original = EndpointConfig.request

    async def request(self: EndpointConfig, *args: object, **kwargs: object) -> object:
        payload = kwargs.get("json")
        CALLS.append(str(payload.get("next_action")) if isinstance(payload, dict) else "?")
        return await original(self, *args, **kwargs)

    EndpointConfig.request = request  # type: ignore[method-assign]


async def converse(agent: object, conversations: int, calls: Counter[str] | None = None) -> int:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from bot.core.firewall import default_firewall
    from bot.core.safety import default_safety_net
    from bot.core.turn_rules import screen_incoming

    turns = 0
    for _ in range(conversations):
        sender = secrets.token_hex(32)
        for text in SCRIPT:
            # As the front-door channel does before Rasa sees the message.
            screened = screen_incoming(text, default_firewall(), default_safety_net())
            screened.metadata["language"] = "en"
            message = UserMessage(
                screened.text, CollectingOutputChannel(), sender, metadata=screened.metadata
            )
            CALLS.clear()
            await agent.handle_message(message)  # type: ignore[attr-defined]
            turns += 1
            if calls is not None:
                calls[f"{text!r}: " + (", ".join(CALLS) or "no action-server call")] += 1
    return turns


async def main(args: argparse.Namespace) -> None:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    from bot.rasa_ext import action_validation

    # As `rasa run` without -v: Rasa's debug lines would be most of the profile otherwise.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    port = free_port()
    scratch = Path(tempfile.mkdtemp(prefix="lantern-profile-"))
    endpoints = scratch / "endpoints.yml"
    endpoints.write_text(
        (ROOT / "endpoints.yml").read_text().replace("127.0.0.1:5055", f"127.0.0.1:{port}")
    )
    os.environ.setdefault("LANTERN_TRACKER_URL", f"sqlite:///{scratch / 'tracker.db'}")
    actions = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [str(ROOT / ".venv/bin/python"), "-m", "rasa_sdk", "--actions", "actions", "--port",
         str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        if not args.rasa_validation:
            action_validation.install()
        count_action_calls()
        agent = await load_agent(
            model_path=str(ROOT / "models" / "lantern.tar.gz"),
            endpoints=AvailableEndpoints.read_endpoints(str(endpoints)),
        )
        time.sleep(5)  # the action server starts while the model loads; make sure it is up
        await converse(agent, 1)  # warm: graphs compiled, caches filled
        profile = cProfile.Profile(time.process_time)
        started = time.process_time()
        profile.enable()
        turns = await converse(agent, args.conversations)
        profile.disable()
        cpu = time.process_time() - started
        calls: Counter[str] = Counter()
        await converse(agent, 1, calls)
    finally:
        actions.terminate()
        actions.wait()
    stats = pstats.Stats(profile)
    by_area: Counter[str] = Counter()
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        by_area[area_of(filename)] += own
    total = sum(by_area.values())
    print(f"{turns} turns, {cpu / turns * 1000:.0f} ms of Rasa-process CPU a turn (profiled)")
    for area, seconds in by_area.most_common():
        print(f"  {seconds / total:6.1%}  {area}")
    print("Action-server calls of each turn of one conversation:")
    for turn in calls:
        print(f"  {turn}")
    if args.raw:
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--raw", action="store_true")
    parser.add_argument("--rasa-validation", action="store_true")
    asyncio.run(main(parser.parse_args()))
