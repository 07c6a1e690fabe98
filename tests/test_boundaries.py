"""Trust and runtime boundaries, checked on the real source tree.

Each zone is a folder of the tree. The victim side (front door, Rasa plug-ins, actions) and the
staff console never import each other; everything they share lives in ``bot.core``. Inside the
core, ``bot.core.db`` needs SQLAlchemy 2, so the Rasa process (Python 3.10, SQLAlchemy 1.4) may
load everything in the core but that package.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

ZONES = {
    "frontdoor": "bot/frontdoor",
    "rasa_ext": "bot/rasa_ext",
    "actions": "actions",
    "console": "bot/console",
    "emulator": "bot/emulator",
    "core": "bot/core",
    "core/db": "bot/core/db",
    "core/directory": "bot/core/directory",
    "core/crypto": "bot/core/crypto",
}
FIRST_PARTY = ("bot", "actions")
DB = "bot/core/db"
DIRECTORY = "bot/core/directory"
# The one module of the Rasa-safe core that touches a database: it keeps to the SQLAlchemy Core
# API that 1.4 (inside Rasa) and 2 (the front end and CLI) share, and never the 2.x ORM.
SHARED_SQLALCHEMY = {"bot/core/tracker_vault.py": ("sqlalchemy", "sqlalchemy.engine")}


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def rasa_safe_core() -> list[Path]:
    return [path for path in sources("bot/core") if not path.is_relative_to(ROOT / DB)]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imported_modules(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, ``from package import submodule`` included."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            package = module_name(path).split(".")
            if path.name != "__init__.py":
                package = package[:-1]
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module
            for alias in node.names:
                if is_module(f"{module}.{alias.name}"):
                    yield f"{module}.{alias.name}"


def under(module: str, *packages: str) -> bool:
    dotted = tuple(package.replace("/", ".") for package in packages)
    return any(module == package or module.startswith(f"{package}.") for package in dotted)


def imports_of(paths: list[Path]) -> Iterator[tuple[str, str]]:
    for path in paths:
        for module in imported_modules(path):
            yield path.relative_to(ROOT).as_posix(), module


def first_party_outside(paths: list[Path], *allowed: str) -> list[str]:
    return [
        f"{source} imports {module}"
        for source, module in imports_of(paths)
        if under(module, *FIRST_PARTY) and not under(module, *allowed)
    ]


@pytest.mark.parametrize("zone", ZONES)
def test_every_zone_has_python_files(zone: str) -> None:
    # A renamed folder must fail here rather than make the rules below pass on nothing.
    assert sources(ZONES[zone]), f"{ZONES[zone]} holds no Python files"


def test_the_front_door_imports_only_the_core() -> None:
    assert first_party_outside(sources("bot/frontdoor"), "bot/frontdoor", "bot/core") == []


def test_the_rasa_plugins_import_only_the_rasa_safe_core() -> None:
    paths = sources("bot/rasa_ext")
    assert first_party_outside(paths, "bot/rasa_ext", "bot/core") == []
    assert [f"{s} imports {m}" for s, m in imports_of(paths) if under(m, DB)] == []
    assert [f"{s} imports {m}" for s, m in imports_of(paths) if under(m, "sqlalchemy")] == []


def test_the_actions_import_only_the_core() -> None:
    # The action server runs rasa-sdk under .venv (3.11, see bot/devstack.py), so the whole
    # core, database included, is theirs to use.
    assert first_party_outside(sources("actions"), "actions", "bot/core") == []


def test_the_staff_console_imports_only_the_core() -> None:
    assert first_party_outside(sources("bot/console"), "bot/console", "bot/core") == []


def test_the_telegram_emulator_imports_only_the_core() -> None:
    assert first_party_outside(sources("bot/emulator"), "bot/emulator", "bot/core") == []


def test_the_core_imports_no_other_zone() -> None:
    assert first_party_outside(sources("bot/core"), "bot/core") == []


def test_the_rasa_safe_core_never_imports_the_database_package() -> None:
    assert [f"{s} imports {m}" for s, m in imports_of(rasa_safe_core()) if under(m, DB)] == []


def test_the_rasa_safe_core_keeps_to_sqlalchemy_core_in_one_module() -> None:
    found = [
        f"{source} imports {module}"
        for source, module in imports_of(rasa_safe_core())
        if under(module, "sqlalchemy", "alembic")
        and module not in SHARED_SQLALCHEMY.get(source, ())
    ]
    assert found == []


def test_nobody_outside_the_directory_package_imports_its_submodules() -> None:
    inside = ROOT / DIRECTORY
    outside = [
        path
        for folder in ("bot", "actions", "tests", "bench")
        for path in sources(folder)
        if not path.is_relative_to(inside)
    ]
    found = [
        f"{source} imports {module}"
        for source, module in imports_of(outside)
        if under(module, DIRECTORY) and module != DIRECTORY.replace("/", ".")
    ]
    assert found == []


def test_only_the_crypto_package_imports_cryptography() -> None:
    importers = {
        source.rsplit("/", 1)[0]
        for source, module in imports_of(sources("bot") + sources("actions"))
        if under(module, "cryptography")
    }
    assert importers == {"bot/core/crypto"}


_REAL_IMPORT = textwrap.dedent(
    """
    import importlib, json, sys
    for name in sys.argv[1:]:
        importlib.import_module(name)
    import sqlalchemy
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("bot", "alembic"))
    print(json.dumps({"sqlalchemy": sqlalchemy.__version__, "loaded": loaded}))
    """
)


def test_the_rasa_process_imports_its_plugins_and_the_safe_core_for_real() -> None:
    if not RASA_PYTHON.exists():
        pytest.skip(f"{RASA_PYTHON} is absent: the Rasa virtual environment is not built")
    modules = [module_name(path) for path in sources("bot/rasa_ext") + rasa_safe_core()]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", _REAL_IMPORT, *modules],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # Only a 1.4 SQLAlchemy proves the imports ran where the 2.x-only ORM does not exist.
    assert report["sqlalchemy"].startswith("1.4.")
    assert [m for m in report["loaded"] if under(m, DB) or under(m, "alembic")] == []
    assert set(modules) <= set(report["loaded"])
