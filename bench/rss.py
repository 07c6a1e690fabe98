"""Memory of a running stack from /proc: every process of it, children (Sanic workers) included.

RSS counts a page shared by forked workers once per process, so its sum overstates what the
machine gives up; PSS splits each shared page between the processes that share it, so its sum
is what the stack really holds. Both are reported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            # The command name is in parentheses and may hold spaces: split after its end.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def tree_of(pid: int, children: Mapping[int, list[int]]) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _kilobytes(path: Path, label: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(label):
                return int(line.split()[1])
    except OSError:
        pass  # the process ended between the listing and the read
    return 0


def memory_of(pid: int, children: Mapping[int, list[int]]) -> tuple[int, int, int]:
    """(RSS bytes, PSS bytes, processes) of ``pid`` and all its descendants."""
    pids = tree_of(pid, children)
    rss = sum(_kilobytes(PROC / str(p) / "status", "VmRSS:") for p in pids)
    pss = sum(_kilobytes(PROC / str(p) / "smaps_rollup", "Pss:") for p in pids)
    return rss * 1024, pss * 1024, len(pids)


@dataclass
class Peak:
    """The largest total seen while sampling, and each server's share at that moment."""

    rss: int = 0
    pss: int = 0
    by_server: dict[str, tuple[int, int, int]] = field(default_factory=dict)


class Sampler:
    """Samples the named servers' memory every ``interval`` seconds until stopped."""

    def __init__(self, servers: Mapping[str, int], interval: float = 1.0) -> None:
        self.servers, self.interval, self.peak = dict(servers), interval, Peak()
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        children = _children()
        now = {name: memory_of(pid, children) for name, pid in self.servers.items()}
        rss = sum(r for r, _, _ in now.values())
        if rss > self.peak.rss:
            self.peak = Peak(rss, sum(p for _, p, _ in now.values()), now)

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    def __enter__(self) -> Sampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.sample()


def gigabytes(amount: int) -> str:
    return f"{amount / 1e9:.2f} GB"
