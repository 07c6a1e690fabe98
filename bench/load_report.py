"""The Markdown of one bench/load.py run: the side-by-side table, memory, and issue 14's goals."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.loadgen import Row
from bench.rss import Peak, gigabytes

PLAIN, FRONT_DOOR, TELEGRAM = "plain bot", "front door", "Telegram path"
# Issue 14, "Done when" (the RSS bound is for the whole stack).
GOAL_RATE_AT_32, GOAL_P95_SECONDS, GOAL_RSS_BYTES = 40.0, 1.0, 2.5e9


@dataclass
class Run:
    when: str
    seconds: float
    workers: int
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    memory: dict[str, Peak] = field(default_factory=dict)


def _latency(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _ratio(top: float, bottom: float) -> str:
    return f"{top / bottom:.2f}x" if bottom > 0 else "-"


def _cells(row: Row) -> str:
    return f"{row.rate:.1f} | {_latency(row.percentile(0.95))} | {row.errors}"


def table(run: Run) -> list[str]:
    lines = [
        f"| load | {PLAIN}: msg/s | p95 | errors | {FRONT_DOOR}: msg/s | p95 | errors "
        f"| x plain | {TELEGRAM}: msg/s | p95 | errors | x front door |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for plain, front, telegram in zip(
        run.rows[PLAIN], run.rows[FRONT_DOOR], run.rows[TELEGRAM], strict=True
    ):
        lines.append(
            f"| {plain.load} | {_cells(plain)} | {_cells(front)} | {_ratio(front.rate, plain.rate)}"
            f" | {_cells(telegram)} | {_ratio(telegram.rate, front.rate)} |"
        )
    return lines


def memory(run: Run) -> list[str]:
    lines = []
    for name, peak in run.memory.items():
        parts = ", ".join(
            f"{server} {gigabytes(rss)} ({count} process{'es' if count > 1 else ''})"
            for server, (rss, _, count) in peak.by_server.items()
        )
        lines.append(
            f"- under the {name} load: RSS {gigabytes(peak.rss)} summed, "
            f"PSS {gigabytes(peak.pss)}: {parts}"
        )
    return lines


def goals(run: Run) -> list[str]:
    front, plain, telegram = run.rows[FRONT_DOOR], run.rows[PLAIN], run.rows[TELEGRAM]
    by_load = {row.load: i for i, row in enumerate(front)}
    at8, at32 = by_load["8 concurrent"], by_load["32 concurrent"]
    p95_32 = front[at32].percentile(0.95)
    open_p95 = front[-1].percentile(0.95)
    rss = max((run.memory[n].rss for n in (FRONT_DOOR, TELEGRAM) if n in run.memory), default=0)
    checks = [
        (
            f"front door at 32: >= {GOAL_RATE_AT_32:g} msg/s, p95 <= {GOAL_P95_SECONDS:g} s",
            front[at32].rate >= GOAL_RATE_AT_32
            and p95_32 is not None
            and p95_32 <= GOAL_P95_SECONDS,
        ),
        (
            "front door >= 1.0x the plain bot at 8 and at 32",
            all(front[i].rate >= plain[i].rate > 0 for i in (at8, at32)),
        ),
        (
            "Telegram path >= 0.9x the front door at every closed-loop load",
            all(t.rate >= 0.9 * f.rate for t, f in zip(telegram[:-1], front[:-1], strict=True)),
        ),
        (
            f"front door open loop p95 <= {GOAL_P95_SECONDS:g} s",
            open_p95 is not None and open_p95 <= GOAL_P95_SECONDS,
        ),
        ("zero errors", all(r.errors == 0 for rows in run.rows.values() for r in rows)),
        (f"Lantern's RSS <= {gigabytes(int(GOAL_RSS_BYTES))}", 0 < rss <= GOAL_RSS_BYTES),
    ]
    return [f"- [{'x' if met else ' '}] {what}" for what, met in checks]


def errors(run: Run) -> list[str]:
    return [
        f"- {name}, {row.load}: {row.errors} errors, first: {row.first_error}"
        for name, rows in run.rows.items()
        for row in rows
        if row.errors
    ]


def render(run: Run) -> str:
    before = " ".join(f"{x:.2f}" for x in run.load_before)
    after = " ".join(f"{x:.2f}" for x in run.load_after)
    lines = [
        f"# Load, {run.when}",
        "",
        f"`bench/load.py`, {run.seconds:g} s a row, LANTERN_WORKERS={run.workers}, "
        f"load average {before} before and {after} after (a busy machine makes these noisy).",
        "Each conversation is fresh and 7 turns long, one message at a time; "
        "msg/s counts answers that arrived within the row.",
        "",
        *table(run),
        "",
        "Peak memory (the emulator, which stands in for Telegram, is not part of the stack):",
        *memory(run),
        "",
        "Issue 14's goals on this run:",
        *goals(run),
        *(["", "Errors:", *errors(run)] if errors(run) else []),
        "",
    ]
    return "\n".join(lines)
