"""The results report and the list exports (namespace ``results``) × every role × own tenant / other tenant /
anonymous.

The 実績報告書 page, its .xlsx and its PDF request are the coordinator's (a regional coordinator's for its
region: tests/reports/test_results.py); every other member gets 404, as for a page that is not theirs; the
other tenant's coordinator 404; anonymous users go to the login page. The exports answer every member with
what that member may see (tests/reports/test_exports.py checks the contents).
The 実績報告書 PDF is served by ``reports:document_*``: ``test_results_document_pages`` walks the roles.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

import reports.results.urls
from reports.models import GeneratedDocument
from tests.conftest import MATRIX_ROLES
from tests.matrix import call, check_roles
from tests.tables import Case

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
COORDINATORS = ("coordinator", "regional_coordinator", "regional_coordinator_nagano")
COORDINATOR_ONLY = {r: 404 for r in ROLES} | {"anonymous": 302}
ALL_MEMBERS = {r: 200 for r in ROLES} | {"stranger_coordinator": 404, "anonymous": 302}

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    # A regional coordinator: its region's report (test_results.py checks what it holds).
    "results:index": ("get", COORDINATOR_ONLY | {r: 200 for r in COORDINATORS}),
    "results:xlsx": ("get", COORDINATOR_ONLY | {r: 200 for r in COORDINATORS}),
    # POST without a scope: the latest program; queued, back to the page.
    "results:pdf_request": ("post", COORDINATOR_ONLY | {r: 302 for r in COORDINATORS}),
    "results:export_companies": ("get", ALL_MEMBERS),
    "results:export_sessions": ("get", ALL_MEMBERS),
    "results:export_diagnoses": ("get", ALL_MEMBERS),
}

CSRF_POST_URLS: dict[str, Case] = {
    "results:pdf_request": Case("coordinator", data=lambda w: {"scope": f"program:{w.cast.program.pk}"}),
}
CSRF_GET_ONLY = set(MATRIX) - set(CSRF_POST_URLS)
# None of these is a page of one company's objects: the lists and the program-level report.
BANK_PAGES: dict = {}
NOT_COMPANY_SCOPED = set(MATRIX)


def test_matrix_covers_every_url_name():
    assert {f"results:{p.name}" for p in reports.results.urls.urlpatterns} == set(MATRIX)


def _login_redirect(role, response) -> str | None:
    """Anonymous users are sent to the login page."""
    if role == "anonymous" and "login" not in response["Location"]:
        return f"redirected to {response['Location']}, not to the login page"
    return None


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    method, expected = MATRIX[name]
    url = reverse(name, kwargs={"consortium_slug": cast.consortium.slug})
    check_roles(
        cast,
        f"{method.upper()} {name}",
        expected,
        lambda client, role: call(client, method, url),
        roles=ROLES,
        check=_login_redirect,
    )


def test_get_only_urls_refuse_post(cast, client):
    client.force_login(cast.coordinator)
    for name in CSRF_GET_ONLY:
        assert client.post(reverse(name, args=["dx"])).status_code == 405, name


# Program-level documents through the reports:document_* URLs: the coordinator only (no regional coordinator
# of the cast), whatever company the user sees.
DOCUMENT_PAGES = {
    "documents:status": ("get", lambda d: {}, 200),
    "documents:download": ("get", lambda d: {}, 200),
    "documents:retry": ("post", lambda d: {}, 302),
}


@pytest.mark.parametrize("name", sorted(DOCUMENT_PAGES))
def test_results_document_pages(cast, name, django_capture_on_commit_callbacks):
    ready = GeneratedDocument.objects.create(
        consortium=cast.consortium, kind="results_report", program=cast.program, status="ready"
    )
    ready.file.save("results_report-1.pdf", ContentFile(b"%PDF-1.7 results"), save=True)
    failed = GeneratedDocument.objects.create(
        consortium=cast.consortium, kind="results_report", fiscal_year=2022, status="failed", error="boom"
    )
    doc = failed if name == "documents:retry" else ready
    method, _data, ok = DOCUMENT_PAGES[name]
    url = reverse(name, args=["dx", doc.pk])
    expected = {role: {"coordinator": ok, "anonymous": 302}.get(role, 404) for role in ROLES}

    def request(client, role):
        with django_capture_on_commit_callbacks(execute=False):
            return call(client, method, url)

    def no_pdf_when_not_found(role, response) -> str | None:
        if expected[role] == 404 and name == "documents:download":
            if b"%PDF" in b"".join(getattr(response, "streaming_content", [response.content])):
                return "404 response carries the PDF"
        return None

    check_roles(cast, f"{method.upper()} {name}", expected, request, roles=ROLES, check=no_pdf_when_not_found)
