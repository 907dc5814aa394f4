"""The DX推進計画書 editor: KPI and roadmap rows, versions per save, compare, approval of a version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accompaniment.models import DxPlan, PlanKpi, PlanVersion, RoadmapItem
from accompaniment.selectors import plan_completeness
from tests.accompaniment.factories import enroll, fill_plan
from tests.two_writers import with_version


def url(name, *args):
    return reverse(name if ":" in name else f"accompaniment:{name}", args=["dx", *args])


def sections(**overrides):
    data = {name: "" for name, _n in DxPlan.SECTIONS}
    data.update(overrides)
    return data


@pytest.fixture
def plan(cast):
    enroll(cast)
    return DxPlan.objects.get(company=cast.company)


def test_save_with_kpis_and_roadmap_creates_versions_and_noop_creates_none(cast, login, plan):
    c = login(cast.itc)
    edit = url("plan:edit", cast.company.pk)
    page = c.get(edit).content.decode()
    for name in (
        "kpi_name_0",
        "kpi_unit_0",
        "kpi_baseline_0",
        "kpi_target_0",
        "kpi_deadline_0",
        "roadmap_title_0",
    ):
        assert f'name="{name}"' in page
    assert 'type="month" name="roadmap_start_0"' in page and "（第4回）" in page
    data = sections(mission="地域とともに") | {
        "kpi_name_0": "受注処理時間",
        "kpi_unit_0": "分",
        "kpi_baseline_0": "30",
        "kpi_target_0": "10.5",
        "kpi_deadline_0": "2025-03-31",
        "roadmap_title_0": "受発注システム導入",
        "roadmap_start_0": "2023-04",
        "roadmap_end_0": "2023-09",
        "roadmap_owner_0": "製造部",
    }
    assert c.post(edit, with_version(data, plan)).status_code == 302
    v1 = PlanVersion.objects.get(plan=plan)
    assert v1.number == 1 and v1.saved_by == cast.itc
    assert v1.content["kpis"] == [
        {"name": "受注処理時間", "unit": "分", "baseline": "30", "target": "10.5", "deadline": "2025-03-31"}
    ]
    assert v1.content["roadmap"][0] == {
        "title": "受発注システム導入",
        "start": "2023-04",
        "end": "2023-09",
        "owner": "製造部",
    }
    # The same data again: no change, no version.
    c.post(edit, with_version(data, plan))
    assert PlanVersion.objects.filter(plan=plan).count() == 1
    # A second roadmap row added, the KPI removed: version 2.
    data2 = data | {
        "kpi_delete_0": "1",
        "roadmap_title_1": "在庫の見える化",
        "roadmap_start_1": "2023-10",
        "roadmap_end_1": "2024-03",
    }
    c.post(edit, with_version(data2, plan))
    assert list(PlanVersion.objects.filter(plan=plan).values_list("number", flat=True)) == [2, 1]
    assert PlanKpi.objects.filter(plan=plan).count() == 0
    assert list(RoadmapItem.objects.filter(plan=plan).values_list("title", flat=True)) == [
        "受発注システム導入",
        "在庫の見える化",
    ]
    versions = c.get(url("plan:versions", cast.company.pk)).content.decode()
    assert "第1版" in versions and "第2版" in versions and "伴走 一郎" in versions


def test_row_errors_keep_typed_values(cast, login, plan):
    c = login(cast.itc)
    data = sections(mission="変更") | {
        "kpi_name_0": "",
        "kpi_unit_0": "件",
        "kpi_baseline_0": "abc",
        "roadmap_title_0": "基幹システム刷新",
        "roadmap_start_0": "2024-06",
        "roadmap_end_0": "2024-01",
    }
    response = c.post(url("plan:edit", cast.company.pk), with_version(data, plan))
    assert response.status_code == 200
    html = response.content.decode()
    assert "指標名を入力してください。" in html and "数値を入力してください。" in html
    assert "終了月は開始月以降にしてください。" in html
    assert 'value="基幹システム刷新"' in html and 'value="2024-06"' in html and 'value="abc"' in html
    assert 'value="変更"' not in html  # textarea content, not an input value
    assert "変更" in html
    assert not PlanVersion.objects.exists() and DxPlan.objects.get(pk=plan.pk).mission == ""


def test_compare_shows_both_versions_escaped_and_highlights_changes(cast, login, plan):
    c = login(cast.itc)
    edit = url("plan:edit", cast.company.pk)
    c.post(edit, with_version(sections(mission="一行目\n<script>alert(1)</script>", vision="同じ"), plan))
    c.post(edit, with_version(sections(mission="一行目\n新しい理念", vision="同じ"), plan))
    html = c.get(url("plan:compare", cast.company.pk) + "?a=1&b=2").content.decode()
    assert "第1版" in html and "第2版" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<span class="del">&lt;script&gt;' in html and '<span class="ins">新しい理念</span>' in html
    assert html.count('data-changed="1"') == 1  # only the mission changed
    assert c.get(url("plan:compare", cast.company.pk) + "?a=1&b=9").status_code == 404
    assert c.get(url("plan:compare", cast.company.pk) + "?a=x").status_code == 404
    assert "第2版" in c.get(url("plan:compare", cast.company.pk)).content.decode()  # default: latest two


def test_approval_marks_the_latest_version_and_edit_returns_to_draft(cast, login, plan):
    fill_plan(cast)  # sections only, through the older service: no version yet
    response = login(cast.company_user).post(url("plan:approve", cast.company.pk))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == DxPlan.Status.APPROVED
    approved = PlanVersion.objects.get(plan=plan)
    assert approved.is_approved and approved.number == 1
    login(cast.itc).post(
        url("plan:edit", cast.company.pk), with_version({name: "改訂" for name, _n in DxPlan.SECTIONS}, plan)
    )
    plan.refresh_from_db()
    assert plan.status == DxPlan.Status.DRAFT
    assert list(PlanVersion.objects.filter(plan=plan).values_list("number", "is_approved")) == [
        (2, False),
        (1, True),
    ]
    html = login(cast.bank_user).get(url("plan:detail", cast.company.pk)).content.decode()
    assert "承認版: 第1版" in html and "最新版: 第2版" in html


def test_completeness_counts_sections_kpi_and_roadmap(cast, plan):
    assert plan_completeness(plan=plan)["percent"] == 0
    fill_plan(cast)
    plan.refresh_from_db()
    gauge = plan_completeness(plan=plan)
    assert (gauge["filled"], gauge["total"]) == (11, 13)
    assert gauge["missing"] == ["KPI（1件以上）", "ロードマップ（1件以上）"]


def test_versions_and_compare_visibility(cast, login, plan):
    login(cast.itc).post(url("plan:edit", cast.company.pk), with_version(sections(mission="a"), plan))
    for user in (cast.bank_user, cast.company_user, cast.coordinator):
        assert login(user).get(url("plan:versions", cast.company.pk)).status_code == 200
        assert login(user).get(url("plan:compare", cast.company.pk) + "?a=1&b=1").status_code == 200
    for user in (cast.other_bank_user, cast.itc_nagano, cast.stranger_coordinator, cast.vendor_user):
        assert login(user).get(url("plan:versions", cast.company.pk)).status_code == 404
        assert login(user).get(url("plan:compare", cast.company.pk) + "?a=1&b=1").status_code == 404
