"""`make bench QUICK=1` end to end: the real plain bot, the real Lantern stack and the Telegram
path through the emulator, a couple of seconds a row. Checks that it runs and prints its table,
never its timings (they depend on the machine)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.core.config import PROJECT_ROOT
from bot.devstack import MODEL_PATH

pytestmark = pytest.mark.e2e

ROWS = ("1 concurrent", "8 concurrent", "32 concurrent", "64 concurrent", "open loop, 30 msg/s")


def test_the_quick_bench_prints_its_side_by_side_table(tmp_path: Path) -> None:
    if not MODEL_PATH.exists():
        pytest.fail("no trained model: run `make train` (make test does) before the e2e tests")
    out = tmp_path / "bench.md"
    # Given the whole harness, as `make bench QUICK=1` runs it
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "python"), "bench/load.py", "--quick", "--out", out],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    # Then it ends well and prints the three targets side by side, a row per load, with memory
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    header = next(line for line in result.stdout.splitlines() if line.startswith("| load |"))
    for target in ("plain bot: msg/s", "front door: msg/s", "Telegram path: msg/s", "x plain"):
        assert target in header
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == len(ROWS)
    assert all(row.startswith(f"| {load}") for row, load in zip(rows, ROWS, strict=True)), rows
    assert all(row.count("|") == header.count("|") == 13 for row in rows), rows
    assert "RSS" in result.stdout and "PSS" in result.stdout
    # And the same table is written where it was asked to go
    assert out.read_text().splitlines()[0].startswith("# Load, ")
    assert header in out.read_text()
