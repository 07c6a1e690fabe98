"""Which secret keys the audit chain of an engine's database: held by the processes, never stored.

The key is tied to the engine (``create_engine_for`` registers the settings' key file) rather
than passed to every repository, so each of the many ``append_audit`` callers keeps its
signature. It is read lazily: a process that never writes or checks the log needs no key file.
"""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from bot.core.errors import ConfigurationError

__all__ = ["AuditKeyMissingError", "audit_key_for", "use_audit_key"]

# Below this many bytes an HMAC key could be guessed offline from a stolen log.
MIN_AUDIT_KEY_BYTES = 32

_LOADERS: WeakKeyDictionary[Engine, Callable[[], bytes]] = WeakKeyDictionary()
_KEYS: WeakKeyDictionary[Engine, bytes] = WeakKeyDictionary()


class AuditKeyMissingError(ConfigurationError):
    """The audit log was to be written or checked through an engine that has no audit key."""


def use_audit_key(engine: Engine, key: bytes | Callable[[], bytes]) -> None:
    """Key the audit chain of ``engine``'s database with ``key`` (bytes, or a loader of them)."""
    _KEYS.pop(engine, None)
    _LOADERS[engine] = key if callable(key) else (lambda: key)


def audit_key_for(session: Session) -> bytes:
    """The audit key of the engine ``session`` is bound to; refused loudly when there is none."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    key = _KEYS.get(engine)
    if key is None:
        loader = _LOADERS.get(engine)
        if loader is None:
            raise AuditKeyMissingError(
                "this database engine has no audit key: build it with create_engine_for(settings)"
            )
        key = loader()
        if len(key) < MIN_AUDIT_KEY_BYTES:
            raise AuditKeyMissingError(f"the audit key holds under {MIN_AUDIT_KEY_BYTES} bytes")
        _KEYS[engine] = key
    return key
