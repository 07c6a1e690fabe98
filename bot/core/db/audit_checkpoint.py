"""Checkpoints of the audit chain, exported off the database, so a cut tail is found.

The keyed chain stops anyone without the audit key from editing entries or forging new ones,
but deleting the newest entries leaves a shorter chain that still verifies. A checkpoint (the
newest entry's position and hash, the number of entries and the time) kept somewhere else, such
as the operator's mail from the nightly ``python -m bot purge``, pins the chain: verifying
against it finds a tail cut after it was taken.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.core.db.audit import GENESIS_HASH, VerificationResult, verify_chain
from bot.core.db.models import AuditEntry
from bot.core.errors import LanternError

__all__ = [
    "Checkpoint",
    "check_against",
    "read_checkpoint",
    "run_checkpoint_command",
    "run_verify_command",
    "take_checkpoint",
]


class CheckpointFormatError(LanternError):
    """A checkpoint file that is not one this project printed."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    count: int
    head: str
    taken_at: str

    def line(self) -> str:
        return "audit checkpoint " + json.dumps(asdict(self), sort_keys=True)


def take_checkpoint(session: Session, now: datetime) -> Checkpoint:
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    count = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    if last is None:
        return Checkpoint(0, 0, GENESIS_HASH, now.isoformat())
    return Checkpoint(last.seq, count, last.entry_hash, now.isoformat())


def read_checkpoint(text: str) -> Checkpoint:
    """The newest checkpoint line in ``text`` (a file may collect many)."""
    lines = [line for line in text.splitlines() if line.startswith("audit checkpoint ")]
    if not lines:
        raise CheckpointFormatError("no 'audit checkpoint' line in the file")
    try:
        fields = json.loads(lines[-1].removeprefix("audit checkpoint "))
        return Checkpoint(
            int(fields["seq"]), int(fields["count"]), str(fields["head"]), str(fields["taken_at"])
        )
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointFormatError("the checkpoint line is damaged") from error


def check_against(session: Session, checkpoint: Checkpoint) -> VerificationResult:
    """The whole chain verifies, and still holds the checkpoint's head and everything before."""
    result = verify_chain(session)
    if not result.ok or checkpoint.seq == 0:
        return result
    head = session.get(AuditEntry, checkpoint.seq)
    if head is None:
        return VerificationResult(
            False,
            result.entries_checked,
            checkpoint.seq,
            "the log ends before the checkpoint's newest entry (its tail was cut)",
        )
    before = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.seq <= checkpoint.seq)
    )
    if head.entry_hash != checkpoint.head or before != checkpoint.count:
        return VerificationResult(
            False,
            result.entries_checked,
            checkpoint.seq,
            "the log differs from the checkpoint up to its newest entry (rewritten)",
        )
    return result


def run_verify_command(engine: Engine, out: TextIO, against: Path | None = None) -> int:
    """``python -m bot audit verify [--against FILE]``: the verdict; exit 0 intact, 1 broken."""
    with Session(engine) as session:
        if against is None:
            result = verify_chain(session)
        else:
            result = check_against(session, read_checkpoint(against.read_text("utf-8")))
    if result.ok:
        unkeyed = f", the first {result.unkeyed_entries} unkeyed" if result.unkeyed_entries else ""
        pinned = " and holds the checkpoint" if against is not None else ""
        print(f"audit log intact: {result.entries_checked} entries{unkeyed}{pinned}", file=out)
        return 0
    print(
        f"audit log BROKEN at entry {result.first_broken_seq}: {result.reason} "
        f"({result.entries_checked} entries before it verify)",
        file=out,
    )
    return 1


def run_checkpoint_command(engine: Engine, out: TextIO, now: datetime) -> int:
    """``python -m bot audit checkpoint``: one line to keep somewhere the database is not."""
    with Session(engine) as session:
        print(take_checkpoint(session, now).line(), file=out)
    return 0
