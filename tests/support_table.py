"""The table in docs/SUPPORT.md, read as data: the unit check and the end-to-end test share it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.directory import Directory, Service
from tests.support import ROOT

SUPPORT_DOC = ROOT / "docs" / "SUPPORT.md"
HEADER = "| Need or person | They wrote | Offered, weekday daytime | Offered, night |"

# The needs issue 9 asks the table to cover, each a row of its own.
NEEDS = (
    "A man",
    "A gay man",
    "A lesbian",
    "A trans person",
    "A safe place tonight",
    "Forced marriage",
    "Honour-based abuse",
    "FGM (only when named)",
    "Children at risk",
    "Sexual violence",
    "No money, no benefits",
    "In Glasgow (Scotland)",
    "In Cardiff (Wales)",
    "In Belfast (Northern Ireland)",
    "In Manchester (England)",
    "Nothing known",
    "Someone who harms others",
)
MAN_ROWS = frozenset({"A man", "A gay man"})
FGM_ROW = "FGM (only when named)"
HARMS_OTHERS_ROW = "Someone who harms others"
FGM_LINE, PERPETRATOR_LINE = "nspcc_fgm_helpline", "respect_phoneline"


@dataclass(frozen=True)
class Row:
    need: str
    wrote: str
    daytime: tuple[str, ...]  # service names, in the order offered
    night: tuple[str, ...]


def _names(cell: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in cell.split(";") if name.strip())


def table_rows() -> list[Row]:
    lines = SUPPORT_DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # past the header and its --- line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        need, wrote, daytime, night = (cell.strip() for cell in line.strip("|").split("|"))
        rows.append(Row(need, wrote, _names(daytime), _names(night)))
    return rows


def unfit(row: Row, directory: Directory) -> list[Service]:
    """Services this row's person must never be offered, whatever the hour."""
    harms_others = row.need == HARMS_OTHERS_ROW

    def never(service: Service) -> bool:
        if harms_others:
            return service.id != PERPETRATOR_LINE
        man = row.need in MAN_ROWS and service.women_only
        return (
            man
            or service.id == PERPETRATOR_LINE
            or (service.id == FGM_LINE and row.need != FGM_ROW)
        )

    return [service for service in directory.services if never(service)]
