"""What several test areas share: free loopback ports and Debian's Chromium, launched by path."""

from __future__ import annotations

import socket
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
# Debian's package, launched by path: a browser download cannot work on these machines.
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
