"""Every programs/matching URL × every role × own tenant / other tenant / anonymous (STYLE.md).

A meta-test fails when a URL name of programs or matching is missing from the table.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

import matching.urls
import programs.companies.urls
from matching.models import MatchingRequest
from programs.models import Event
from tests.conftest import MATRIX_ROLES
from tests.matrix import call, check_roles

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
ALL_MEMBERS = {r: 200 for r in ROLES} | {"stranger_coordinator": 404, "anonymous": 302}
COMPANY_VISIBLE = {
    "coordinator": 200,
    "regional_coordinator": 200,  # 茨城
    "regional_coordinator_nagano": 404,
    "itc": 200,
    "itc_nagano": 404,
    "bank_user": 200,
    "other_bank_user": 404,
    "association_user": 200,
    "vendor_user": 404,
    "other_vendor_user": 404,
    "company_user": 200,
    "other_company_user": 404,
    "stranger_coordinator": 404,
    "anonymous": 302,
}

# name -> (method, expected status per role). Objects: cast.company (茨城, 常陽銀行, recommended by
# 茨城県経営者協会), a seminar of the program, a matching request of cast.company addressed to cast.vendor.
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "companies:home": ("get", ALL_MEMBERS),
    "companies:list": ("get", ALL_MEMBERS),
    "companies:detail": ("get", COMPANY_VISIBLE),
    "companies:event_list": ("get", ALL_MEMBERS),
    # Every member registers themself (company members for their company, the others under their
    # organization); the 2022 seminar is over, so the answer is a redirect with the refusal message.
    "companies:event_register": (
        "post",
        ALL_MEMBERS | {r: 302 for r in ROLES if r != "stranger_coordinator"},
    ),
    "companies:application_create": (
        "get",
        {r: 403 for r in ROLES}
        | {"company_user": 200, "other_company_user": 200, "stranger_coordinator": 404, "anonymous": 302},
    ),
    "matching:request_list": ("get", ALL_MEMBERS),
    "matching:request_create": (
        "get",
        {r: 403 for r in ROLES}
        | {r: 200 for r in ("coordinator", "regional_coordinator", "regional_coordinator_nagano")}
        | {"itc": 200, "itc_nagano": 200, "stranger_coordinator": 404, "anonymous": 302},
    ),
    # a request shows a company's needs: stage-level viewers (the region's ITC without an
    # assignment, the recommending association) get 404; the addressed vendor sees it.
    "matching:request_detail": (
        "get",
        COMPANY_VISIBLE | {"vendor_user": 200, "itc": 404, "association_user": 404},
    ),
    "matching:solution_list": ("get", ALL_MEMBERS),
}


def test_matrix_rows_are_programs_or_matching_urls():
    """Coverage of every URL name is the resolver meta-test's (tests/test_permissions.py); rows here must
    name URLs of programs.companies.urls or matching.urls."""
    names = {f"companies:{p.name}" for p in programs.companies.urls.urlpatterns} | {
        f"matching:{p.name}" for p in matching.urls.urlpatterns
    }
    assert set(MATRIX) <= names


def _kwargs(name, cast):
    if name == "companies:detail":
        return {"pk": cast.company.pk}
    if name == "companies:event_register":
        event = Event.objects.create(
            consortium=cast.consortium,
            program=cast.program,
            kind=Event.Kind.AWARENESS_SEMINAR,
            title="DX気づきセミナー",
            starts_at=timezone.make_aware(dt.datetime(2022, 7, 15, 14)),
        )
        return {"pk": event.pk}
    if name == "matching:request_detail":
        request = MatchingRequest.objects.create(
            consortium=cast.consortium, company=cast.company, title="在庫管理", category="core_business"
        )
        request.vendors.set([cast.vendor])
        return {"pk": request.pk}
    return {}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    method, expected = MATRIX[name]

    def request(client, role):
        url = reverse(name, kwargs={"consortium_slug": cast.consortium.slug, **_kwargs(name, cast)})
        return call(client, method, url)

    check_roles(cast, f"{method.upper()} {name}", expected, request, roles=ROLES)
