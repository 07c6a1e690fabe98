"""Which organisation public keys this deployment seals to: pins by fingerprint, from a file.

A row added to ``organisation_keys`` by whoever can write to the database would otherwise
receive every later report. The pins file lives with the settings, not in the database: one line
per key, ``<organisation id> <key id>``, where the key id is the fingerprint computed from the
public key's bytes (``OrganisationPublicKey.key_id``), never the row's own claim. ``make keys``
and ``python -m bot staff`` add the keys they create; a deployment copies the file to the hosts
that seal (the bot side and the console).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import ConfigurationError
from bot.core.private_files import private_dir, refuse_writable_by_others

_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class KeyPins:
    """The (organisation id, key id) pairs sealing may use."""

    pairs: frozenset[tuple[str, str]]

    def allows(self, organisation_id: str, key_id: str) -> bool:
        return (organisation_id, key_id) in self.pairs


def read_key_pins(path: Path, variable: str) -> KeyPins:
    """The pins in ``path``; a missing, malformed or loosely writable file fails loudly (an
    empty one pins none)."""
    refuse_writable_by_others(path, variable)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(
            f"the organisation key pins file {path} could not be read; set {variable} "
            "or run `make keys` for a local run"
        ) from error
    pairs: set[tuple[str, str]] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) != 2 or not all(_ID.fullmatch(word) for word in words):
            raise ConfigurationError(
                f"line {number} of {path} is not '<organisation id> <key id>' (32 hex digits each)"
            )
        pairs.add((words[0], words[1]))
    return KeyPins(frozenset(pairs))


def pin_key(path: Path, organisation_id: str, key_id: str) -> None:
    """Add one pin (a key just created here); the file is made private to this user if new."""
    if not (_ID.fullmatch(organisation_id) and _ID.fullmatch(key_id)):
        raise ConfigurationError("a pin is an organisation id and a key id, 32 hex digits each")
    private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="ascii") as handle:
        handle.write(f"{organisation_id} {key_id}\n")
