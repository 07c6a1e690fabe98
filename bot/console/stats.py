"""Statistics for funders and policy work, from fixed-choice columns only, small counts hidden.

A count from 1 to 4 is shown as "<5": a small number, next to a week and a region, can point
at one person. Zero stays zero (it reveals nobody). Totals are not shown, so a suppressed cell
cannot be recovered by subtraction within one table.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from bot.core.db.audit import Actor, append_audit
from bot.core.db.database import Database
from bot.core.db.models import Handoff, HandoffStatus

SUPPRESS_BELOW = 5
SUPPRESSED = "<5"
DIMENSIONS = ("week", "abuse_kind", "region", "urgency", "outcome")
_COUNTED = (
    HandoffStatus.OPEN,
    HandoffStatus.CLAIMED,
    HandoffStatus.CLOSED,
    HandoffStatus.WITHDRAWN,
)


@dataclass(frozen=True)
class Cell:
    value: str
    count: int

    @property
    def shown(self) -> str:
        return SUPPRESSED if 0 < self.count < SUPPRESS_BELOW else str(self.count)

    @property
    def suppressed(self) -> bool:
        return 0 < self.count < SUPPRESS_BELOW


def statistics(db: Database, organisation_id: str, actor: Actor) -> dict[str, list[Cell]]:
    """Counts per dimension for one organisation's submitted cases (drafts never count)."""
    counters: dict[str, Counter[str]] = {name: Counter() for name in DIMENSIONS}
    with db.transaction() as session:
        rows = session.execute(
            select(
                Handoff.created_at,
                Handoff.abuse_kinds,
                Handoff.nation,
                Handoff.region,
                Handoff.urgency,
                Handoff.status,
                Handoff.outcome,
            )
            .where(Handoff.organisation_id == organisation_id)
            .where(Handoff.status.in_(_COUNTED))
        ).all()
        append_audit(session, actor, "console.statistics", db.now())
    for created_at, kinds, nation, region, urgency, status, outcome in rows:
        year, week, _ = created_at.isocalendar()
        counters["week"][f"{year}-W{week:02d}"] += 1
        if status is HandoffStatus.WITHDRAWN:
            # The person's answers went with their erasure: only the week and the fact remain.
            counters["outcome"]["withdrawn"] += 1
            continue
        counters["abuse_kind"].update(str(kind) for kind in kinds or ["not_given"])
        counters["region"][region or nation or "not_given"] += 1
        counters["urgency"][urgency.value] += 1
        if status is HandoffStatus.CLOSED:
            counters["outcome"][outcome or "not_recorded"] += 1
        else:
            counters["outcome"]["still_open"] += 1
    return {
        name: [Cell(value, count) for value, count in sorted(counter.items())]
        for name, counter in counters.items()
    }


def statistics_csv(tables: dict[str, list[Cell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["dimension", "value", "count"])
    for name, cells in tables.items():
        writer.writerows([name, cell.value, cell.shown] for cell in cells)
    return buffer.getvalue()


def bar_chart_svg(cells: list[Cell], title: str) -> str:
    """A plain inline SVG bar chart; suppressed bars are drawn hatched and labelled "<5"."""
    width, bar, gap, height = 640, 28, 6, 160
    top = max([cell.count for cell in cells if not cell.suppressed] + [SUPPRESS_BELOW])
    parts = [
        f'<svg role="img" aria-label="{_escape(title)}" viewBox="0 0 {width} '
        f'{len(cells) * (bar + gap) + 10}" class="chart" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, cell in enumerate(cells):
        y = index * (bar + gap)
        count = SUPPRESS_BELOW if cell.suppressed else cell.count
        length = round((width - height - 60) * count / top)
        style = "bar suppressed" if cell.suppressed else "bar"
        parts.append(
            f'<text x="{height - 6}" y="{y + 19}" text-anchor="end">{_escape(cell.value)}</text>'
            f'<rect class="{style}" x="{height}" y="{y}" width="{length}" height="{bar}"/>'
            f'<text x="{height + length + 6}" y="{y + 19}">{cell.shown}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
