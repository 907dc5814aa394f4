"""The program dashboard (namespace ``dashboard``) × every role × own tenant / other tenant / anonymous.

Coordinator-only pages: the coordinator (and a regional coordinator, tested in test_metrics.py) reads them;
every other member of the consortium gets 403 (as ``accompaniment:alerts``); the other tenant's coordinator
404; anonymous users are sent to the login page.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

import reports.dashboard.urls
from tests.conftest import MATRIX_ROLES
from tests.matrix import call, check_roles

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
# A regional coordinator reads its region's figures (test_metrics.py checks what they hold).
COORDINATORS = ("coordinator", "regional_coordinator", "regional_coordinator_nagano")
NOT_COORDINATOR = {r: 403 for r in ROLES} | {"stranger_coordinator": 404, "anonymous": 302}

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    # index redirects to the latest program's dashboard.
    "dashboard:index": ("get", NOT_COORDINATOR | {r: 302 for r in COORDINATORS}),
    "dashboard:program": ("get", NOT_COORDINATOR | {r: 200 for r in COORDINATORS}),
    "dashboard:fiscal_year": ("get", NOT_COORDINATOR | {r: 200 for r in COORDINATORS}),
}

CSRF_POST_URLS: dict = {}
CSRF_GET_ONLY = set(MATRIX)
BANK_PAGES: dict = {}
NOT_COMPANY_SCOPED = set(MATRIX)


def test_matrix_covers_every_url_name():
    assert {f"dashboard:{p.name}" for p in reports.dashboard.urls.urlpatterns} == set(MATRIX)


def _kwargs(name, cast) -> dict:
    return {
        "dashboard:index": {},
        "dashboard:program": {"program_pk": cast.program.pk},
        "dashboard:fiscal_year": {"fiscal_year": cast.program.fiscal_year},
    }[name]


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    method, expected = MATRIX[name]
    url = reverse(name, kwargs={"consortium_slug": cast.consortium.slug, **_kwargs(name, cast)})
    check_roles(
        cast,
        f"{method.upper()} {name}",
        expected,
        lambda client, role: call(client, method, url),
        roles=ROLES,
    )


def test_post_is_not_allowed(cast, client):
    client.force_login(cast.coordinator)
    url = reverse("dashboard:program", args=["dx", cast.program.pk])
    assert client.post(url).status_code == 405
