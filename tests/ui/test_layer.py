"""dxcommunity.ui is the base layer: it imports no journey app (callers pass in what a helper needs)."""

from __future__ import annotations

import ast
from pathlib import Path

import dxcommunity.ui

JOURNEY_APPS = {"programs", "diagnosis", "accompaniment", "matching", "reports"}


def test_ui_helpers_import_no_journey_app():
    package = Path(dxcommunity.ui.__file__).parent
    imported = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {(path.name, alias.name.split(".")[0]) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add((path.name, node.module.split(".")[0]))
    assert not {(name, module) for name, module in imported if module in JOURNEY_APPS}
