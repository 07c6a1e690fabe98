"""Trust boundaries, checked on the real source tree."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VICTIM_SIDE = ("bot/frontdoor", "bot/rasa_ext", "actions")
STAFF_SIDE = ("bot/console",)


def imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def sources(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from (ROOT / folder).rglob("*.py")


def crossing(sides: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    banned = tuple(part.replace("/", ".") for part in forbidden)
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sources(*sides)
        for module in imported_modules(path)
        if module.startswith(banned)
    ]


def test_the_victim_side_never_imports_the_staff_console() -> None:
    assert crossing(VICTIM_SIDE, STAFF_SIDE) == []


def test_the_staff_console_never_imports_the_victim_side() -> None:
    assert crossing(STAFF_SIDE, VICTIM_SIDE) == []


def test_the_shared_core_imports_neither_side() -> None:
    assert crossing(("bot/core",), VICTIM_SIDE + STAFF_SIDE) == []


def test_only_the_crypto_package_imports_cryptography() -> None:
    importers = {
        path.relative_to(ROOT).parent.as_posix()
        for path in sources("bot", "actions")
        for module in imported_modules(path)
        if module == "cryptography" or module.startswith("cryptography.")
    }
    assert importers == {"bot/core/crypto"}
