"""The database schema as SQLAlchemy 2 typed ORM classes; Alembic migrations mirror it exactly.

Plain columns hold only ids, timestamps, statuses and fixed-choice tokens. Everything a person or
a caseworker wrote lives in ``sealed_*`` columns as envelopes from ``bot.core.crypto``. Sender
pseudonyms are HMACs (``bot.core.pseudonym``), never Telegram ids. Loaded by the .venv processes
only (SQLAlchemy 2); the Rasa process does not import it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    TypeDecorator,
)
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.core.pseudonym import PSEUDONYM_HEX_CHARS
from bot.core.report_fields import Urgency

ID_CHARS = 32
KEY_ID_CHARS = 32
HASH_HEX_CHARS = 64
TOKEN_CHARS = 40


def new_id() -> str:
    """A random record id that says nothing about who or when."""
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python, naive UTC in the database: SQLite has no time zones."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class UTCDay(UTCDateTime):
    """A time kept only to the day (midnight UTC): for columns that serve retention alone, so a
    stolen database does not show when in the day a case closed or a message reached someone.
    Comparisons bind through it too, so retention counts whole days."""

    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        exact = super().process_bind_param(value, dialect)
        return None if exact is None else exact.replace(hour=0, minute=0, second=0, microsecond=0)


class Role(str, Enum):
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class HandoffStatus(str, Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Author(str, Enum):
    PERSON = "person"
    STAFF = "staff"


class Undeliverable(str, Enum):
    """Why an outbox message can never reach the person (migration 0005); a fixed choice, so
    the column says nothing a person wrote and nothing of who they are."""

    NO_CHAT_LINK = "no_chat_link"  # /exit, erasure or expiry: no chat to send to
    BLOCKED = "blocked"  # Telegram 403: the person blocked the bot
    CHAT_NOT_FOUND = "chat_not_found"  # Telegram 400: the chat is unknown to Telegram
    TOO_LONG = "too_long"  # Telegram 400: refused as too long even after splitting


def _enum(cls: type[Enum], name: str) -> SqlEnum:
    # Store the lowercase values (readable in a dump) and enforce them with a CHECK constraint.
    return SqlEnum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What the organisation covers, for routing (migration 0003): lists of tokens from
    # ``bot.core.report_fields`` (nations, English regions, help types) and language codes.
    # Null means "any", so an organisation that declared nothing still receives handoffs.
    covers_nations: Mapped[list[Any] | None] = mapped_column(JSON)
    covers_regions: Mapped[list[Any] | None] = mapped_column(JSON)
    languages: Mapped[list[Any] | None] = mapped_column(JSON)
    help_types: Mapped[list[Any] | None] = mapped_column(JSON)


class OrganisationKey(Base):
    """A public key; the newest unretired one seals, older ones stay listed for audit."""

    __tablename__ = "organisation_keys"

    key_id: Mapped[str] = mapped_column(String(KEY_ID_CHARS), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    suite: Mapped[str] = mapped_column(String(64))
    public_bytes: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "staff_role"))
    # Filled by the console's login code later; null until the person sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Console sign-in (migration 0002). The TOTP secret is sealed under the person's passphrase
    # (crypto.wrap_totp_secret_for_staff), so the database alone yields no second factor.
    login_name: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    totp_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Raised by "sign out everywhere" and password resets: older sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    # Migration 0007: set when an admin disables or removes this person; no sign-in after it.
    # ``failed_sign_ins`` and ``locked_until`` above are no longer read (the lockout became
    # ``SignInThrottle``'s delays); enrolment still zeroes them, so a downgrade finds no lock.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInThrottle(Base):
    """Failed sign-ins per subject (migration 0007): a login name or a client address, stored as
    the SHA-256 of ``login:…`` or ``address:…`` so the table lists neither in clear."""

    __tablename__ = "sign_in_throttle"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())


class WrappedKey(Base):
    """One organisation private key wrapped for one staff member (or, without staff, recovery).

    A separate table rather than a column on ``staff``: with rotation each person holds one wrap
    per organisation key.
    """

    __tablename__ = "wrapped_keys"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    key_id: Mapped[str] = mapped_column(ForeignKey("organisation_keys.key_id"), index=True)
    staff_id: Mapped[str | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Handoff(Base):
    """A report handed to an organisation: draft until submitted, withdrawn after erasure."""

    __tablename__ = "handoffs"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Migration 0010: null on every case shared since, which ``sealed_link`` names instead; a
    # case from before keeps it until the front end seals it (``case_links.seal_legacy_cases``).
    pseudonym: Mapped[str | None] = mapped_column(String(PSEUDONYM_HEX_CHARS), index=True)
    # The person's pseudonym sealed to the front end's courier key (``bot.core.db.case_links``),
    # randomised, so two cases of one person look unrelated to anyone without its secret. Null
    # once the person erased their data, so nothing links the withdrawn case to them.
    sealed_link: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[HandoffStatus] = mapped_column(_enum(HandoffStatus, "handoff_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDay())
    claimed_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    urgency: Mapped[Urgency] = mapped_column(_enum(Urgency, "urgency"))
    abuse_kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    nation: Mapped[str | None] = mapped_column(String(TOKEN_CHARS))
    region: Mapped[str | None] = mapped_column(String(TOKEN_CHARS))
    help_types: Mapped[list[Any]] = mapped_column(JSON, default=list)
    last_happened: Mapped[str | None] = mapped_column(String(TOKEN_CHARS))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    safe_contact_time: Mapped[str | None] = mapped_column(String(TOKEN_CHARS))
    sealed_report: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Set when a caseworker closes the case (migration 0002): a closed vocabulary of outcomes
    # and, for a referral, the directory id of the service (never free text).
    outcome: Mapped[str | None] = mapped_column(String(TOKEN_CHARS))
    outcome_service: Mapped[str | None] = mapped_column(String(64))


class ThreadMessage(Base):
    __tablename__ = "thread_messages"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    handoff_id: Mapped[str] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[Author] = mapped_column(_enum(Author, "message_author"))
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sealed_body: Mapped[bytes] = mapped_column(LargeBinary)


class CaseNote(Base):
    """A caseworker's note on a case, redacted and sealed for the organisation like the thread."""

    __tablename__ = "case_notes"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    handoff_id: Mapped[str] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sealed_body: Mapped[bytes] = mapped_column(LargeBinary)


