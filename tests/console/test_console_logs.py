"""`python -m bot console` logs through the same hygiene as Rasa and the action server: a
library's line keeps its fixed prose and loses whatever was filled in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.core.config import PROJECT_ROOT, load_settings
from bot.core.db.local_setup import create_local_setup
from bot.core.log_hygiene import WITHHELD
from tests.support import free_port


def test_the_console_process_withholds_what_libraries_fill_into_their_log_lines(
    tmp_path: Path,
) -> None:
    """Given the real console process, When uvicorn logs the address it listens on (a value
    filled into a library's message, as a person's text in a traceback would be), Then the line
    keeps its prose and withholds the value, as in Rasa's and the action server's logs."""
    env = dict(os.environ, LANTERN_VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(PROJECT_ROOT))
    create_local_setup(load_settings(env))
    port = free_port()
    log_path = tmp_path / "console.log"
    with log_path.open("w") as log:
        console = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", "--insecure-cookies", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    page = httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=2)
                    break
                except httpx.TransportError:
                    assert console.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.2)
            assert page.status_code == 200
        finally:
            console.send_signal(signal.SIGTERM)
            console.wait(timeout=30)
    lines = log_path.read_text().splitlines()
    running = [line for line in lines if "Uvicorn running on" in line]
    assert running, lines
    assert all(WITHHELD in line for line in running), running
    assert not any(str(port) in line for line in lines), lines
