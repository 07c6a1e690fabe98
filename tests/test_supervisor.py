"""The stack's supervisor with real child processes: kill -9 one, the others stay, it returns.

The children are real HTTP servers (Python's http.server) on free loopback ports, probed over
HTTP exactly as `python -m bot health` probes the real stack's servers; no mocks.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.health import report
from bot.supervisor import Server, Supervisor, SupervisorStoppedError
from tests.support import free_port

NAMES = ("rasa", "actions", "emulator")


def http_server(name: str, tmp_path: Path) -> Server:
    port = free_port()
    return Server(
        name,
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        dict(os.environ),
        tmp_path / f"{name}.log",
        url=f"http://127.0.0.1:{port}/",
        health_url=f"http://127.0.0.1:{port}/",
    )


def answers(server: Server) -> bool:
    assert server.health_url is not None
    try:
        return httpx.get(server.health_url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[Supervisor]:
    supervisor = Supervisor(
        state_file=tmp_path / "run" / "stack.json", initial_backoff=0.2, max_backoff=0.8
    )
    for name in NAMES:
        supervisor.add(http_server(name, tmp_path))
    thread = threading.Thread(target=supervisor.run, args=(0.05,), daemon=True)
    thread.start()
    try:
        for server in supervisor.servers:
            wait_until(lambda s=server: answers(s), 10)
        yield supervisor
    finally:
        supervisor.stop()
        thread.join(timeout=30)


def test_kill_9_on_one_server_restarts_it_and_leaves_the_others_up(
    supervised: Supervisor, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rasa, actions, emulator = supervised.servers
    pids = {server.name: server.process.pid for server in supervised.servers if server.process}
    assert rasa.process is not None
    caplog.set_level("WARNING", logger="bot.supervisor")
    killed_at = time.monotonic()
    os.kill(rasa.process.pid, signal.SIGKILL)
    # While it is down the others keep answering ...
    wait_until(lambda: rasa.restart_at is not None or rasa.restarts == 1, 5)
    assert answers(actions) and answers(emulator)
    # ... and it comes back as a new process, once.
    wait_until(lambda: answers(rasa) and rasa.restarts == 1, 10)
    back_after = time.monotonic() - killed_at
    assert rasa.process is not None and rasa.process.pid != pids["rasa"]
    assert rasa.last_exit == -signal.SIGKILL
    assert {s.name: s.process.pid for s in (actions, emulator) if s.process} == {
        "actions": pids["actions"],
        "emulator": pids["emulator"],
    }
    assert actions.restarts == emulator.restarts == 0
    assert back_after < 5, f"back after {back_after:.2f} s"
    # The log names the server and its exit code, nothing else.
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "supervisor: rasa exited with code -9; restarting in 0.2 s",
        "supervisor: restarted rasa (restart 1)",
    ]
    # `python -m bot health` reads the state file and probes each server itself.
    out = io.StringIO()
    assert report(tmp_path / "run" / "stack.json", out) == 0
    lines = out.getvalue().splitlines()
    assert lines[1].split()[:3] == ["rasa", "up", "1"]
    assert [line.split()[:3] for line in lines[2:]] == [
        ["actions", "up", "0"],
        ["emulator", "up", "0"],
    ]


def test_health_says_down_while_a_server_is_dead(supervised: Supervisor, tmp_path: Path) -> None:
    emulator = supervised.servers[2]
    supervised.stop()  # stops restarting and the servers, as Ctrl-C on `make run` does
    out = io.StringIO()
    assert report(tmp_path / "run" / "stack.json", out) == 1
    assert "not running" in out.getvalue()
    assert not answers(emulator)
    with pytest.raises(SupervisorStoppedError):
        supervised.add(http_server("late", tmp_path))


def test_health_reports_a_dead_server_as_down(tmp_path: Path) -> None:
    """A state file naming a server whose process is gone: down, exit 1."""
    state = tmp_path / "stack.json"
    server = {"name": "rasa", "pid": 2**22 + 1, "state": "running", "restarts": 2}
    state.write_text(
        json.dumps({"supervisor_pid": os.getpid(), "servers": [server | {"url": "http://x/"}]})
    )
    out = io.StringIO()
    assert report(state, out) == 1
    assert out.getvalue().splitlines()[1].split() == ["rasa", "down", "2", "http://x/"]


def test_a_server_that_keeps_crashing_backs_off_exponentially_to_the_cap(
    tmp_path: Path,
) -> None:
    supervisor = Supervisor(initial_backoff=0.1, max_backoff=0.4, stable_seconds=60)
    healthy = http_server("emulator", tmp_path)
    crashing = Server(
        "rasa", [sys.executable, "-c", "raise SystemExit(3)"], {}, tmp_path / "rasa.log"
    )
    supervisor.add(healthy)
    supervisor.add(crashing)
    delays: list[float] = []
    try:
        wait_until(lambda: answers(healthy), 10)
        started = time.monotonic()
        while time.monotonic() - started < 3:
            supervisor.check()
            if crashing.restart_at is not None and (
                not delays or delays[-1] != crashing.restart_at
            ):
                delays.append(crashing.restart_at)
            time.sleep(0.02)
        # Gaps between scheduled restarts: 0.1, 0.2, 0.4, then capped at 0.4.
        gaps = [later - earlier for earlier, later in itertools.pairwise(delays)]
        assert crashing.backoff == pytest.approx(0.4)
        assert 4 <= crashing.restarts <= 12, crashing.restarts
        # Each gap is the back-off plus the crashing process's own life (a Python start-up).
        assert gaps[0] < gaps[2], gaps
        assert max(gaps) < 0.4 + 0.3, gaps
        assert crashing.last_exit == 3
        assert healthy.restarts == 0 and answers(healthy)
    finally:
        supervisor.stop()


# A server that serves from a child process, as Sanic 25 does for the action server: the
# parent only waits. The child writes its pid where the test can find it.
PARENT_AND_WORKER = """
import subprocess, sys, time
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
open(sys.argv[1], "w").write(str(worker.pid))
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped by its new parent) counts as gone.
    with contextlib.suppress(FileNotFoundError):
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return False


def test_a_killed_server_takes_its_worker_processes_with_it(tmp_path: Path) -> None:
    """Found by the fault tests: SIGKILL of the action server's main process left its Sanic
    worker serving the port, outside the supervisor's reach, through every restart."""
    pid_file = tmp_path / "worker.pid"
    server = Server(
        "actions",
        [sys.executable, "-c", PARENT_AND_WORKER, str(pid_file)],
        dict(os.environ),
        tmp_path / "actions.log",
    )
    supervisor = Supervisor(initial_backoff=60.0)
    supervisor.add(server)
    try:
        wait_until(lambda: pid_file.exists() and pid_file.read_text(), 30)
        worker = int(pid_file.read_text())
        assert server.process is not None and alive(worker)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        supervisor.check()
        wait_until(lambda: not alive(worker), 10)
    finally:
        supervisor.stop()
