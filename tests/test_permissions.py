"""The permission matrix over every URL name: URL × role × own tenant / other tenant / anonymous.

The matrix lives in pieces, one table per area, each with its own test that walks every role:

- ``tests/programs/test_permission_matrix.py``: programs, matching;
- ``tests/accompaniment/test_permission_matrix.py``: accompaniment, reports;
- ``tests/accounts/test_permission_matrix.py``: members;
- ``tests/access/test_bank_isolation.py``: company-scoped pages × own bank's client / another bank's client;
- this module (``MATRIX``): diagnosis, consent, audit and the names outside a tenant (home, invitation_accept,
  set_language).

``test_every_url_name_is_in_a_matrix`` walks the URL resolver and fails when a named URL is in none of
those tables, so a new URL without a row fails the suite. allauth's and the admin's names are excluded by
rule (framework pages; tests/accounts covers them).

Objects of this module's table: cast.company's submitted diagnosis with cast.itc assigned as its
DX診断アドバイザー, an advice appointment and an advisor session; a share of cast.company's plan with
cast.vendor (for ``consent:revoke``, fresh per role). "Other tenant" is ``stranger_coordinator`` (a
coordinator of another consortium: 404 everywhere under /c/dx/); "anonymous" is not logged in (302 to login).
``test_objects_of_another_tenant_are_404`` adds the other direction: the other consortium's diagnosis and
company addressed under /c/dx/ by every member of /c/dx/ (404 for all, whatever the role).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from diagnosis.models import AdvisorSession, Diagnosis
from diagnosis.services import diagnosis_assign_advisor
from dxcommunity.accounts import invitations
from dxcommunity.consent.models import CompanyShare
from tests.access import test_bank_isolation as bank_matrix
from tests.conftest import MATRIX_ROLES
from tests.diagnosis.factories import submitted_diagnosis
from tests.matrix import check_roles
from tests.tables import matrix_modules
from tests.test_csrf import walk

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
NONE = {r: 404 for r in ROLES} | {"anonymous": 302}
MEMBERS = tuple(r for r in ROLES if r not in ("stranger_coordinator", "anonymous"))


def allow(
    status: int, *roles: str, forbidden: tuple[str, ...] = (), forbidden_status: int = 403
) -> dict[str, int]:
    """``status`` for ``roles``, ``forbidden_status`` for ``forbidden`` (visible, not allowed), 404 else."""
    return NONE | {r: forbidden_status for r in forbidden} | {r: status for r in roles}


# The regional coordinator of 茨城 acts as the coordinator on cast.company (茨城); the one of 長野 gets
# 404 on it (dxcommunity.access), but both see the consortium-wide coordinator pages, limited to their region.
COORDINATORS = ("coordinator", "regional_coordinator", "regional_coordinator_nagano")
# Who sees cast.company's diagnosis in full (dxcommunity.access): the coordinator, the ITC assigned as its
# advisor, its main bank (read-only) and its members. itc_nagano, the association (stage only), vendors,
# the other bank and the other company: 404.
DIAGNOSIS_VIEWERS = ("coordinator", "regional_coordinator", "itc", "bank_user", "company_user")
EVERYONE = {r: 302 for r in ROLES}
ASSOC = ("association_user",)

# name (#variant) -> (method, expected status per role).
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "diagnosis:list": ("get", allow(200, *MEMBERS)),
    # POST only: a company member starts its company's diagnosis (then redirected); supporters 403.
    "diagnosis:start": ("post", allow(302, "company_user", "other_company_user", forbidden=MEMBERS)),
    "diagnosis:start#get": (
        "get",
        {r: 405 for r in MEMBERS} | {"stranger_coordinator": 404, "anonymous": 302},
    ),
    "diagnosis:result": ("get", allow(200, *DIAGNOSIS_VIEWERS)),
    # The diagnosis is submitted (locked): its members are sent to the result page (302); autosave answers
    # 409 「提出済みのため保存できません。」; supporters who see it may not fill it (403).
    "diagnosis:edit": (
        "get",
        allow(302, "company_user", forbidden=("coordinator", "regional_coordinator", "itc", "bank_user")),
    ),
    "diagnosis:autosave": (
        "post",
        allow(409, "company_user", forbidden=("coordinator", "regional_coordinator", "itc", "bank_user")),
    ),
    "diagnosis:respond": (
        "get",
        allow(302, "company_user", forbidden=("coordinator", "regional_coordinator", "itc", "bank_user")),
    ),
    # diagnosis.record_advice: the coordinator and the assigned advisor.
    "diagnosis:reopen": (
        "get",
        allow(200, "coordinator", "regional_coordinator", "itc", forbidden=("bank_user", "company_user")),
    ),
    "diagnosis:advice": (
        "get",
        allow(200, "coordinator", "regional_coordinator", "itc", forbidden=("bank_user", "company_user")),
    ),
    # diagnosis.assign_advisor: the coordinator only (the assigned ITC sees it: 403).
    "diagnosis:schedule_advice": (
        "post",
        allow(302, "coordinator", "regional_coordinator", forbidden=("itc", "bank_user", "company_user")),
    ),
    "diagnosis:advice_ics": (
        "get",
        allow(200, "coordinator", "regional_coordinator", "itc", "company_user", forbidden=("bank_user",)),
    ),
    "diagnosis:export_xlsx": ("get", allow(200, *DIAGNOSIS_VIEWERS)),
    "diagnosis:import_xlsx": (
        "get",
        allow(302, "company_user", forbidden=("coordinator", "regional_coordinator", "itc", "bank_user")),
    ),
    "consent:index": (
        "get",
        allow(200, *COORDINATORS, "company_user", "other_company_user", forbidden=MEMBERS),
    ),
    # cast.company is visible to the association (stage level: it recommended it) and, for revoke, to
    # cast.vendor (the share being revoked is with it): visible, not allowed → 403.
    "consent:company": (
        "get",
        allow(
            200, "coordinator", "regional_coordinator", "company_user", forbidden=("itc", "bank_user", *ASSOC)
        ),
    ),
    "consent:share": (
        "post",
        allow(
            302, "company_user", forbidden=("coordinator", "regional_coordinator", "itc", "bank_user", *ASSOC)
        ),
    ),
    "consent:revoke": (
        "post",
        allow(
            302,
            "company_user",
            forbidden=("coordinator", "regional_coordinator", "itc", "bank_user", "vendor_user", *ASSOC),
        ),
    ),
    "companies:comment_add": (
        "post",
        allow(
            302, "bank_user", forbidden=("coordinator", "regional_coordinator", "itc", "company_user", *ASSOC)
        ),
    ),
    # Coordinators only; the page's existence is hidden from everyone else (404, dxcommunity/audit/views.py).
    "audit:index": ("get", allow(200, "coordinator")),
    # Outside a tenant: the login page for anonymous, the user's consortium dashboard otherwise.
    "home": ("get", EVERYONE),
    # A pending invitation to cast.consortium for a fresh email: only that (not logged in) person sees it.
    "invitation_accept": ("get", {r: 403 for r in ROLES} | {"anonymous": 200}),
    "set_language": ("post", EVERYONE),
}


def _objects(cast) -> dict:
    diagnosis = submitted_diagnosis(cast)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    Diagnosis.objects.filter(pk=diagnosis.pk).update(
        advice_scheduled_at=timezone.make_aware(dt.datetime(2022, 8, 5, 13, 30)), advice_place="本社会議室"
    )
    AdvisorSession.objects.create(
        consortium=cast.consortium,
        diagnosis=diagnosis,
        company=cast.company,
        advisor=cast.itc,
        held_on=dt.date(2022, 8, 5),
        mode=Diagnosis.AdviceMode.ONLINE,
        notes="基幹システムの老朽化",
    )
    return {"diagnosis": diagnosis}


def _request(cast, client, name: str, objects: dict, role: str):
    method, _expected = MATRIX[name]
    url_name = name.split("#")[0]
    company = cast.company
    kwargs: dict = {"consortium_slug": cast.consortium.slug}
    data: dict = {}
    if url_name.startswith("diagnosis:") and url_name not in ("diagnosis:list", "diagnosis:start"):
        kwargs["pk"] = objects["diagnosis"].pk
    if url_name == "diagnosis:autosave":
        data = {"current_1": "3"}
    elif url_name == "diagnosis:schedule_advice":
        data = {"advice_scheduled_at": "2022-08-05T13:30", "advice_place": "本社"}
    elif url_name in ("consent:company", "consent:share", "companies:comment_add"):
        kwargs["company_pk"] = company.pk
        data = {"organization": cast.bank.pk, "subject": "plan", "body": "融資相談あり"}
    elif url_name == "consent:revoke":
        CompanyShare.objects.filter(company=company, revoked_at__isnull=True).delete()
        share = CompanyShare.objects.create(
            consortium=cast.consortium,
            company=company,
            organization=cast.vendor,
            subject="plan",
            granted_by=cast.company_user,
        )
        kwargs["pk"] = share.pk
    elif url_name == "set_language":
        data = {"language": "ja", "next": "/"}
    if url_name in ("home", "invitation_accept", "set_language"):
        kwargs = {}
    if url_name == "invitation_accept":
        _inv, token = invitations.invitation_create(
            consortium=cast.consortium,
            inviter=cast.coordinator,
            email=f"matrix-{role}@example.com",
            role="itc",
        )
        kwargs = {"token": token}
    url = reverse(url_name, kwargs=kwargs)
    if method == "post":
        return client.post(url, data)
    return client.get(url)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    """Every role on one URL name; all mismatches reported at once."""
    method, expected = MATRIX[name]
    objects = _objects(cast)
    check_roles(
        cast,
        f"{method.upper()} {name}",
        expected,
        lambda client, role: _request(cast, client, name, objects, role),
        roles=ROLES,
    )


# Object URLs of this module addressed with an object of the other consortium (cast.other).
FOREIGN_OBJECT_URLS = [n for n in MATRIX if n.startswith("diagnosis:") and "#" not in n] + [
    "consent:company",
    "consent:share",
    "companies:comment_add",
]
FOREIGN_OBJECT_URLS.remove("diagnosis:list")
FOREIGN_OBJECT_URLS.remove("diagnosis:start")


def test_objects_of_another_tenant_are_404(cast, client, index_edition):
    """Every member of /c/dx/ on the other consortium's diagnosis / company under /c/dx/: 404."""
    foreign = Diagnosis.objects.create(
        consortium=cast.other,
        company=cast.stranger_company,
        edition=index_edition,
        status=Diagnosis.Status.SUBMITTED,
        submitted_at=timezone.now(),
        advisor=cast.itc,
    )
    failures = []
    for name in FOREIGN_OBJECT_URLS:
        method, _expected = MATRIX[name]
        kwargs = (
            {"pk": foreign.pk} if name.startswith("diagnosis:") else {"company_pk": cast.stranger_company.pk}
        )
        url = reverse(name, kwargs={"consortium_slug": cast.consortium.slug, **kwargs})
        for role in MEMBERS:
            client.force_login(getattr(cast, role))
            status = getattr(client, method)(url, {"body": "x"} if method == "post" else None).status_code
            if status != 404:
                failures.append(f"{name} {role}: {status}")
    assert not failures, failures


# --- the meta-test over the whole resolver ---------------------------------------------------------------

# Every matrix table: (where it lives, its table, roles × tenants per row).
# The bank table checks each page for the own bank on its client (own status), for the own bank on another
# bank's client and for the other bank on our client (404): 3 (role, tenant) cases per row.
# Every tests/**/test_permission_matrix*.py is found by tests.tables.matrix_modules.
MATRICES: list[tuple[str, dict, int]] = [
    (f"{where} MATRIX", module.MATRIX, len(module.ROLES)) for where, module in matrix_modules()
] + [
    ("tests/access/test_bank_isolation.py PAGES", bank_matrix.PAGES, 3),
    ("tests/test_permissions.py MATRIX", MATRIX, len(ROLES)),
    ("tests/test_permissions.py FOREIGN_OBJECT_URLS", dict.fromkeys(FOREIGN_OBJECT_URLS), len(MEMBERS)),
]


def is_framework_page(name: str, pattern: URLPattern) -> bool:
    """allauth's and the admin's names: framework pages (tests/accounts), not in the role matrix."""
    module = getattr(pattern.callback, "__module__", "") or ""
    return name.startswith("admin:") or module.startswith(("allauth.", "django.contrib.admin"))


def app_url_names() -> set[str]:
    return {name for name, p in walk(get_resolver().url_patterns) if not is_framework_page(name, p)}


