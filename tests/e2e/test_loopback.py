"""Rasa's channels and the action server have no authentication: they must not be reachable
from any address but loopback."""

from __future__ import annotations

import socket

import pytest

from bot.devstack import Stack


def outward_address() -> str:
    """This machine's address on its default route (no packet is sent by a UDP connect)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
        except OSError:
            pytest.skip("this machine has no network interface besides loopback")
        address: str = probe.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("this machine has no network interface besides loopback")
    return address


@pytest.mark.parametrize("which", ["rasa", "actions"])
def test_servers_listen_on_loopback_only(stack: Stack, which: str) -> None:
    port = stack.rasa_port if which == "rasa" else stack.action_port
    with socket.socket() as loopback:
        assert loopback.connect_ex(("127.0.0.1", port)) == 0
    with socket.socket() as outside:
        outside.settimeout(2)
        assert outside.connect_ex((outward_address(), port)) != 0
