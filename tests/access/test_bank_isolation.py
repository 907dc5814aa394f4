"""The bank rule, object by object: a bank user gets 404 for another bank's client on EVERY company-scoped
page — company page, diagnosis result/edit/advice, track, session log, homework, plan, plan edit/approve,
document request/status/download/retry (PDF), matching request, consent pages — and the same pages of its
own client answer (200, or 403/302 for what it may not change), so the 404 is the rule and not missing data.

A meta-test fails when a company-scoped URL of these apps is missing from the table.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse

import accompaniment.plan.urls
import accompaniment.urls
import diagnosis.urls
import dxcommunity.consent.urls
import matching.urls
import programs.companies.urls
import reports.documents.urls
from accompaniment.models import SessionAttachment
from dxcommunity.consent.models import CompanyShare
from tests.matrix import check_roles
from tests.tables import merged
from tests.test_csrf import walk

pytestmark = pytest.mark.django_db

# name -> (method, kwargs(o), data(o), status for 常陽銀行 on its own client's object)
# ``o`` is world.own / world.theirs (see conftest).
PAGES = {
    "companies:detail": ("get", lambda o: {"pk": o.company.pk}, None, 200),
    "diagnosis:result": ("get", lambda o: {"pk": o.diagnosis.pk}, None, 200),
    "diagnosis:result#assign": (
        "post",
        lambda o: {"pk": o.diagnosis.pk},
        lambda o, c: {"advisor": c.itc.pk},
        403,
    ),
    "diagnosis:edit": ("get", lambda o: {"pk": o.diagnosis.pk}, None, 403),
    "diagnosis:advice": ("get", lambda o: {"pk": o.diagnosis.pk}, None, 403),
    "diagnosis:export_xlsx": ("get", lambda o: {"pk": o.diagnosis.pk}, None, 200),
    "diagnosis:import_xlsx": ("get", lambda o: {"pk": o.diagnosis.pk}, None, 403),
    "diagnosis:autosave": ("post", lambda o: {"pk": o.diagnosis.pk}, lambda o, c: {"current_1": "1"}, 403),
    "diagnosis:respond": ("get", lambda o: {"pk": o.diagnosis.pk}, None, 403),
    "diagnosis:reopen": ("get", lambda o: {"pk": o.diagnosis.pk}, None, 403),
    "diagnosis:schedule_advice": (
        "post",
        lambda o: {"pk": o.diagnosis.pk},
        lambda o, c: {"advice_scheduled_at": "2022-08-05T13:30"},
        403,
    ),
    "diagnosis:advice_ics": ("get", lambda o: {"pk": o.diagnosis.pk}, None, 403),
    "accompaniment:enroll": ("get", lambda o: {"company_pk": o.company.pk}, None, 403),
    "accompaniment:track": ("get", lambda o: {"company_pk": o.company.pk}, None, 200),
    "accompaniment:session_log": ("get", lambda o: {"pk": o.session.pk}, None, 200),
    "accompaniment:session_log#post": (
        "post",
        lambda o: {"pk": o.session.pk},
        lambda o, c: {"date": ""},
        403,
    ),
    "accompaniment:homework_done": ("post", lambda o: {"pk": o.homework.pk}, lambda o, c: {"done": "1"}, 403),
    "accompaniment:session_edit": ("get", lambda o: {"pk": o.session.pk}, None, 403),
    "accompaniment:attachment_upload": ("post", lambda o: {"pk": o.session.pk}, lambda o, c: {}, 403),
    "accompaniment:attachment_download": ("get", lambda o: {"pk": o.attachment.pk}, None, 200),
    "accompaniment:attachment_delete": ("post", lambda o: {"pk": o.attachment.pk}, lambda o, c: {}, 403),
    "accompaniment:log_confirm": ("post", lambda o: {"pk": o.session.pk}, lambda o, c: {}, 403),
    "accompaniment:log_comment": ("post", lambda o: {"pk": o.session.pk}, lambda o, c: {"body": "x"}, 403),
    "plan:detail": ("get", lambda o: {"company_pk": o.company.pk}, None, 200),
    "plan:versions": ("get", lambda o: {"company_pk": o.company.pk}, None, 200),
    "plan:compare": ("get", lambda o: {"company_pk": o.company.pk}, None, 200),
    "plan:edit": ("get", lambda o: {"company_pk": o.company.pk}, None, 403),
    "plan:approve": ("post", lambda o: {"company_pk": o.company.pk}, lambda o, c: {}, 403),
    "documents:request": (
        "post",
        lambda o: {},
        lambda o, c: {"kind": "dx_plan", "company": o.company.pk},
        302,
    ),
    "documents:request#progress": (
        "post",
        lambda o: {},
        lambda o, c: {"kind": "progress_report", "company": o.company.pk},
        302,
    ),
    "documents:status": ("get", lambda o: {"pk": o.plan_pdf.pk}, None, 200),
    "documents:download": ("get", lambda o: {"pk": o.plan_pdf.pk}, None, 200),
    "documents:download#progress": ("get", lambda o: {"pk": o.report_pdf.pk}, None, 200),
    "documents:retry": ("post", lambda o: {"pk": o.failed_pdf.pk}, lambda o, c: {}, 302),
    "matching:request_detail": ("get", lambda o: {"pk": o.request.pk}, None, 200),
    "consent:company": ("get", lambda o: {"company_pk": o.company.pk}, None, 403),
    "consent:share": (
        "post",
        lambda o: {"company_pk": o.company.pk},
        lambda o, c: {"organization": c.bank.pk, "subject": "plan"},
        403,
    ),
    "consent:revoke": ("post", lambda o: {"pk": o.share.pk}, lambda o, c: {}, 403),
    "companies:comment_add": (
        "post",
        lambda o: {"company_pk": o.company.pk},
        lambda o, c: {"body": "融資相談あり"},
        302,
    ),
}
# Company-scoped URL names of these apps that are not pages of one company's objects.
NOT_COMPANY_SCOPED = {
    "accompaniment:template_edit",
    "accompaniment:alerts",
    "companies:home",
    "companies:list",
    "companies:event_list",
    "companies:event_register",
    "companies:application_create",
    "diagnosis:list",
    "diagnosis:start",
    "matching:request_list",
    "matching:request_create",
    "matching:solution_list",
    "consent:index",
}


# Rows of the areas' matrix modules (tests/tables.py).
PAGES.update(merged("BANK_PAGES", {}))
NOT_COMPANY_SCOPED |= merged("NOT_COMPANY_SCOPED", set())
# Namespaces whose every URL name is classified here; members and audit are coordinator-only pages.
CLASSIFIED_NAMESPACES_EXCLUDED = {"members", "audit"}


def test_every_company_scoped_url_is_in_the_table():
    modules = {
        "companies": programs.companies.urls,
        "diagnosis": diagnosis.urls,
        "accompaniment": accompaniment.urls,
        "plan": accompaniment.plan.urls,
        "documents": reports.documents.urls,
        "matching": matching.urls,
        "consent": dxcommunity.consent.urls,
    }
    names = {f"{ns}:{p.name}" for ns, mod in modules.items() for p in mod.urlpatterns}
    # Every other namespace under /c/<consortium_slug>/ too (the areas' URL modules).
    names |= {
        name
        for name, _p in walk(get_resolver().url_patterns)
        if ":" in name
        and name.split(":")[0] not in CLASSIFIED_NAMESPACES_EXCLUDED | {"admin"}
        and name.split(":")[0] not in modules
    }
    covered = {key.split("#")[0] for key in PAGES} | NOT_COMPANY_SCOPED
    assert names == covered


def _with_shares(world):
    for o in (world.own, world.theirs):
        o.attachment = SessionAttachment(
            consortium=world.consortium,
            session=o.session,
            original_name="memo.pdf",
            content_type="application/pdf",
            size=13,
            uploaded_by=o.track.leader,
        )
        o.attachment.file.save("memo.pdf", ContentFile(b"%PDF-1.7 memo"), save=True)
        o.share = CompanyShare.objects.create(
            consortium=world.consortium,
            company=o.company,
            organization=world.vendor,
            subject="plan",
            granted_by=world.company_user if o is world.own else world.other_company_user,
        )


def _call(client, world, name, o):
    method, kwargs, data, _own = PAGES[name]
    url = reverse(name.split("#")[0], kwargs={"consortium_slug": "dx", **kwargs(o)})
    if method == "post":
        return client.post(url, data(o, world))
    return client.get(url)


# The three (user, client) cases of every row: 常陽銀行 on 八十二銀行's client (world.theirs) and
# 八十二銀行 on ours get 404; 常陽銀行 on its own client (world.own) gets the row's own status.
CASES = {
    "bank_user on another bank's client": ("bank_user", "theirs"),
    "bank_user on its own client": ("bank_user", "own"),
    "other_bank_user on our client": ("other_bank_user", "own"),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_bank_sees_its_own_clients_pages_and_404_for_another_banks(world, name):
    _with_shares(world)
    expected = {case: 404 for case in CASES} | {"bank_user on its own client": PAGES[name][3]}
    check_roles(
        world,
        f"{PAGES[name][0].upper()} {name}",
        expected,
        lambda client, case: _call(client, world, name, getattr(world, CASES[case][1])),
        user=lambda case: getattr(world, CASES[case][0]),
    )


def test_pdf_of_another_banks_client_is_not_sent(world, login):
    client = login(world.bank_user)
    for doc in (world.theirs.plan_pdf, world.theirs.report_pdf):
        response = client.get(reverse("documents:download", args=["dx", doc.pk]))
        assert response.status_code == 404
        assert b"%PDF" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_lists_never_show_another_banks_client(world, login):
    client = login(world.bank_user)
    for name in ("companies:list", "companies:home", "diagnosis:list", "matching:request_list"):
        html = client.get(reverse(name, args=["dx"])).content.decode()
        assert world.other_company.name not in html, name
        assert world.company.name in html or name == "companies:home", name