class OutboxMessage(Base):
    """A chat delivery waiting for the front end; the dedupe key makes enqueueing idempotent."""

    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    # The case, never the person (migration 0010): the front end finds whom to send to through
    # the case's sealed link, which only it can open.
    handoff_id: Mapped[str] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    sealed_payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDay())
    # Set once, with the content dropped: such a row is never picked again (issue 12), so rows
    # that cannot be sent never hold up the ones behind them.
    undeliverable: Mapped[Undeliverable | None] = mapped_column(
        _enum(Undeliverable, "undeliverable")
    )
    undeliverable_at: Mapped[datetime | None] = mapped_column(UTCDay())


class ChatLink(Base):
    """The Telegram chat id for a pseudonym, sealed under the front end's key, until it expires."""

    __tablename__ = "chat_links"

    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_HEX_CHARS), primary_key=True)
    sealed_chat_id: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class DirectoryEntry(Base):
    """A supervisor's version of one advice service (migration 0003), replacing or adding to the
    vetted file ``data/services/directory.yml``; ``entry`` has the file's shape, source and
    verified date included, and is validated exactly like the file."""

    __tablename__ = "directory_entries"

    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class AuditEntry(Base):
    """One link of the keyed hash chain; ``prev_hash`` is unique so the chain cannot fork."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_role: Mapped[str] = mapped_column(String(TOKEN_CHARS))
    actor_id: Mapped[str | None] = mapped_column(String(ID_CHARS))
    action: Mapped[str] = mapped_column(String(TOKEN_CHARS))
    object_id: Mapped[str | None] = mapped_column(String(ID_CHARS))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(HASH_HEX_CHARS), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(HASH_HEX_CHARS), unique=True)
    # Migration 0008: whose entry it is (a plain id, so /audit shows each organisation its own),
    # the digest the keyed link covers (null on the unkeyed entries from before), and whether
    # the entry was pruned to its links when its case went.
    organisation_id: Mapped[str | None] = mapped_column(String(ID_CHARS), index=True)
    content_digest: Mapped[str | None] = mapped_column(String(HASH_HEX_CHARS))
    pruned: Mapped[bool] = mapped_column(Boolean, default=False)


# The front end's and the receipt's tables live in their own modules; importing them here puts
# them in Base.metadata.
from bot.core.db import frontdoor_models, receipt_models  # noqa: E402, F401
