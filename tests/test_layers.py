"""The house's one rule, checked: every import points down (memorybot → adapters → bot → state, memory).

A core module that imported the wiring, or storage that imported the core, would pass every other test and
still make the layers meaningless, so the imports themselves are read here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What each package may never import (directly or by a submodule).
FORBIDDEN = {
    "memory": {"bot", "adapters", "memorybot", "state", "bench"},
    "state": {"bot", "adapters", "memorybot", "bench"},
    "bot": {"adapters", "memorybot", "bench"},
    "adapters": {"memorybot", "bench"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_down(package: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path) & FORBIDDEN[package]
    }
    assert not wrong, sorted(wrong)


def test_the_core_holds_no_wiring() -> None:
    """The command line, the adapter runner and start-up checks live in `memorybot/`, not in the core."""
    wiring = ("cli.py", "runner.py", "app.py", "startup.py")
    assert not [name for name in wiring if (ROOT / "bot" / name).exists()]


def test_only_the_wiring_names_the_concrete_memory_store() -> None:
    """The core, the adapters and the state depend on `memory.store.MemoryStore`; which store it is (Mem0 on
    Qdrant or pgvector, or in memory) is chosen in `memorybot/app.py` alone."""
    naming = {
        str(path.relative_to(ROOT))
        for package in ("bot", "adapters", "state", "memorybot")
        for path in (ROOT / package).rglob("*.py")
        if "mem0_store" in _imports_full(path) or "Mem0Store" in path.read_text(encoding="utf-8")
    }
    assert naming == {"memorybot/app.py"}


def _imports_full(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(part for alias in node.names for part in alias.name.split("."))
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(node.module.split("."))
    return found
