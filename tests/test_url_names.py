"""Every URL name the code and the templates ask for exists: a link to a page that is not there fails here,
not silently on a user's screen (no ``optional_url``: a missing name is an error)."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import get_resolver

ROOT = Path(__file__).resolve().parent.parent
APPS = ("dxcommunity", "programs", "diagnosis", "accompaniment", "matching", "reports")
TEMPLATE_URL = re.compile(r"""\{%\s*url\s+["']([\w:]+)["']""")
CODE_URL = re.compile(r"""(?:reverse|redirect|reverse_lazy|resolve_url)\(\s*["']([\w]+:[\w]+)["']""")


def _registered_names() -> set[str]:
    """Every ``namespace:name`` (and bare name) of the root URLconf."""
    names: set[str] = set()

    def walk(resolver, prefix: str = "") -> None:
        for key in resolver.reverse_dict.keys():
            if isinstance(key, str):
                names.add(prefix + key)
        for ns, (_pattern, sub) in resolver.namespace_dict.items():
            walk(sub, f"{prefix}{ns}:")

    walk(get_resolver())
    return names


def _asked(paths, pattern) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name in pattern.findall(line):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                found.setdefault(name, []).append(f"{where}:{n}")
    return found


def test_every_url_name_in_templates_and_code_exists():
    registered = _registered_names()
    asked = _asked(sorted((ROOT / "templates").rglob("*.html")), TEMPLATE_URL)
    code = [p for app in APPS for p in sorted((ROOT / app).rglob("*.py")) if "migrations" not in p.parts]
    for name, places in _asked(code, CODE_URL).items():
        asked.setdefault(name, []).extend(places)
    assert len(asked) > 100  # the scan sees the project's links
    missing = {name: places for name, places in asked.items() if name not in registered}
    assert not missing, "URL names that do not exist:\n" + "\n".join(
        f"  {name}: {', '.join(places)}" for name, places in sorted(missing.items())
    )


def test_the_scan_would_see_a_missing_name(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("{% url 'reports:index' consortium.slug %}", encoding="utf-8")
    assert "reports:index" in _asked([page], TEMPLATE_URL)
    assert "reports:index" not in _registered_names()
