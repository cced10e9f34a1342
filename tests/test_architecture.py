"""The house rules of DESIGN.md that a machine can check."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_SDKS = {"telegram", "discord", "nio"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_platform_sdk() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in PLATFORM_SDKS
        )
        for path in (ROOT / "core").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_imports_no_adapter() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "core").rglob("*.py")
        if any(m.split(".")[0] == "bots" for m in imported_modules(path))
    ]
    assert offenders == []


def test_the_check_sees_an_sdk_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text(
        "import discord\nfrom telegram.ext import Application\nfrom nio import AsyncClient\n"
    )
    assert {m.split(".")[0] for m in imported_modules(sample)} == PLATFORM_SDKS
