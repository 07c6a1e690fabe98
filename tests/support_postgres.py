"""A PostgreSQL server of the test's own, in a temporary directory on a free port, to stop and
start at will: the shared server on 5432 belongs to everyone else and is never touched."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import free_port


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@dataclass
class PrivatePostgres:
    bin_dir: Path
    data_dir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        # PostgreSQL refuses to run as root: as root, the commands run as the postgres user.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D", str(self.data_dir),
            "-l", str(self.data_dir / "server.log"),
            "-o", f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1",
            "-w", "start",
        )  # fmt: skip

    def crash(self) -> None:
        """Stopped at once, as a crash or a power cut would: no checkpoint, recovery on start."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are not installed")
    # Not under pytest's tmp_path: its parents are root's, closed to the postgres user.
    top = Path(tempfile.mkdtemp(prefix="lantern-pg-"))
    top.chmod(0o755)
    data_dir = top / "data"
    data_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(data_dir, "postgres", "postgres")
    server = PrivatePostgres(bin_dir, data_dir, free_port())
    try:
        server._run(str(bin_dir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", "postgres")
        server.start()
        yield server
    finally:
        subprocess.run(
            [
                *(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []),
                str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "stop",
            ],
            check=False,  # already stopped is fine
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        shutil.rmtree(top, ignore_errors=True)
