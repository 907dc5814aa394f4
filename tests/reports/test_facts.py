"""One fact, one figure: on the FY2022 demo (``manage.py load_demo``) the dashboard, the 実績報告書 (page
and .xlsx), the home page and the track / plan pages of every company give the same figure for the same
fact (``reports.facts``), and the 実績報告書 keeps 伴走支援 13社 / 130回 / 93.8 %."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accompaniment.models import AccompanimentTrack, DxPlan
from dxcommunity.tenancy.models import Consortium
from programs.companies.selectors import application_count, program_current
from programs.models import Program
from tests.conftest import give_totp

pytestmark = pytest.mark.django_db


def _summary(workbook_bytes: bytes) -> dict[str, object]:
    """The 概要 sheet of the 実績報告書 .xlsx as {項目: 値}."""
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes))["概要"]
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}


def test_fy2022_pages_agree_on_every_fact(client):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    consortium = Consortium.objects.get(slug="ibaraki-nagano")
    fy2022 = Program.objects.get(consortium=consortium, fiscal_year=2022)
    current = program_current(consortium=consortium)
    coordinator = get_user_model().objects.get(email="coordinator@example.jp")
    give_totp(coordinator)
    client.force_login(coordinator)
    base = f"/c/{consortium.slug}"

    dashboard = client.get(f"{base}/dashboard/programs/{fy2022.pk}/").context["metrics"]
    funnel = {stage["key"]: stage["count"] for stage in dashboard.funnel}
    report = client.get(f"{base}/results/", {"scope": f"program:{fy2022.pk}"}).context["report"]
    xlsx = client.get(f"{base}/results/report.xlsx", {"scope": f"program:{fy2022.pk}"})
    assert xlsx.status_code == 200
    summary = _summary(xlsx.content)

    # The 実績報告書 of 令和4年度: 伴走支援 13社, 130 sessions planned, 122 held = 93.8 %.
    sessions = report["sessions"]
    assert (sessions["tracks"], sessions["total"], sessions["held"]) == (13, 130, 122)
    assert sessions["held_percent"] == Decimal("93.8")

    # 応募: dashboard, 実績報告書 page and .xlsx, and the home page's count (応募社数) of the program.
    assert funnel["applied"] == report["applications"]["applicants"] == summary["応募"] == 18
    assert application_count(program=fy2022) == 18
    home = client.get(f"{base}/").context
    assert home["application_count"] == application_count(program=current)
    current_dashboard = client.get(f"{base}/dashboard/programs/{current.pk}/").context["metrics"]
    assert home["application_count"] == current_dashboard.total.counts["applied"]

    # 伴走支援: companies with a track of the program.
    assert funnel["accompaniment"] == sessions["tracks"] == report["supported"]["by_kind"]["accompaniment"]
    assert summary["支援企業 伴走支援"] == 13

    # Sessions held / planned: dashboard, report page and .xlsx.
    assert (dashboard.sessions["total"], dashboard.sessions["held"]) == (130, 122)
    assert (summary["伴走支援 セッション計画"], summary["伴走支援 セッション実施"]) == (130, 122)
    assert summary["伴走支援 実施率"] == pytest.approx(0.938)

    # 計画書完成: dashboard, report page and .xlsx.
    assert funnel["plan_completed"] == report["plans"]["approved"] == summary["DX推進計画書 完成（承認済）"]
    assert report["plans"]["approved"] == 10

    # The track and plan page of every company of the program agree with the report's company rows.
    rows = {row.pk: row for row in report["companies"]}
    tracks = AccompanimentTrack.objects.filter(program=fy2022)
    held = planned = approved = 0
    for track in tracks:
        progress = client.get(
            f"{base}/accompaniment/companies/{track.company_id}/", {"program": fy2022.pk}
        ).context["progress"]
        plan_page = client.get(
            f"{base}/accompaniment/companies/{track.company_id}/plan/", {"program": fy2022.pk}
        ).context
        row = rows[track.company_id]
        assert (progress.sessions_held, progress.sessions_total) == (row.sessions_held, row.sessions_total)
        assert progress.plan_status == plan_page["plan"].status == row.plan_status
        # 記入率: the same gauge on the track page and on the plan page.
        assert progress.plan_completeness == plan_page["gauge"]["percent"]
        held += progress.sessions_held
        planned += progress.sessions_total
        approved += plan_page["plan"].status == DxPlan.Status.APPROVED
    assert (planned, held, approved) == (130, 122, 10)

    # Matching: the needs of the program (実績報告書) and the contracts (dashboard).
    matching = report["matching"]
    assert matching["needs"] == summary["マッチング ニーズ"] == 8
    assert matching["contracts"] == summary["マッチング 契約"]
    assert matching["contract_amount"] == summary["マッチング 契約金額"]
    assert funnel["contract"] == matching["contract_companies"] == 2

    # Satisfaction: the same answers, rounded to one decimal on the dashboard and to two in the report.
    for answer in report["satisfaction"]:
        on_dashboard = dashboard.satisfaction[answer["kind"]]
        assert on_dashboard["n"] == answer["n"]
        assert Decimal(str(on_dashboard["satisfied_pct"])) == answer["satisfied_percent"]
        assert on_dashboard["mean"] == pytest.approx(float(answer["mean"]), abs=0.05)
    assert dashboard.satisfaction["session"]["satisfied_pct"] == 96.7

    # Seminar attendance per event (people): dashboard and report.
    on_dashboard = {e["event"].pk: (e["registered"], e["attended"]) for e in dashboard.events}
    in_report = {s["event"].pk: (s["registered"], s["attended"]) for s in report["seminars"]}
    assert on_dashboard == in_report
    assert summary["セミナー 申込"] == sum(registered for registered, _attended in in_report.values())
