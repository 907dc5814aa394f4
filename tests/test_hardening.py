"""Production hardening: Content-Security-Policy with no inline script, HSTS and the SSL redirect,
Permissions-Policy, and ``check --deploy`` with the production settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tokenize
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from reports.documents.rendering import TEMPLATES as PDF_TEMPLATES
from tests.programs.test_permission_matrix_recruitment import open_program
from tests.programs.test_recruitment_views import form_data

REPO = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = REPO / "templates"
# Rendered by WeasyPrint into PDFs, never served to a browser: their <style> elements are not under the CSP.
PDF_ONLY = set(PDF_TEMPLATES.values()) | {"reports/_pdf_style.html", "reports/_diagnosis_pdf_style.html"}


class InlineCode(HTMLParser):
    """Collects what the CSP refuses: <script> without src (JSON data blocks aside), on*= and hx-on
    attributes, <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _value in attrs}
        kind = dict(attrs).get("type") or ""
        if tag == "script" and "src" not in names and kind != "application/json":
            self.found.append(f"<script> without src at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name in names:
            if re.fullmatch(r"on[a-z]+", name) or name.startswith(("hx-on", "data-hx-on")):
                self.found.append(f"<{tag} {name}=...> at line {self.getpos()[0]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_inline_code():
    page = '<script>alert(1)</script><a onclick="x()">a</a><div hx-on:click="y()"></div><style>p{}</style>'
    assert len(inline_code(page)) == 4
    assert (
        inline_code('<script src="/static/a.js" defer></script><script type="application/json">{}</script>')
        == []
    )


def test_no_template_has_inline_script_handlers_or_style_elements():
    found = {}
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        name = str(path.relative_to(TEMPLATE_DIR))
        if name in PDF_ONLY:
            continue
        problems = inline_code(path.read_text(encoding="utf-8"))
        if problems:
            found[name] = problems
    assert found == {}


def test_no_python_code_writes_inline_script():
    """String literals of the apps (HTML built in Python, e.g. format_html) hold no inline code either."""
    pattern = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+=[\"']|hx-on|<style", re.IGNORECASE)
    found = []
    for app in ("dxcommunity", "programs", "diagnosis", "accompaniment", "matching", "reports"):
        for path in (REPO / app).rglob("*.py"):
            with path.open("rb") as source:
                for token in tokenize.tokenize(source.readline):
                    if token.type == tokenize.STRING and pattern.search(token.string):
                        found.append(f"{path.relative_to(REPO)}:{token.start[0]}")
    assert found == []


def _smoke_pages(cast):
    slug = {"consortium_slug": "dx"}
    program = {"consortium_slug": "dx", "program_pk": cast.program.pk}
    return [
        reverse("companies:home", kwargs=slug),
        reverse("companies:list", kwargs=slug),
        reverse("companies:detail", kwargs={**slug, "pk": cast.company.pk}),
        reverse("companies:event_list", kwargs=slug),
        reverse("diagnosis:list", kwargs=slug),
        reverse("matching:request_list", kwargs=slug),
        reverse("matching:solution_list", kwargs=slug),
        reverse("members:index", kwargs=slug),
        reverse("audit:index", kwargs=slug),
        reverse("programs:list", kwargs=slug),
        reverse("programs:detail", kwargs={**slug, "pk": cast.program.pk}),
        reverse("programs:calendar_all", kwargs=slug),
        reverse("recruitment:index", kwargs=slug),
        reverse("recruitment:application_list", kwargs=program),
        reverse("recruitment:selection", kwargs=program),
        reverse("accompaniment:template_edit", kwargs=program),
        reverse("accompaniment:alerts", kwargs=slug),
        reverse("dashboard:index", kwargs=slug),
        reverse("results:index", kwargs=slug),
        reverse("survey:results", kwargs=slug),
        reverse("mfa_index"),
        reverse("account_email"),
        reverse("account_change_password"),
    ]


@pytest.mark.django_db
def test_smoke_pages_have_a_strict_csp_and_no_inline_code(cast, client):
    open_program(cast.program)
    anonymous = [
        reverse("account_login"),
        reverse("account_reset_password"),
        reverse("public:apply", kwargs={"tenant_slug": "dx", "program_pk": cast.program.pk}),
    ]
    pages = {url: client.get(url) for url in anonymous}
    # One application, so that the application list shows its row buttons (取り下げる asks first).
    assert client.post(anonymous[2], form_data(cast)).status_code == 302
    client.force_login(cast.coordinator)
    pages.update({url: client.get(url, follow=True) for url in _smoke_pages(cast)})
    problems = {}
    for url, response in pages.items():
        assert response.status_code == 200, url
        csp = response.headers.get("Content-Security-Policy", "")
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
        assert directives.get("script-src") == "'self'", (url, csp)
        assert directives.get("style-src") == "'self'", (url, csp)
        assert directives.get("frame-ancestors") == "'none'", (url, csp)
        found = inline_code(response.content.decode())
        if found:
            problems[url] = found
    assert problems == {}


@pytest.mark.django_db
def test_permissions_policy_header(client):
    policy = client.get(reverse("account_login")).headers["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


@pytest.mark.django_db
def test_with_https_only_plain_http_is_redirected_and_https_has_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get(reverse("account_login"))
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/accounts/login/"
    secure = client.get(reverse("account_login"), HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


# ---------------------------------------------------------------------------------- check --deploy


PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7Kq-production-like-secret-for-the-deploy-check-9fL2mZ8vR4tW1yB6nC3hJ0pD5sG",
    "ALLOWED_HOSTS": "dx.example.jp",
    "CSRF_TRUSTED_ORIGINS": "https://dx.example.jp",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "TRUSTED_PROXY_COUNT": "1",
}
# Not inherited from the test process: DJANGO_ALLOW_ASYNC_UNSAFE is set by tests/e2e/conftest.py for
# Playwright and is refused by check --deploy (async.E001).
SETTINGS_VARIABLES = (
    "REDIS_URL",
    "HTTPS_ONLY",
    "SECURE_HSTS_SECONDS",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _deploy_check(**env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES and k not in PRODUCTION_ENV}
    environ.update(PRODUCTION_ENV, **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_has_no_warnings_with_the_production_settings():
    result = _deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_for_the_plain_http_test_setup():
    """The environment switch for a plain-HTTP test setup really switches HTTPS off."""
    result = _deploy_check(HTTPS_ONLY="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr
