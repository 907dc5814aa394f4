"""Permission matrix of recruitment and selection (namespace ``recruitment``) and of the public form
(namespace ``public``): every URL name × every role × own tenant / other tenant / anonymous.

Objects: cast.program with its public form open today; a received application of cast.company's name (so
it links cast.company) and cast.company decided 伴走支援. Coordinator pages answer 403 to the other members
of the consortium (the program is theirs too; the page is not), 404 to the other tenant's coordinator, 302
to the login page for anonymous. The public form answers 200 to everybody, with or without an account.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.models import CompanyApplication, Program, SelectionDecision
from programs.recruitment import services
from tests.conftest import MATRIX_ROLES
from tests.matrix import check_roles
from tests.tables import Case

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
MEMBERS = tuple(r for r in ROLES if r not in ("stranger_coordinator", "anonymous"))


def only(status: int, *roles: str) -> dict[str, int]:
    """``status`` for ``roles``, 403 for the other members, 404 for the other tenant, 302 for anonymous."""
    return (
        {r: 403 for r in MEMBERS}
        | {r: status for r in roles}
        | {"stranger_coordinator": 404, "anonymous": 302}
    )


EVERYONE_200 = {r: 200 for r in ROLES}
COORDINATORS = ("coordinator", "regional_coordinator", "regional_coordinator_nagano")

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    # A regional coordinator: its region's applications; cast.company's (茨城) is 404 to 長野's.
    "recruitment:index": ("get", only(200, *COORDINATORS)),
    "recruitment:application_list": ("get", only(200, *COORDINATORS)),
    "recruitment:application_action": (
        "post",
        only(302, "coordinator", "regional_coordinator") | {"regional_coordinator_nagano": 404},
    ),
    # A received application: the confirmation page (GET), then the withdrawal (POST).
    "recruitment:application_withdraw": (
        "post",
        only(302, "coordinator", "regional_coordinator") | {"regional_coordinator_nagano": 404},
    ),
    "recruitment:application_withdraw#get": (
        "get",
        only(200, "coordinator", "regional_coordinator") | {"regional_coordinator_nagano": 404},
    ),
    "recruitment:selection": ("get", only(200, *COORDINATORS)),
    "recruitment:decision_save": (
        "post",
        only(302, "coordinator", "regional_coordinator") | {"regional_coordinator_nagano": 404},
    ),
    "recruitment:recommend": ("get", only(200, "bank_user", "other_bank_user", "association_user")),
    "recruitment:my_selection": ("get", only(200, "company_user", "other_company_user")),
    # cast.company's decision: its member confirms (302); the other company's member gets 404.
    "recruitment:conditions_confirm": ("post", only(302, "company_user") | {"other_company_user": 404}),
    "public:apply": ("get", EVERYONE_200),
    "public:thanks": ("get", EVERYONE_200),
}


def open_program(program: Program) -> Program:
    today = timezone.localdate()
    program.public_application_open = True
    program.recruitment_from = today - dt.timedelta(days=7)
    program.recruitment_until = today + dt.timedelta(days=7)
    program.save()
    return program


def received_application(cast, name: str = "テスト精密工業株式会社") -> CompanyApplication:
    return services.application_submit(
        program=cast.program,
        data={
            "company_name": name,
            "applicant_name": "精密 太郎",
            "email": f"app{CompanyApplication.objects.count()}@example.jp",
            "region": cast.ibaraki,
            "privacy_consent": True,
        },
        send_confirmation=False,
    )


def accompaniment_decision(cast) -> SelectionDecision:
    app = received_application(cast)
    return services.selection_decide(
        program=cast.program, application=app, actor=cast.coordinator, decision="accompaniment", reasons="x"
    )


def _request(cast, client, key: str):
    method, _expected = MATRIX[key]
    name = key.split("#")[0]
    kwargs: dict = {"consortium_slug": cast.consortium.slug}
    data: dict = {}
    program = open_program(cast.program)
    if name in (
        "recruitment:application_list",
        "recruitment:application_action",
        "recruitment:application_withdraw",
        "recruitment:selection",
        "recruitment:decision_save",
    ):
        kwargs["program_pk"] = program.pk
    if name == "recruitment:application_action":
        kwargs |= {"pk": received_application(cast).pk, "action": "reject"}
    elif name == "recruitment:application_withdraw":
        kwargs["pk"] = received_application(cast).pk
    elif name == "recruitment:decision_save":
        data = {
            "application": received_application(cast).pk,
            "decision": "matching",
            "reasons": "ツール導入",
            "version": "0",  # no decision yet
        }
    elif name == "recruitment:conditions_confirm":
        kwargs["pk"] = accompaniment_decision(cast).pk
        data = {
            "executive_participant": "精密 太郎",
            "staff_participant": "精密 花子",
            "attends_all_sessions": "on",
        }
    elif name.startswith("public:"):
        kwargs = {"tenant_slug": cast.consortium.slug, "program_pk": program.pk}
    url = reverse(name, kwargs=kwargs)
    return client.post(url, data) if method == "post" else client.get(url)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    method, expected = MATRIX[name]
    check_roles(
        cast,
        f"{method.upper()} {name}",
        expected,
        lambda client, role: _request(cast, client, name),
        roles=ROLES,
    )


def test_objects_of_another_program_or_tenant_are_404(cast, client):
    """The other consortium's program, and an application of another program, under /c/dx/: 404."""
    foreign = Program.objects.create(consortium=cast.other, name="他地域の事業", fiscal_year=2022)
    client.force_login(cast.coordinator)
    for name in ("recruitment:application_list", "recruitment:selection"):
        url = reverse(name, kwargs={"consortium_slug": "dx", "program_pk": foreign.pk})
        assert client.get(url).status_code == 404, name
    other_program = Program.objects.create(consortium=cast.consortium, name="令和5年度", fiscal_year=2023)
    app = received_application(cast)
    url = reverse(
        "recruitment:application_action",
        kwargs={"consortium_slug": "dx", "program_pk": other_program.pk, "pk": app.pk, "action": "reject"},
    )
    assert client.post(url).status_code == 404
    app.refresh_from_db()
    assert app.status == CompanyApplication.Status.RECEIVED
    url = reverse(
        "recruitment:application_action",
        kwargs={"consortium_slug": "dx", "program_pk": cast.program.pk, "pk": app.pk, "action": "explode"},
    )
    assert client.post(url).status_code == 404