def covered_names() -> set[str]:
    return {key.split("#")[0] for _where, table, _n in MATRICES for key in table}


def count_cases() -> dict[str, int]:
    """(URL, role, tenant) cases per matrix: rows × (role, tenant) columns."""
    return {where: len(table) * columns for where, table, columns in MATRICES}


def test_every_url_name_is_in_a_matrix():
    missing = sorted(app_url_names() - covered_names())
    assert not missing, (
        f"URL names without a row in any permission matrix: {missing}. Add a row (expected status per role "
        "for own tenant / other tenant / anonymous) to the matrix of its app: programs/matching → "
        "tests/programs/test_permission_matrix.py, accompaniment/reports → "
        "tests/accompaniment/test_permission_matrix.py, members → tests/accounts/test_permission_matrix.py, "
        "anything else → MATRIX in tests/test_permissions.py."
    )


def test_matrix_rows_name_real_urls():
    stale = sorted(covered_names() - app_url_names())
    assert not stale, f"matrix rows for URL names that no longer exist: {stale}"


# Every role of the cast is a column of every role matrix: a matrix that leaves a role out, or a row that
# names a status for a role that does not exist, goes unnoticed by the role loops (they walk ROLES).
HTTP_STATUSES = {200, 302, 400, 403, 404, 405, 409}


