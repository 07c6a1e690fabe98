"""Running a script in Rasa's own interpreter (.venv-rasa, Python 3.10), where the Rasa-side
plug-ins run in production: the tests that check Lantern against Rasa's own code use it."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping

from bot.core.config import PROJECT_ROOT
from bot.devstack import RASA_PYTHON


def run_in_rasa(
    script: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``script`` with ``args``, our code importable and no telemetry; never raises on failure
    (the test reads the return code and stderr)."""
    return subprocess.run(
        [str(RASA_PYTHON), "-c", script, *args],
        cwd=PROJECT_ROOT,
        env={
            **(env if env is not None else {}),
            "PYTHONPATH": str(PROJECT_ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
        },
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
