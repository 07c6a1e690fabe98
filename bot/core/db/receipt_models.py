"""The receipt's tables (issue 12, migration 0006): the slow hash of each receipt, and the
tries at ``/resume`` that the rate limit counts.

A receipt row names its case, never a person: the case names its person only sealed. Imported
at the end of ``bot.core.db.models`` so that ``Base.metadata`` (and so Alembic) always sees these
tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db.models import HASH_HEX_CHARS, ID_CHARS, TOKEN_CHARS, Base, UTCDateTime, new_id
from bot.core.pseudonym import PSEUDONYM_HEX_CHARS


class Receipt(Base):
    """One case's receipt: Argon2id of its words (``crypto.hash_receipt_for_lookup``) and the
    cost it was made with. One per case: a new receipt replaces the old."""

    __tablename__ = "receipts"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    handoff_id: Mapped[str] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), unique=True
    )
    lookup_hash: Mapped[str] = mapped_column(String(HASH_HEX_CHARS), unique=True)
    kdf: Mapped[str] = mapped_column(String(TOKEN_CHARS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ResumeAttempt(Base):
    """One try at ``/resume``, kept an hour for the rate limit (per pseudonym and overall) so
    that a restart does not reset it. Holds no word of what was typed."""

    __tablename__ = "resume_attempts"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_HEX_CHARS), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
