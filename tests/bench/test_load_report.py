"""The load table: the three targets side by side with ratios, memory, and issue 14's goals."""

from __future__ import annotations

from bench.load_report import FRONT_DOOR, PLAIN, TELEGRAM, Run, render
from bench.loadgen import Row
from bench.rss import Peak

LOADS = ("1 concurrent", "8 concurrent", "32 concurrent", "64 concurrent", "open loop")


def rows(rate: float, p95: float, errors: int = 0) -> list[Row]:
    made = []
    for load in LOADS:
        row = Row(load, seconds=10.0, answered_in_time=int(rate * 10), errors=errors)
        row.latencies = [p95] * 20
        made.append(row)
    return made


def a_run(front: float, telegram: float, errors: int = 0) -> Run:
    run = Run("now", 10.0, 2, (1.0, 1.0, 1.0))
    run.rows = {
        PLAIN: rows(30.0, 0.3),
        FRONT_DOOR: rows(front, 0.5),
        TELEGRAM: rows(telegram, 0.8, errors),
    }
    run.memory = {FRONT_DOOR: Peak(2_000_000_000, 1_200_000_000, {"rasa": (1_500_000_000, 0, 3)})}
    return run


def test_the_table_puts_the_targets_side_by_side_with_their_ratios() -> None:
    text = render(a_run(front=45.0, telegram=42.0))
    row32 = next(line for line in text.splitlines() if line.startswith("| 32 concurrent"))
    assert row32 == (
        "| 32 concurrent | 30.0 | 300 ms | 0 | 45.0 | 500 ms | 0 | 1.50x "
        "| 42.0 | 800 ms | 0 | 0.93x |"
    )
    assert "RSS 2.00 GB summed, PSS 1.20 GB: rasa 1.50 GB (3 processes)" in text
    assert all(
        line.startswith("- [x]")
        for line in text.split("goals on this run:")[1].split("\n")[1:]
        if line
    )


def test_a_goal_missed_is_shown_unticked_with_the_errors() -> None:
    text = render(a_run(front=20.0, telegram=10.0, errors=2))
    assert "- [ ] front door at 32: >= 40 msg/s, p95 <= 1 s" in text
    assert "- [ ] front door >= 1.0x the plain bot at 8 and at 32" in text
    assert "- [ ] Telegram path >= 0.9x the front door" in text
    assert "- [ ] zero errors" in text
    assert "- Telegram path, 8 concurrent: 2 errors" in text