# --- rows for the cross-cutting tables (tests/tables.py) ---------------------------------------------------


def _csrf_app(w) -> dict:
    w.recruitment_app = received_application(w.cast, "CSRF検証工業")
    return {"program_pk": w.cast.program.pk}


def _csrf_decision(w) -> dict:
    return {"pk": accompaniment_decision(w.cast).pk}


CSRF_POST_URLS: dict[str, Case] = {
    "recruitment:application_action": Case(
        "coordinator",
        lambda w: {
            "program_pk": w.cast.program.pk,
            "pk": received_application(w.cast, "CSRF検証商事").pk,
            "action": "reject",
        },
    ),
    "recruitment:application_withdraw": Case(
        "coordinator",
        lambda w: {"program_pk": w.cast.program.pk, "pk": received_application(w.cast, "CSRF取下げ工業").pk},
    ),
    "recruitment:decision_save": Case(
        "coordinator",
        _csrf_app,
        lambda w: {"application": w.recruitment_app.pk, "decision": "matching", "reasons": "x"},
    ),
    "recruitment:recommend": Case("bank_user", data=lambda w: {"company_name": "推薦テスト"}),
    "recruitment:conditions_confirm": Case("company_user", _csrf_decision, lambda w: {}),
    "public:apply": Case(
        None,
        lambda w: {"tenant_slug": "dx", "program_pk": open_program(w.cast.program).pk},
        lambda w: {
            "company_name": "CSRF株式会社",
            "applicant_name": "a",
            "email": "csrf@example.jp",
            "region": w.cast.ibaraki.pk,
            "privacy_consent": "on",
        },
        tenant=False,
    ),
}
CSRF_GET_ONLY: set[str] = {
    "recruitment:index",
    "recruitment:application_list",
    "recruitment:selection",
    "recruitment:my_selection",
    "public:thanks",
}
# None of these pages is one company's page that a bank could reach for another bank's client:
# coordinators' pages, the organization's own recommendations, the member's own company, the public form.
BANK_PAGES: dict = {}
NOT_COMPANY_SCOPED: set[str] = {key.split("#")[0] for key in MATRIX}
