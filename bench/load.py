"""Side-by-side load (issue 14): Lantern's front-door channel, the Telegram path through the Bot
API emulator and a plain `rasa init` bot, in one run on this machine, loopback only.

    .venv/bin/python bench/load.py             # `make bench`: 20 s a row
    .venv/bin/python bench/load.py --quick     # `make bench QUICK=1`: 2 s a row
    LANTERN_WORKERS=2 .venv/bin/python bench/load.py   # Lantern scaled out (bot/scale.py)

Each simulated person holds a fresh conversation of 7 turns, one message at a time: closed loop
at 1, 8, 32 and 64 concurrent conversations, then an open loop at 30 msg/s offered. Prints a
table with msg/s, p95, errors and ratios, the peak memory of each stack, and writes it to
docs/results/bench.md. A benchmark, never a timed test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The path line above makes the checkout importable when run as a script.
from bench.load_report import Run, render
from bench.load_targets import (
    TURN_TIMEOUT_SECONDS,
    FrontDoor,
    PlainRest,
    TelegramPath,
    start_lantern,
    start_plain_bot,
)
from bench.loadgen import Row, Target, closed_loop, open_loop
from bench.rss import Sampler
from bot.core.config import PROJECT_ROOT
from bot.scale import workers_from

CONCURRENCY = (1, 8, 32, 64)
OFFERED_RATE = 30.0
LANTERN_SCRIPT = (
    "hello",
    "yes",
    "I want to report what happened to me",
    "he pushes me and takes my money",
    "physical",
    "it happened this week",
    "yes it is still going on",
)
PLAIN_SCRIPT = ("hello", "I am sad", "yes", "great, thanks", "bye", "hi there", "I am very happy")
OUT = PROJECT_ROOT / "docs" / "results" / "bench.md"
# The servers' logs of the latest run, kept for a look after a failure (var/ is not in git).
LOG_DIR = PROJECT_ROOT / "var" / "bench" / "log"
# The servers a deployment runs; the emulator stands in for Telegram and is reported apart.
LANTERN_SERVERS = ("rasa", "actions", "telegram", "console")


async def load(target: Target, script: tuple[str, ...], seconds: float) -> list[Row]:
    warm = target.start()  # first turns load models and compile graphs: not measured
    try:
        for text in script:
            await target.send(warm, text)
    except Exception as error:  # noqa: BLE001 - the rows will count what fails; say it here too
        print(f"  {target.name}: the warm-up failed ({type(error).__name__}: {error})")
    rows = [await closed_loop(target, script, c, seconds) for c in CONCURRENCY]
    rows.append(await open_loop(target, script, OFFERED_RATE, seconds))
    for row in rows:
        print(f"  {target.name:14} {row.load:28} {row.rate:6.1f} msg/s  errors {row.errors}")
    return rows


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s a row: checks it runs")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each row")
    parser.add_argument("--out", type=Path, default=OUT, help="where the Markdown table goes")
    args = parser.parse_args(argv)
    seconds = 2.0 if args.quick else args.seconds
    workers = workers_from(os.environ)
    run = Run(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), seconds, workers, os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="lantern-bench-") as scratch:
        var_dir = Path(scratch)
        shutil.rmtree(LOG_DIR, ignore_errors=True)
        print(f"Starting the plain bot and Lantern ({workers} worker(s))...", flush=True)
        # Both load their models at once: half the waiting on a machine with a core to spare.
        plain_started, lantern_started = await asyncio.gather(
            asyncio.to_thread(start_plain_bot, LOG_DIR),
            asyncio.to_thread(start_lantern, var_dir, LOG_DIR, workers),
            return_exceptions=True,
        )
        if isinstance(plain_started, BaseException):
            if not isinstance(lantern_started, BaseException):
                lantern_started[0].stop()
            raise plain_started
        if isinstance(lantern_started, BaseException):
            plain_started[0].stop()
            raise lantern_started
        (plain, plain_url), (stack, rasa_url, emulator) = plain_started, lantern_started
        try:
            limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
            async with httpx.AsyncClient(timeout=TURN_TIMEOUT_SECONDS, limits=limits) as client:
                pids = {s.name: s.process.pid for s in stack.supervisor.servers if s.process}
                lantern = {n: p for n, p in pids.items() if n in LANTERN_SERVERS}
                plain_pids = {s.name: s.process.pid for s in plain.servers if s.process}
                for target, script, servers in (
                    (PlainRest(client, plain_url), PLAIN_SCRIPT, plain_pids),
                    (FrontDoor(client, rasa_url), LANTERN_SCRIPT, lantern),
                    (TelegramPath(client, emulator), LANTERN_SCRIPT, lantern),
                ):
                    with Sampler(servers) as memory:
                        run.rows[target.name] = await load(target, script, seconds)
                    run.memory[target.name] = memory.peak
        finally:
            stack.stop()
            plain.stop()
    run.load_after = os.getloadavg()
    table = render(run)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    inside = args.out.is_relative_to(PROJECT_ROOT)
    print(f"Written to {args.out.relative_to(PROJECT_ROOT) if inside else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
