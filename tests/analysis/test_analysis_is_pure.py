"""The analysis is pure: nothing under cohorts/analysis (nor the statistics it uses) imports Django."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = sorted((ROOT / "cohorts" / "analysis").glob("*.py")) + [
    ROOT / "cohorts" / "stats" / f"{name}.py" for name in ("values", "descriptive", "comparisons", "formatting")]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_module_does_not_import_django(path):
    assert not {"django", "rest_framework", "registry", "infections"} & _imports(path)
