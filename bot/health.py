"""``python -m bot health``: each server of a running ``make run`` stack, up or down, in one look.

It reads the supervisor's state file (bot/supervisor.py) and asks each server's health URL
itself, so "up" means answering now, not merely "a process exists".
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO

import httpx

PROBE_TIMEOUT_SECONDS = 2.0


def state_file_for(var_dir: Path) -> Path:
    return var_dir / "run" / "stack.json"


def _pid_alive(pid: object) -> bool:
    """Whether a process with this id exists (a zombie child counts until the supervisor reaps
    it, within one check; the health URL then decides)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _probe(server: dict[str, Any]) -> bool:
    if server.get("state") != "running" or not _pid_alive(server.get("pid")):
        return False
    url = server.get("health_url")
    if not url:
        return True
    try:
        return httpx.get(str(url), timeout=PROBE_TIMEOUT_SECONDS).status_code == 200
    except httpx.HTTPError:
        return False


def report(state_file: Path, out: TextIO) -> int:
    """Print one line per server; 0 if all are up, 1 if any is down or nothing is running."""
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        print("Lantern is not running (no stack state; start it with `make run`).", file=out)
        return 1
    if not _pid_alive(state.get("supervisor_pid")):
        print("Lantern is not running (its supervisor has exited).", file=out)
        return 1
    servers = state.get("servers", [])
    all_up = True
    print(f"{'server':<10} {'state':<11} {'restarts':>8}  url", file=out)
    for server in servers:
        up = _probe(server)
        all_up = all_up and up
        label = "up" if up else ("restarting" if server.get("state") == "restarting" else "down")
        print(
            f"{server.get('name', '?'):<10} {label:<11} {server.get('restarts', 0):>8}  "
            f"{server.get('url') or '-'}",
            file=out,
        )
    return 0 if all_up and servers else 1
