"""Which partner organisation receives a handoff."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import LanternError
from bot.core.models import Organisation


class NoPartnerOrganisationError(LanternError):
    """No partner organisation is set up to receive reports."""


def route_handoff(session: Session) -> str:
    """The organisation a new handoff goes to.

    Until partner organisations declare the nations, needs and languages they cover (the staff
    console's issue), every handoff goes to the first organisation set up.
    """
    first = session.scalars(select(Organisation.id).order_by(Organisation.created_at)).first()
    if first is None:
        raise NoPartnerOrganisationError("no partner organisation has been set up")
    return first
