"""Exports of companies, sessions and diagnoses (.xlsx): each limited to what the user may see."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accompaniment.models import Attendance, SessionLog
from diagnosis.models import Diagnosis, DiagnosisAnswer, IndexItem
from dxcommunity.tenancy.models import Company, Membership
from matching.models import MatchingRequest
from reports.results.exports import FULL_HEADERS, STAGE_HEADERS, companies_export_xlsx
from tests.reports.results_factories import MALICIOUS, track_with_sessions

pytestmark = pytest.mark.django_db


def url(name):
    return reverse(f"results:{name}", args=["dx"])


def rows_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert timezone.localdate().strftime("%Y%m%d") in disposition
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb[wb.sheetnames[0]]
    assert ws.freeze_panes == "A2"
    return [list(r) for r in ws.iter_rows(values_only=True)]


@pytest.fixture
def data(cast, index_edition):
    """Tracks for both companies (cast.itc leads cast.company's), session 1 of each logged with two
    attendees, cast.company's log confirmed; a submitted diagnosis per company (経営 current 1 / target 3,
    IT current 2 / target 4 for cast.company); a 茨城 company with the malicious name; a matching request of
    cast.company addressed to cast.vendor."""
    own = track_with_sessions(cast, cast.company, cast.program, held=2, planned=1)
    theirs = track_with_sessions(cast, cast.other_company, cast.program, held=1, planned=0)
    theirs.leader = cast.itc_nagano
    theirs.bank = cast.other_bank
    theirs.save()
    for track, confirmed in ((own, timezone.now()), (theirs, None)):
        session = track.sessions.get(number=1)
        SessionLog.objects.create(
            consortium=cast.consortium, session=session, author=track.leader, company_confirmed_at=confirmed
        )
        for role, name in (("company_executive", "経営 者"), ("company_staff", "担当 者")):
            Attendance.objects.create(consortium=cast.consortium, session=session, role=role, name=name)
    items = list(IndexItem.objects.filter(edition=index_edition).select_related("group"))
    for company, (mc, mt, ic, it) in ((cast.company, (1, 3, 2, 4)), (cast.other_company, (0, 1, 0, 1))):
        d = Diagnosis.objects.create(
            consortium=cast.consortium,
            company=company,
            edition=index_edition,
            status="submitted",
            submitted_at=timezone.now(),
        )
        DiagnosisAnswer.objects.bulk_create(
            DiagnosisAnswer(
                consortium=cast.consortium,
                diagnosis=d,
                item=item,
                current=mc if item.group.key == "management" else ic,
                target=mt if item.group.key == "management" else it,
            )
            for item in items
        )
    Company.objects.create(
        consortium=cast.consortium, name=MALICIOUS, region=cast.ibaraki, main_bank=cast.bank
    )
    request = MatchingRequest.objects.create(
        consortium=cast.consortium, company=cast.company, title="在庫管理", category="core_business"
    )
    request.vendors.set([cast.vendor])
    return cast


def test_bank_exports_only_its_clients(data, login):
    cast = data
    rows = rows_of(login(cast.bank_user).get(url("export_companies")))
    assert rows[0] == FULL_HEADERS
    names = [r[0] for r in rows[1:]]
    assert cast.company.name in names and MALICIOUS in names
    assert cast.other_company.name not in names
    theirs = [r[0] for r in rows_of(login(cast.other_bank_user).get(url("export_companies")))[1:]]
    assert theirs == [cast.other_company.name]
    own = next(r for r in rows if r[0] == cast.company.name)
    assert own[:4] == [cast.company.name, "茨城県", "セミナー登録", "製造業"]
    assert own[6] == "常陽銀行" and own[9] == 2  # main bank, sessions held


def test_malicious_name_stays_text(data, login):
    response = login(data.coordinator).get(url("export_companies"))
    wb = load_workbook(io.BytesIO(response.content))
    cell = next(r[0] for r in wb.active.iter_rows(min_row=2) if r[0].value == MALICIOUS)
    assert cell.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet


def test_stage_level_viewers_get_name_region_stage_only(data, login):
    cast = data
    for role in ("association_user", "vendor_user"):
        rows = rows_of(login(getattr(cast, role)).get(url("export_companies")))
        assert rows[0] == STAGE_HEADERS, role
        assert rows[1:] == [[cast.company.name, "茨城県", "セミナー登録"]], role
    assert rows_of(login(cast.other_vendor_user).get(url("export_companies"))) == [STAGE_HEADERS]


def test_itc_gets_full_columns_only_for_assigned_companies(data, login):
    cast = data
    rows = rows_of(login(cast.itc).get(url("export_companies")))
    assert rows[0] == FULL_HEADERS
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {cast.company.name, MALICIOUS}  # the region, 長野 not
    assert by_name[cast.company.name][6] == "常陽銀行"  # assigned: full
    assert by_name[MALICIOUS][3:] == [None] * (len(FULL_HEADERS) - 3)  # stage level: nothing more


def test_sessions_only_of_fully_visible_companies(data, login):
    cast = data
    rows = rows_of(login(cast.bank_user).get(url("export_sessions")))
    assert rows[0] == ["会社名", "回", "テーマ", "日付", "状態", "出席者数", "議事録 企業確認"]
    assert {r[0] for r in rows[1:]} == {cast.company.name} and len(rows) == 4
    first = rows[1]
    assert first[1] == 1 and first[4] == "実施済" and first[5] == 2 and first[6] is not None
    assert [r[0] for r in rows_of(login(cast.other_bank_user).get(url("export_sessions")))[1:]] == [
        cast.other_company.name
    ]
    # A vendor sees cast.company at stage level only (a request addressed to it): no sessions at all.
    assert rows_of(login(cast.vendor_user).get(url("export_sessions")))[1:] == []
    assert rows_of(login(cast.association_user).get(url("export_sessions")))[1:] == []
    assert len(rows_of(login(cast.coordinator).get(url("export_sessions")))) == 5


def test_diagnoses_only_those_the_user_may_see_with_group_means(data, login):
    cast = data
    rows = rows_of(login(cast.bank_user).get(url("export_diagnoses")))
    assert rows[0][:3] == ["会社名", "状態", "提出日時"] and len(rows[0]) == 7
    assert [r[0] for r in rows[1:]] == [cast.company.name]
    assert rows[1][1] == str(Diagnosis.Status.SUBMITTED.label)
    assert [Decimal(str(v)) for v in rows[1][3:]] == [1, 3, 2, 4]
    assert [r[0] for r in rows_of(login(cast.vendor_user).get(url("export_diagnoses")))[1:]] == []
    assert {r[0] for r in rows_of(login(cast.coordinator).get(url("export_diagnoses")))[1:]} == {
        cast.company.name,
        cast.other_company.name,
    }


def test_company_export_query_count_is_constant(data):
    cast = data
    membership = Membership.objects.get(user=cast.coordinator)
    with CaptureQueriesContext(connection) as small:
        companies_export_xlsx(membership=membership)
    for i in range(10):
        c = Company.objects.create(consortium=cast.consortium, name=f"追加{i}", region=cast.nagano)
        track_with_sessions(cast, c, cast.program, held=1, planned=1)
    with CaptureQueriesContext(connection) as large:
        companies_export_xlsx(membership=membership)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_anonymous_is_sent_to_login(cast, client):
    response = client.get(url("export_companies"))
    assert response.status_code == 302 and "login" in response["Location"]
