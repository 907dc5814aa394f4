"""Matching URLs × every role × own tenant / other tenant / anonymous (STYLE.md).

The tool database (solution pages and forms, case examples) and the pipeline POSTs of the need page.
The older rows (request_list, request_create, request_detail GET, solution_list) stay in
tests/programs/test_permission_matrix.py.

Objects: cast.company (茨城, 常陽銀行) enrolled with cast.itc as track leader; a published solution of
cast.vendor with one case example; a need of cast.company addressed to cast.vendor, fresh for every role on
POST rows (a step taken by one role must not change what the next one sees). One test per row walks all
roles and reports every mismatch at once.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching.models import MatchingRequest, Solution, SolutionCase
from tests.accompaniment.factories import enroll
from tests.conftest import MATRIX_ROLES
from tests.matrix import call, check_roles
from tests.tables import Case

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
NONE = {r: 404 for r in ROLES} | {"anonymous": 302}
MEMBERS = tuple(r for r in ROLES if r not in ("stranger_coordinator", "anonymous"))
VENDORS = ("vendor_user", "other_vendor_user")


def allow(status: int, *roles: str, forbidden: tuple[str, ...] = ()) -> dict[str, int]:
    """``status`` for ``roles``, 403 for ``forbidden`` (visible, not allowed), 404 for the rest."""
    return NONE | {r: 403 for r in forbidden} | {r: status for r in roles}


def others(*allowed: str) -> tuple[str, ...]:
    return tuple(r for r in MEMBERS if r not in allowed)


# The coordinators: the catalogue (solutions, cases) is the consortium's, kept by both regional
# coordinators too; on cast.company (茨城) only 茨城's regional coordinator acts as the coordinator.
COORDINATORS = ("coordinator", "regional_coordinator", "regional_coordinator_nagano")
# Who sees cast.company's need in full: coordinator, its track leader (itc), its bank, its members, and the
# addressed vendor (cast.vendor). Who moves the pipeline: coordinator and itc.
NEED_VIEWERS = ("coordinator", "regional_coordinator", "itc", "bank_user", "company_user", "vendor_user")

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    # Tool database: everyone reads; coordinators and vendor users add; a solution is edited by the
    # coordinators and its own vendor (cast.vendor) only.
    "matching:solution_detail": ("get", allow(200, *MEMBERS)),
    "matching:solution_create": (
        "get",
        allow(200, *COORDINATORS, *VENDORS, forbidden=others(*COORDINATORS, *VENDORS)),
    ),
    "matching:solution_create#post": (
        "post",
        allow(302, *COORDINATORS, *VENDORS, forbidden=others(*COORDINATORS, *VENDORS)),
    ),
    "matching:solution_edit": (
        "get",
        allow(200, *COORDINATORS, "vendor_user", forbidden=others(*COORDINATORS, "vendor_user")),
    ),
    "matching:solution_edit#post": (
        "post",
        allow(302, *COORDINATORS, "vendor_user", forbidden=others(*COORDINATORS, "vendor_user")),
    ),
    "matching:solution_publish": (
        "post",
        allow(302, *COORDINATORS, "vendor_user", forbidden=others(*COORDINATORS, "vendor_user")),
    ),
    "matching:solution_publish#get": (
        "get",
        {r: 405 for r in MEMBERS} | {"stranger_coordinator": 404, "anonymous": 302},
    ),
    "matching:case_create": (
        "get",
        allow(200, *COORDINATORS, "vendor_user", forbidden=others(*COORDINATORS, "vendor_user")),
    ),
    "matching:case_create#post": (
        "post",
        allow(302, *COORDINATORS, "vendor_user", forbidden=others(*COORDINATORS, "vendor_user")),
    ),
    "matching:case_edit": (
        "get",
        allow(200, *COORDINATORS, "vendor_user", forbidden=others(*COORDINATORS, "vendor_user")),
    ),
    "matching:case_edit#post": (
        "post",
        allow(302, *COORDINATORS, "vendor_user", forbidden=others(*COORDINATORS, "vendor_user")),
    ),
    # Need page POSTs: a pipeline step (coordinator, the company's ITC); those who only read get 403, those
    # who may not see the need 404.
    "matching:request_detail#transition": (
        "post",
        allow(
            302,
            "coordinator",
            "regional_coordinator",
            "itc",
            forbidden=("bank_user", "company_user", "vendor_user"),
        ),
    ),
    "matching:request_detail#shortlist": (
        "post",
        allow(
            302,
            "coordinator",
            "regional_coordinator",
            "itc",
            forbidden=("bank_user", "company_user", "vendor_user"),
        ),
    ),
    # The addressed vendor answers; nobody else may.
    "matching:request_detail#answer": (
        "post",
        allow(
            302,
            "vendor_user",
            forbidden=("coordinator", "regional_coordinator", "itc", "bank_user", "company_user"),
        ),
    ),
}


def _solution(cast) -> Solution:
    s = Solution.objects.create(
        consortium=cast.consortium, vendor=cast.vendor, name="販売管理クラウド", category="core_business"
    )
    SolutionCase.objects.create(consortium=cast.consortium, solution=s, title="製造業A社")
    return s


def _need(cast) -> MatchingRequest:
    req = MatchingRequest.objects.create(
        consortium=cast.consortium, company=cast.company, title="在庫管理", category="core_business"
    )
    req.vendors.set([cast.vendor])
    return req


SOLUTION_POST = {
    "name": "受発注クラウド",
    "category": "core_business",
    "price_min": "1000",
    "is_published": "on",
}


def _request(name: str, cast, solution: Solution) -> tuple[dict, dict]:
    """URL kwargs and POST data for ``name`` (a fresh need per call for the need rows)."""
    base, _, variant = name.partition("#")
    if base == "matching:request_detail":
        req = _need(cast)
        data = {
            "transition": {"action": "transition", "to_status": "candidates", "note": "ヒアリング済み"},
            "shortlist": {"action": "shortlist", "solution": solution.pk},
            "answer": {"action": "answer", "answer": "question", "message": "詳細を伺えますか"},
        }[variant]
        return {"pk": req.pk}, data
    case = solution.cases.first()
    kwargs = {
        "matching:solution_detail": {"pk": solution.pk},
        "matching:solution_create": {},
        "matching:solution_edit": {"pk": solution.pk},
        "matching:solution_publish": {"pk": solution.pk},
        "matching:case_create": {"pk": solution.pk},
        "matching:case_edit": {"pk": solution.pk, "case_pk": case.pk},
    }[base]
    data = {
        "matching:solution_create": SOLUTION_POST | {"vendor": cast.vendor.pk},
        "matching:solution_edit": SOLUTION_POST
        | {"vendor": cast.vendor.pk, "version": str(Solution.objects.get(pk=solution.pk).version)},
        "matching:solution_publish": {"published": "1"},
        "matching:case_create": {"title": "建設業B社"},
        "matching:case_edit": {"title": "製造業A社（更新）"},
    }.get(base, {})
    return kwargs, data


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    method, expected = MATRIX[name]
    enroll(cast)
    solution = _solution(cast)

    def request(client, role):
        kwargs, data = _request(name, cast, solution)
        url = reverse(name.split("#")[0], kwargs={"consortium_slug": cast.consortium.slug, **kwargs})
        return call(client, method, url, data)

    check_roles(cast, f"{method.upper()} {name}", expected, request, roles=ROLES)


# --- rows for the central tables (tests/tables.py) ----------------------------------------------------


def _world_solution(w) -> Solution:
    return _solution(w.cast)


CSRF_POST_URLS: dict[str, Case] = {
    "matching:solution_create": Case("vendor_user", data=lambda w: dict(SOLUTION_POST)),
    "matching:solution_edit": Case(
        "vendor_user", lambda w: {"pk": _world_solution(w).pk}, lambda w: dict(SOLUTION_POST)
    ),
    "matching:solution_publish": Case(
        "vendor_user", lambda w: {"pk": _world_solution(w).pk}, lambda w: {"published": "0"}
    ),
    "matching:case_create": Case(
        "vendor_user", lambda w: {"pk": _world_solution(w).pk}, lambda w: {"title": "事例"}
    ),
    "matching:case_edit": Case(
        "vendor_user",
        lambda w: {"pk": (s := _world_solution(w)).pk, "case_pk": s.cases.first().pk},
        lambda w: {"title": "事例"},
    ),
}
CSRF_GET_ONLY: set[str] = {"matching:solution_detail"}

# Company-scoped: the need page's pipeline step, on 常陽銀行's own client (403: it reads, may not act) and on
# another bank's client (404).
BANK_PAGES = {
    "matching:request_detail#transition": (
        "post",
        lambda o: {"pk": o.request.pk},
        lambda o, c: {"action": "transition", "to_status": "candidates"},
        403,
    ),
}
NOT_COMPANY_SCOPED: set[str] = {
    "matching:solution_detail",
    "matching:solution_create",
    "matching:solution_edit",
    "matching:solution_publish",
    "matching:case_create",
    "matching:case_edit",
}
