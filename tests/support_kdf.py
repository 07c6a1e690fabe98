"""Counting the Argon2id work ``bot.core.crypto.passwords`` does, and on which threads.

Every derivation there goes through the ``Argon2id`` name of that module (constructing one to
derive, or its ``verify_phc_encoded`` for a password hash), so replacing that name with this
counter sees all of it without changing what is computed.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.core.crypto import passwords


class KdfCalls:
    def __init__(self, real: Any) -> None:
        self._real = real
        self.threads: list[str] = []
        # What each derivation cost: (memory in KiB, iterations, lanes).
        self.costs: list[tuple[object, object, object]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.current_thread().name)
        self.costs.append(
            (kwargs.get("memory_cost"), kwargs.get("iterations"), kwargs.get("lanes"))
        )
        return self._real(*args, **kwargs)

    def verify_phc_encoded(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.current_thread().name)
        return self._real.verify_phc_encoded(*args, **kwargs)

    def take(self) -> int:
        """How many derivations since the last take."""
        count = len(self.threads)
        self.threads.clear()
        return count


def count_kdf_calls(monkeypatch: pytest.MonkeyPatch) -> KdfCalls:
    calls = KdfCalls(passwords.Argon2id)
    monkeypatch.setattr(passwords, "Argon2id", calls)
    return calls
