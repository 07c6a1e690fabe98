"""The Telegram front end's own tables: what must survive a restart (issue 12).

Keyed by pseudonym (``bot.core.pseudonym``), never by a chat id; every Telegram id and every word
a person wrote is sealed under the front end's key (``bot.core.crypto.seal_for_front_end``).
Plain columns hold pseudonyms, times, states and update ids only. Imported at the end of
``bot.core.db.models`` so that ``Base.metadata`` (and so Alembic) always sees these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db.models import HASH_HEX_CHARS, ID_CHARS, Base, UTCDateTime, new_id
from bot.core.pseudonym import PSEUDONYM_HEX_CHARS

STATE_CHARS = 16


class FrontDoorPerson(Base):
    """Per person: the chosen language (sealed: it hints at where someone is from), whether
    they are talking with their caseworker, and whether /start is waiting for a language."""

    __tablename__ = "frontdoor_people"

    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_HEX_CHARS), primary_key=True)
    sealed_language: Mapped[bytes | None] = mapped_column(LargeBinary)
    with_caseworker: Mapped[bool] = mapped_column(Boolean, default=False)
    starting: Mapped[bool] = mapped_column(Boolean, default=False)
    # Messages of this chat that aged past deleting: counted, so /exit can say so honestly.
    undeletable: Mapped[int] = mapped_column(Integer, default=0)


class TrailMessage(Base):
    """One message of a chat for the quick exit: its id sealed, the time it was sent."""

    __tablename__ = "frontdoor_trail"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_HEX_CHARS), index=True)
    sealed_message_id: Mapped[bytes] = mapped_column(LargeBinary)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WaitingMessage(Base):
    """A message held while the assistant is down: chat id and text sealed, answered in order."""

    __tablename__ = "frontdoor_waiting"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(ID_CHARS), unique=True, default=new_id)
    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_HEX_CHARS), index=True)
    sealed_body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ButtonPayload(Base):
    """A Rasa button payload too long for callback_data, under its short id (sealed anyway:
    a payload can name an entity the person chose)."""

    __tablename__ = "frontdoor_buttons"

    short_id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True)
    sealed_payload: Mapped[bytes] = mapped_column(LargeBinary)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class InboxUpdate(Base):
    """An incoming Telegram update, recorded before it is handled: its update_id is the dedupe
    key; the update itself is sealed and dropped once its turn is done."""

    __tablename__ = "frontdoor_inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # A keyed digest of the update: tells a redelivery from another update under a reused id.
    fingerprint: Mapped[str] = mapped_column(String(HASH_HEX_CHARS))
    pseudonym: Mapped[str | None] = mapped_column(String(PSEUDONYM_HEX_CHARS), index=True)
    sealed_update: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(STATE_CHARS))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Migration 0009: how many messages of this update's answer were sent, so a replay after a
    # crash mid-answer sends only the rest.
    shown: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CaseLink(Base):
    """One case of a person (migration 0010), for the front end to find their cases by
    pseudonym: the case's id is sealed to the front end's courier key, so a copy of the
    database shows how many cases a pseudonym has had, never which ones. No time is kept: a
    time would match the case's own. Written with the case, dropped by erasure, by a /resume
    that moves the case away, and by retention once the case is gone."""

    __tablename__ = "case_links"

    id: Mapped[str] = mapped_column(String(ID_CHARS), primary_key=True, default=new_id)
    pseudonym: Mapped[str] = mapped_column(String(PSEUDONYM_HEX_CHARS), index=True)
    sealed_handoff_id: Mapped[bytes] = mapped_column(LargeBinary)
