"""Permission decisions live in the rules (``<app>/rules.py``) and the access engine, nowhere else.

A view, service, selector or form that compares a membership's role (``membership.role == Role.ITC``,
``m.role in (Role.COORDINATOR, …)``, ``role != Role.VENDOR``) decides a permission on its own; it must ask
a rule (``rules.test_rule`` / ``has_perm``) or the access engine instead. Reading a role for display (a
label, a choice list, a ``filter(role=…)`` query that lists members) is not a decision and is not flagged.

Allowed places: every ``rules.py``, the access module, models (role definitions), migrations, the demo
loader and the benchmark code (they create memberships: data, not decisions).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_PACKAGES = ("dxcommunity", "programs", "diagnosis", "accompaniment", "matching", "reports")
# The names of Membership.Role (an attendance role such as ITC_LEADER is another vocabulary).
MEMBERSHIP_ROLES = frozenset(
    {
        "COORDINATOR",
        "REGIONAL_COORDINATOR",
        "ITC",
        "BANK_STAFF",
        "ASSOCIATION_STAFF",
        "VENDOR",
        "COMPANY_MEMBER",
    }
)
ALLOWED_NAMES = frozenset({"rules.py", "access.py", "models.py", "demo_fy2022.py", "load_demo.py"})
ALLOWED_PARTS = frozenset({"migrations", "access", "demo", "bench"})


def _allowed(path: Path) -> bool:
    rel = path.relative_to(ROOT)
    if rel.name in ALLOWED_NAMES or rel.name.startswith("bench"):
        return True
    return bool(ALLOWED_PARTS & set(rel.parts[:-1]))


def _is_role_member(node: ast.AST) -> bool:
    """``Role.ITC``, ``Membership.Role.ITC``, ``membership.Role.ITC``."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr in MEMBERSHIP_ROLES
        and isinstance(node.value, ast.Attribute | ast.Name)
        and (node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id) == "Role"
    )


def _mentions_role(node: ast.AST, role_constants: frozenset[str]) -> bool:
    """The expression is, or lists, a membership role (directly or through a role-set constant)."""
    for sub in ast.walk(node):
        if _is_role_member(sub):
            return True
        if isinstance(sub, ast.Name) and sub.id in role_constants:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in role_constants:
            return True
    return False


def _role_set_names(statements: list[ast.stmt]) -> set[str]:
    """Names bound by ``statements`` to role sets, e.g. ``COORDINATOR_ROLES = (Role.COORDINATOR, …)``."""
    names: set[str] = set()
    for stmt in statements:
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        if _is_role_set(value):
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _is_role_set(value: ast.expr) -> bool:
    """A role, or a tuple / list / set / frozenset of roles (``|`` and ``x if c else y`` of those).

    A mapping keyed by role (labels, organization kinds) or a query (``filter(role=Role.ITC)``) is not.
    """
    if _is_role_member(value):
        return True
    if isinstance(value, ast.Tuple | ast.List | ast.Set):
        return any(_is_role_set(e) for e in value.elts)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value.func.id in {"frozenset", "set", "tuple", "list"} and any(
            _is_role_set(a) for a in value.args
        )
    if isinstance(value, ast.BinOp):
        return _is_role_set(value.left) or _is_role_set(value.right)
    if isinstance(value, ast.IfExp):
        return _is_role_set(value.body) or _is_role_set(value.orelse)
    return False


def role_constants(trees: list[ast.Module]) -> frozenset[str]:
    """Module-level role-set names of every product module (they may be imported elsewhere)."""
    return frozenset(name for tree in trees for name in _role_set_names(tree.body))


def role_decisions(tree: ast.Module, constants: frozenset[str] = frozenset()) -> list[int]:
    """Line numbers of comparisons (``==``, ``!=``, ``in``, ``not in``, ``is``) that involve a role:
    a ``Role.<NAME>`` of Membership, or a role set bound at module level or in the same function."""
    lines: set[int] = set()
    scopes: list[tuple[ast.AST, frozenset[str]]] = [(tree, constants)]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            local = _role_set_names([n for n in ast.walk(node) if isinstance(n, ast.stmt)])
            scopes.append((node, constants | local))
    for scope, names in scopes:
        for node in ast.walk(scope):
            if isinstance(node, ast.Compare) and any(
                _mentions_role(o, names) for o in [node.left, *node.comparators]
            ):
                lines.add(node.lineno)
    return sorted(lines)


def product_files() -> list[Path]:
    return sorted(p for pkg in PRODUCT_PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_no_role_check_outside_rules_and_access():
    files = product_files()
    trees = {p: ast.parse(p.read_text(encoding="utf-8"), filename=str(p)) for p in files}
    constants = role_constants(list(trees.values()))
    offending = [
        f"{p.relative_to(ROOT)}:{line}"
        for p, tree in trees.items()
        if not _allowed(p)
        for line in role_decisions(tree, constants)
    ]
    assert not offending, (
        "A membership role is compared outside rules.py / the access engine; ask a rule instead:\n"
        + "\n".join(offending)
    )


def test_the_check_catches_a_role_comparison_in_a_view():
    snippet = (
        "def view(request, membership):\n"
        "    if membership.role == Role.BANK_STAFF:\n"
        "        raise PermissionDenied\n"
        "    if m.role not in (Membership.Role.COORDINATOR, Membership.Role.ITC):\n"
        "        pass\n"
        "    x = 1 if request.membership.role != request.membership.Role.VENDOR else 2\n"
        "    if membership.role in CREATOR_ROLES:\n"
        "        pass\n"
        "def helper(m, regional):\n"
        "    roles = {Role.COORDINATOR} | ({Role.REGIONAL_COORDINATOR} if regional else set())\n"
        "    return m.role in roles\n"
    )
    constants = role_constants([ast.parse("CREATOR_ROLES = (Role.COORDINATOR, Role.ITC)\n")])
    assert role_decisions(ast.parse(snippet), constants) == [2, 4, 6, 7, 11]


def test_the_check_lets_displays_and_queries_through():
    snippet = (
        "label = membership.get_role_display()\n"
        "itcs = Membership.objects.filter(role=Role.ITC, is_active=True)\n"
        "ok = Attendance.Role.ITC_LEADER in roles\n"
        "valid = role in Role.values\n"
        "regional = Membership.objects.filter(role=Role.REGIONAL_COORDINATOR).first()\n"
        "none = regional is None\n"
        "choices = [c for c in Role.choices]\n"
    )
    assert role_decisions(ast.parse(snippet)) == []


def test_allowed_places():
    assert _allowed(ROOT / "programs" / "rules.py")
    assert _allowed(ROOT / "programs" / "access.py")
    assert _allowed(ROOT / "dxcommunity" / "access" / "engine.py")
    assert _allowed(ROOT / "programs" / "migrations" / "0001_initial.py")
    assert _allowed(ROOT / "reports" / "bench_program.py")
    assert not _allowed(ROOT / "matching" / "views.py")
