"""The cross-cutting URL tables, and how an area adds its own rows without editing the central files.

Three central tests walk the URL resolver and fail when a URL name is missing from their tables:
``tests/test_permissions.py`` (role matrix), ``tests/test_csrf.py`` (every POST refuses a missing CSRF
token) and ``tests/access/test_bank_isolation.py`` (a bank gets 404 on another bank's client).

An area's matrix module is any ``tests/**/test_permission_matrix*.py``. Besides its own parametrized tests
it defines ``MATRIX`` (name -> (method, {role: status})) and ``ROLES``, and may define:

- ``CSRF_POST_URLS: dict[str, Case]`` and ``CSRF_GET_ONLY: set[str]`` (merged into tests/test_csrf.py;
  a ``Case``'s lambdas get test_csrf's ``world``: ``world.cast`` is the ``cast`` fixture);
- ``BANK_PAGES`` (rows in the format of ``tests/access/test_bank_isolation.PAGES``; lambdas get
  ``o`` = world.own / world.theirs with ``o.company``) and ``NOT_COMPANY_SCOPED: set[str]``.

This module imports no test module, so area modules can import ``Case`` from here without a cycle.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

TESTS_DIR = Path(__file__).resolve().parent


@dataclass
class Case:
    """Who posts (attribute of test_csrf's ``world``; None = anonymous), the URL kwargs, the POST body."""

    who: str | None
    kwargs: Callable[[Any], dict] = lambda w: {}
    data: Callable[[Any], dict] = lambda w: {}
    tenant: bool = True  # under /c/<consortium_slug>/
    extra: dict = field(default_factory=dict)


def matrix_modules() -> list[tuple[str, ModuleType]]:
    """[(relative path, module)] of every ``tests/**/test_permission_matrix*.py``, sorted by path."""
    found = []
    for path in sorted(TESTS_DIR.rglob("test_permission_matrix*.py")):
        rel = path.relative_to(TESTS_DIR.parent)
        dotted = ".".join(rel.with_suffix("").parts)
        found.append((str(rel), importlib.import_module(dotted)))
    return found


def merged(attr: str, empty: Any) -> Any:
    """The union of ``attr`` (a dict or a set) over every matrix module that defines it."""
    result = type(empty)()
    for where, module in matrix_modules():
        part = getattr(module, attr, None)
        if part is None:
            continue
        overlap = set(result) & set(part)
        assert not overlap, f"{where} {attr}: names already in another module: {sorted(overlap)}"
        result.update(part)
    return result
