"""Seal and open operations per second for each HPKE suite, front-end sealing and key unwrapping.

A benchmark, not a test: run ``.venv/bin/python bench/seal_bench.py`` and copy the table into
docs/CRYPTO.md with the date and machine. ``--seconds`` sets the time spent on each row.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The path line above makes the checkout importable when run as a script.
from bot.core.crypto import (
    PRODUCTION_KDF,
    Binding,
    FrontEndKey,
    SealingSuite,
    generate_organisation_key,
    open_as_front_end,
    open_as_organisation,
    seal_for_front_end,
    seal_for_organisation,
    unwrap_organisation_key_as_staff,
    wrap_organisation_key_for_staff,
)

ORGANISATION = "0" * 32
# About the size of a finished report as JSON.
PLAINTEXT = os.urandom(2048)
BINDING = Binding("1" * 32, "handoff.report", ORGANISATION)
PASSPHRASE = "benchmark passphrase"  # noqa: S105 - wraps a throwaway key.


def rate(operation: Callable[[], object], seconds: float) -> float:
    """Operations per second over at least ``seconds`` of wall time."""
    operation()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        operation()
        count += 1
    return count / elapsed


Rows = list[tuple[str, Callable[[], object]]]


def organisation_rows(suite: SealingSuite) -> Rows:
    key = generate_organisation_key(ORGANISATION, suite)
    public, keys = key.public_key(), {key.key_id: key}
    sealed = seal_for_organisation(PLAINTEXT, public, BINDING)
    print(f"  {suite.value}: envelope overhead {len(sealed) - len(PLAINTEXT)} bytes")
    return [
        (
            f"seal_for_organisation [{suite.value}]",
            lambda: seal_for_organisation(PLAINTEXT, public, BINDING),
        ),
        (
            f"open_as_organisation [{suite.value}]",
            lambda: open_as_organisation(sealed, keys, BINDING),
        ),
    ]


def front_end_rows() -> Rows:
    key = FrontEndKey.generate()
    keys = {key.key_id: key}
    sealed = seal_for_front_end(PLAINTEXT, key, BINDING)
    return [
        ("seal_for_front_end [AES-256-GCM]", lambda: seal_for_front_end(PLAINTEXT, key, BINDING)),
        ("open_as_front_end [AES-256-GCM]", lambda: open_as_front_end(sealed, keys, BINDING)),
    ]


def unwrap_rows() -> Rows:
    wrapped = wrap_organisation_key_for_staff(
        generate_organisation_key(ORGANISATION), PASSPHRASE, PRODUCTION_KDF
    )
    label = "unwrap_organisation_key_as_staff [Argon2id 64 MiB, t=3, p=4]"
    return [(label, lambda: unwrap_organisation_key_as_staff(wrapped, PASSPHRASE))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args().seconds
    print(f"payload {len(PLAINTEXT)} bytes, {seconds:g} s per row, 1 thread")
    rows = [row for suite in SealingSuite for row in organisation_rows(suite)]
    rows += front_end_rows() + unwrap_rows()
    print(f"{'operation':<66} {'ops/s':>10}")
    for label, operation in rows:
        print(f"{label:<66} {rate(operation, seconds):>10,.1f}", flush=True)


if __name__ == "__main__":
    main()
