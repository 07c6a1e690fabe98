"""deploy/systemd: the units pass `systemd-analyze verify` (with /opt/lantern pointed at this
checkout's interpreters, which verify insists exist), and the deployment's endpoints file is the
project's plus the Redis lock store several Rasa workers need."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.core.config import PROJECT_ROOT
from bot.scale import lock_store_endpoints

DEPLOY = PROJECT_ROOT / "deploy"
INSTALLED_AT = "/opt/lantern"
BIND = re.compile(r"(?:--host|--interface|SANIC_HOST=|_LISTEN=)\s*(\S+)")


def installed_units(root: Path) -> list[Path]:
    """The units as written, with the install path moved to a copy of the interpreters."""
    for venv in (".venv", ".venv-rasa"):
        (root / venv / "bin").mkdir(parents=True)
        (root / venv / "bin" / "python").symlink_to(PROJECT_ROOT / venv / "bin" / "python")
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        copy = root / unit.name
        copy.write_text(unit.read_text().replace(INSTALLED_AT, str(root)))
        units.append(copy)
    return units


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    units = installed_units(tmp_path)
    assert {u.name for u in units} >= {
        "lantern.target", "lantern-rasa.service", "lantern-actions.service",
        "lantern-frontend.service", "lantern-console.service",
    }  # fmt: skip
    result = subprocess.run(
        ["systemd-analyze", "verify", *[f"./{u.name}" for u in units]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unknown" not in result.stderr, result.stderr


def test_every_server_binds_to_loopback_and_reads_the_one_settings_file() -> None:
    for unit in (DEPLOY / "systemd").glob("*.service"):
        text = unit.read_text()
        assert "EnvironmentFile=/etc/lantern/lantern.env" in text, unit.name
        assert "User=lantern" in text, unit.name
        # Every address a server is told to bind is loopback (the proxy alone faces out).
        assert all(address == "127.0.0.1" for address in BIND.findall(text)), unit.name
    assert BIND.findall((DEPLOY / "systemd" / "lantern-rasa.service").read_text())


def test_the_deployment_endpoints_are_the_projects_plus_the_lock_store() -> None:
    deployed = yaml.safe_load((DEPLOY / "endpoints.yml").read_text())
    project = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    assert deployed == project | yaml.safe_load(lock_store_endpoints("lantern"))
    settings = (DEPLOY / "lantern.env.example").read_text()
    assert "SANIC_WORKERS=" in settings and "LANTERN_TRACKER_URL=redis://" in settings
