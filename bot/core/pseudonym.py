"""The one way a Telegram or terminal id becomes a sender id: a keyed HMAC, never the id itself.

A plain hash of a Telegram id could be reversed by hashing every plausible id; the HMAC key (a
secret file, see ``Settings.pseudonym_key``) makes that guess impossible without the server's key.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from bot.core.errors import LanternError

PSEUDONYM_HEX_CHARS = 64
_PSEUDONYM = re.compile(r"[0-9a-f]{64}")
# Below this many bytes an offline guess of the key, and so of the ids, becomes feasible.
_MIN_KEY_BYTES = 32
# Domain separation, so the same key could never yield a pseudonym equal to some other HMAC.
_DOMAIN = b"lantern sender id v1\x00"


class PseudonymError(LanternError):
    """A pseudonym key is too short, or an id or pseudonym is malformed."""


def pseudonym_for(telegram_or_terminal_id: str | int, key: bytes) -> str:
    """The sender id for a Telegram user, chat or terminal id: 64 lowercase hex characters."""
    if len(key) < _MIN_KEY_BYTES:
        raise PseudonymError(f"the pseudonym key must hold at least {_MIN_KEY_BYTES} bytes")
    # bool is an int subclass; True would silently become the pseudonym of user 1.
    if isinstance(telegram_or_terminal_id, bool) or not isinstance(
        telegram_or_terminal_id, (str, int)
    ):
        raise PseudonymError("an id must be a str or int")
    raw = str(telegram_or_terminal_id).strip()
    if not raw:
        raise PseudonymError("an empty id has no pseudonym")
    return hmac.new(key, _DOMAIN + raw.encode("utf-8"), hashlib.sha256).hexdigest()


def is_pseudonym(value: str) -> bool:
    """True when ``value`` has the shape :func:`pseudonym_for` produces (so it is not a raw id)."""
    return _PSEUDONYM.fullmatch(value) is not None
