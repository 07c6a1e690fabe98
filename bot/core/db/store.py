"""The bot side's units of work: what the action server, the front end and the CLI do to cases.

Each method is one use case and one transaction of :class:`Database`, composed of the
repositories that work in the caller's session (``handoffs``, ``relay``, ``erasure``): sharing a
report routes it and opens the case together; erasing withdraws, deletes and audits together.
The console composes the same repositories in ``bot.console.cases``.

Whatever finds a person's cases takes the front end's ``key``: only it opens the links between
a person and their cases (``case_links``). Sharing a report needs only its public half.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from bot.core.crypto import (
    PRODUCTION_KDF,
    FrontEndKey,
    FrontEndPublicKey,
    KdfParams,
    hash_receipt_for_lookup,
    kdf_params_from_token,
    kdf_params_token,
)
from bot.core.db import case_links, erasure, handoffs, receipts, relay
from bot.core.db.audit import PERSON
from bot.core.db.database import Database, StoreError
from bot.core.db.erasure import ErasureResult, PurgeResult
from bot.core.db.handoffs import HandoffFields
from bot.core.db.migrations import create_engine_for
from bot.core.db.models import Author, Undeliverable
from bot.core.db.receipts import ResumeOutcome
from bot.core.db.relay import Delivery
from bot.core.db.routing import RoutingNeed, route_handoff
from bot.core.receipts import new_receipt, normalise_receipt

__all__ = [
    "Database",
    "Delivery",
    "ErasureResult",
    "HandoffFields",
    "PurgeResult",
    "ResumeOutcome",
    "Store",
    "StoreError",
    "create_engine_for",
]


class Store:
    """The person's side of a case, each method one transaction with its audit entries."""

    def __init__(self, db: Database, receipt_kdf: KdfParams = PRODUCTION_KDF) -> None:
        self.db = db
        # The cost new receipts are hashed with; tests pass a cheap one.
        self.receipt_kdf = receipt_kdf

    def share_report(
        self,
        pseudonym: str,
        fields: HandoffFields,
        report: Mapping[str, object],
        language: str | None = None,
        *,
        courier: FrontEndPublicKey,
    ) -> str:
        """Route the report to the organisation that fits the person and open their case,
        naming the person only sealed to the front end (``courier``)."""
        need = RoutingNeed(fields.nation, fields.region, frozenset(fields.help_types), language)
        with self.db.transaction() as session:
            return handoffs.open_handoff(
                session,
                pseudonym,
                route_handoff(session, need),
                fields,
                report,
                courier=courier,
                now=self.db.now(),
                firewall=self.db.firewall,
            )

    def seal_legacy_cases(self, key: FrontEndKey) -> int:
        """Seal the links of cases shared before migration 0010 (the front end, as it starts)."""
        with self.db.transaction() as session:
            return case_links.seal_legacy_cases(session, key.courier_public_key())

    def add_message_from_person(self, pseudonym: str, text: str, key: FrontEndKey) -> str | None:
        """The person answers their caseworker: into the thread of their newest case that is
        still open or claimed. None when there is none (closed, withdrawn or never shared)."""
        with self.db.transaction() as session:
            handoff_id = relay.answerable_case(session, pseudonym, {key.key_id: key})
            if handoff_id is None:
                return None
            return relay.add_thread_message(
                session,
                handoff_id,
                Author.PERSON,
                text,
                PERSON,
                now=self.db.now(),
                firewall=self.db.firewall,
            )

    def pending_deliveries(
        self, keys: Mapping[str, FrontEndKey], limit: int = 50, exclude: Collection[str] = ()
    ) -> list[Delivery]:
        with self.db.transaction() as session:
            return relay.pending_deliveries(session, keys, limit, exclude)

    def mark_delivered(self, outbox_id: str) -> None:
        with self.db.transaction() as session:
            relay.mark_delivered(session, outbox_id, now=self.db.now())

    def mark_undeliverable(self, outbox_id: str, reason: Undeliverable) -> None:
        with self.db.transaction() as session:
            relay.mark_undeliverable(session, outbox_id, reason, now=self.db.now())

    def remember_chat(self, pseudonym: str, chat_id: int, key: FrontEndKey, ttl: timedelta) -> None:
        with self.db.transaction() as session:
            relay.remember_chat(session, pseudonym, chat_id, key, ttl, now=self.db.now())

    def chat_id_for(self, pseudonym: str, keys: Mapping[str, FrontEndKey]) -> int | None:
        with self.db.transaction() as session:
            return relay.chat_id_for(session, pseudonym, keys, now=self.db.now())

    def forget_chat(self, pseudonym: str, *, blocked: bool = False) -> None:
        with self.db.transaction() as session:
            relay.forget_chat(session, pseudonym, now=self.db.now(), blocked=blocked)

    def erase_pseudonym(self, pseudonym: str, key: FrontEndKey) -> ErasureResult:
        """The person's erasure: all of it in one transaction, or nothing. A case from before
        migration 0010 is sealed first, so the CLI finds it even before the front end ran."""
        with self.db.transaction() as session:
            case_links.seal_legacy_cases(session, key.courier_public_key())
            return erasure.erase_pseudonym(session, pseudonym, {key.key_id: key}, now=self.db.now())

    def purge_expired(
        self,
        key: FrontEndKey,
        now: datetime | None = None,
        draft_days: int = 7,
        closed_days: int = 90,
    ) -> PurgeResult:
        # A case from before migration 0010 has no case link to drop; retention deletes it as is.
        with self.db.transaction() as session:
            return erasure.purge_expired(
                session,
                key,
                now=now or self.db.now(),
                draft_days=draft_days,
                closed_days=closed_days,
            )

    def issue_receipt_for_person(self, pseudonym: str, key: FrontEndKey) -> str | None:
        """New receipt words for the person's answerable case, for their eyes only: returned
        once, stored only as a slow hash, replacing the case's earlier receipt. None when the
        person has no open case to come back to."""
        keys = {key.key_id: key}
        with self.db.transaction() as session:
            if relay.answerable_case(session, pseudonym, keys) is None:
                return None
        words = new_receipt()
        # Hashed outside any transaction: Argon2id takes a while and holds no lock.
        lookup_hash = hash_receipt_for_lookup(words, self.receipt_kdf)
        with self.db.transaction() as session:
            issued = receipts.issue_receipt(
                session,
                pseudonym,
                keys,
                lookup_hash,
                kdf_params_token(self.receipt_kdf),
                now=self.db.now(),
            )
        return words if issued is not None else None

    def resume_case(
        self, pseudonym: str, typed: str, chat_id: int, key: FrontEndKey, ttl: timedelta
    ) -> ResumeOutcome:
        """``/resume <words>``: within the limit, join this account to the receipt's case and
        keep its chat link (sealed) so the caseworker's replies reach it."""
        with self.db.transaction() as session:
            if not receipts.count_try(session, pseudonym, now=self.db.now()):
                return ResumeOutcome.TOO_MANY
            costs = receipts.receipt_costs(session) or [kdf_params_token(self.receipt_kdf)]
        words = normalise_receipt(typed)
        # Every cost is tried whatever was typed: a wrong receipt takes as long as a right one.
        hashes = {
            cost: hash_receipt_for_lookup(words, kdf_params_from_token(cost)) for cost in costs
        }
        with self.db.transaction() as session:
            now = self.db.now()
            if receipts.rejoin_case(session, pseudonym, hashes, key, now=now) is None:
                return ResumeOutcome.REFUSED
            relay.remember_chat(session, pseudonym, chat_id, key, ttl, now=now)
        return ResumeOutcome.RESUMED