def test_case_count():
    """Every matrix row: a known method and one expected status per role of the cast, no more, no less."""
    tables = [(where, module.MATRIX, module.ROLES) for where, module in matrix_modules()]
    tables.append(("tests/test_permissions.py", MATRIX, ROLES))
    problems = []
    for where, table, roles in tables:
        if list(roles) != MATRIX_ROLES:
            problems.append(f"{where}: ROLES is not the cast's roles (MATRIX_ROLES)")
        if not table:
            problems.append(f"{where}: empty MATRIX")
        for key, (method, expected) in table.items():
            if method not in ("get", "post"):
                problems.append(f"{where} {key}: method {method!r}")
            if set(expected) != set(MATRIX_ROLES):
                missing, extra = set(MATRIX_ROLES) - set(expected), set(expected) - set(MATRIX_ROLES)
                problems.append(f"{where} {key}: roles missing {sorted(missing)}, unknown {sorted(extra)}")
            odd = {role: status for role, status in expected.items() if status not in HTTP_STATUSES}
            if odd:
                problems.append(f"{where} {key}: unexpected statuses {odd}")
    for key, (method, _kwargs, _data, own) in bank_matrix.PAGES.items():
        if method not in ("get", "post") or own not in HTTP_STATUSES:
            problems.append(f"tests/access/test_bank_isolation.py {key}: {method!r} / {own!r}")
    assert not problems, "\n".join(problems)
    counts = count_cases()
    print("permission matrix cases:", counts, "total", sum(counts.values()))
    # One (URL, role) case per row and column: the role matrices hold rows × 14 roles.
    role_cases = sum(len(table) * len(MATRIX_ROLES) for _where, table, _roles in tables)
    assert role_cases == sum(n for where, n in counts.items() if where.endswith(" MATRIX"))
