"""Files only this user may read: keys under ``var/keys`` and the SQLite databases.

Modes are set with ``chmod`` after creation, not left to ``os.open``'s mode argument, because the
process umask filters that argument: a umask of 0 would be harmless, but an unusual one (or a
later, looser default) must never decide who can read a key or a case.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bot.core.errors import ConfigurationError

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
# Any permission for group or others: read would leak the key, write would let it be replaced.
_SHARED_BITS = stat.S_IRWXG | stat.S_IRWXO


class LooseSecretFileError(ConfigurationError):
    """A secret file group or others may read or write; the message names the file only."""


def private_dir(path: Path) -> None:
    """``path`` and any parent this call creates, each 0700; existing directories are left."""
    missing: list[Path] = []
    here = path
    while not here.exists():
        missing.append(here)
        here = here.parent
    for directory in reversed(missing):
        directory.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        os.chmod(directory, PRIVATE_DIR_MODE)


def write_private_file(path: Path, text: str) -> None:
    """Create a file only this user can read, in a private directory; refuse to overwrite one."""
    private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    os.fchmod(descriptor, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def private_sqlite_file(database: str | None) -> None:
    """Create (or tighten) a SQLite database file 0600 before SQLite opens it.

    SQLite creates its file 0644 under the usual umask, and gives its journal and WAL files the
    database file's mode, so making the main file private first covers all three.
    """
    if database in (None, "", ":memory:") or str(database).startswith("file:"):
        return
    path = Path(str(database))
    private_dir(path.parent)
    descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)
    finally:
        os.close(descriptor)


def refuse_shared_secret_file(path: Path, variable: str) -> None:
    """Raise LooseSecretFileError if group or others have any access to the secret file."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # the read that follows reports a missing file with its own clear message
    if mode & _SHARED_BITS:
        raise LooseSecretFileError(
            f"secret file {path} ({variable}) is open to group or others "
            f"(mode {stat.S_IMODE(mode):04o}); run `chmod 600 {path}` and start again"
        )


def refuse_writable_by_others(path: Path, variable: str) -> None:
    """Raise LooseSecretFileError if group or others may write a file whose integrity matters
    (the front end's public key, the key pins): a replaced one would redirect what is sealed."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # the read that follows reports a missing file with its own clear message
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise LooseSecretFileError(
            f"file {path} ({variable}) may be written by group or others "
            f"(mode {stat.S_IMODE(mode):04o}); run `chmod 644 {path}` and start again"
        )
