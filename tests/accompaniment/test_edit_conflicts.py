"""Two writers on the same DX推進計画書 / session log: the second one never silently overwrites the first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accompaniment.models import DxPlan, PlanKpi, PlanVersion
from accompaniment.plan.services import KpiRow, plan_save
from dxcommunity.concurrency import EditConflict
from tests.accompaniment.factories import enroll
from tests.two_writers import browser, form_version


def url(name, *args):
    return reverse(name if ":" in name else f"accompaniment:{name}", args=["dx", *args])


def sections(**overrides):
    return {name: "" for name, _n in DxPlan.SECTIONS} | overrides


@pytest.fixture
def plan(cast):
    enroll(cast)
    return DxPlan.objects.get(company=cast.company)


def test_plan_second_writer_sees_the_conflict_and_the_first_save_is_kept(cast, plan):
    itc, company = browser(cast.itc), browser(cast.company_user)
    edit = url("plan:edit", cast.company.pk)
    v_itc = form_version(itc.get(edit))
    v_company = form_version(company.get(edit))
    assert v_itc == v_company

    first = sections(mission="ITCの書いた理念") | {"kpi_name_0": "受注処理時間", "kpi_unit_0": "分"}
    assert itc.post(edit, first | {"version": v_itc}).status_code == 302

    second = sections(mission="会社の書いた理念", vision="会社の目指す姿") | {"kpi_name_0": "在庫回転日数"}
    response = company.post(edit, second | {"version": v_company})
    assert response.status_code == 409
    html = response.content.decode()
    assert "ほかの人が先に保存しました" in html
    # Field by field: what the ITC saved next to what the company typed, the typed text kept in the form.
    assert "ITCの書いた理念" in html and "会社の書いた理念" in html and "会社の目指す姿" in html
    assert "受注処理時間" in html and "在庫回転日数" in html
    assert f'href="{edit}"' in html  # "take theirs": reload the stored plan
    plan.refresh_from_db()
    assert (plan.mission, plan.vision) == ("ITCの書いた理念", "")
    assert list(PlanKpi.objects.filter(plan=plan).values_list("name", flat=True)) == ["受注処理時間"]
    assert PlanVersion.objects.filter(plan=plan).count() == 1
    # The page now carries the stored version: saving again is the deliberate "keep mine".
    assert form_version(response) == str(plan.version)
    assert company.post(edit, second | {"version": form_version(response)}).status_code == 302
    plan.refresh_from_db()
    assert plan.mission == "会社の書いた理念"
    assert list(PlanKpi.objects.filter(plan=plan).values_list("name", flat=True)) == ["在庫回転日数"]


def test_plan_same_user_in_two_tabs_kpi_only_change_conflicts(cast, plan):
    tab1, tab2 = browser(cast.itc), browser(cast.itc)
    edit = url("plan:edit", cast.company.pk)
    v1, v2 = form_version(tab1.get(edit)), form_version(tab2.get(edit))
    assert tab1.post(edit, sections(mission="タブ1") | {"version": v1}).status_code == 302
    # Only a KPI row typed in the second tab: the plan's version covers its rows too.
    response = tab2.post(edit, sections() | {"kpi_name_0": "タブ2のKPI", "version": v2})
    assert response.status_code == 409 and "タブ2のKPI" in response.content.decode()
    assert not PlanKpi.objects.filter(plan=plan).exists()
    assert DxPlan.objects.get(pk=plan.pk).mission == "タブ1"


def test_plan_form_without_version_is_refused(cast, login, plan):
    response = login(cast.itc).post(url("plan:edit", cast.company.pk), sections(mission="x"))
    assert (
        response.status_code == 200
        and "画面を読み込み直してから入力してください。" in response.content.decode()
    )
    assert DxPlan.objects.get(pk=plan.pk).mission == ""


def test_plan_save_checks_the_version_in_the_update(cast, plan):
    loaded = plan.version
    plan_save(plan=plan, user=cast.itc, sections={"mission": "一人目"}, version=loaded)
    with pytest.raises(EditConflict) as caught:
        plan_save(
            plan=plan,
            user=cast.company_user,
            sections={"vision": "二人目"},
            kpis=[KpiRow(name="K")],
            version=loaded,
        )
    assert caught.value.current.mission == "一人目" and caught.value.current.version == loaded + 1
    plan.refresh_from_db()
    assert (plan.mission, plan.vision, plan.version) == ("一人目", "", loaded + 1)
    assert not PlanKpi.objects.filter(plan=plan).exists()
    # With the stored version it saves, and the version moves on.
    plan_save(plan=plan, user=cast.company_user, sections={"vision": "二人目"}, version=loaded + 1)
    assert DxPlan.objects.get(pk=plan.pk).version == loaded + 2
    # History rows keep the number as a plain integer.
    assert plan.history.order_by("-history_id").first().version == loaded + 2


def log_data(**overrides):
    return {
        "date": "2022-09-12",
        "agenda": "",
        "discussion": "",
        "decisions": "",
        "attendee_role_1": "itc_leader",
        "attendee_name_1": "伴走 一郎",
    } | overrides


def test_session_log_second_writer_sees_the_conflict_and_the_first_save_is_kept(cast):
    track = enroll(cast)
    session = track.sessions.get(number=1)
    itc, coordinator = browser(cast.itc), browser(cast.coordinator)
    page = url("session_log", session.pk)
    v_itc, v_coordinator = form_version(itc.get(page)), form_version(coordinator.get(page))
    assert v_itc == v_coordinator == "0"  # no log yet

    first = log_data(discussion="ITCの議事録", homework_title_1="ミッション案の作成")
    assert itc.post(page, first | {"version": v_itc}).status_code == 302

    second = log_data(
        discussion="事務局の議事録",
        attendee_role_2="company_executive",
        attendee_name_2="精密 太郎",
        homework_title_1="現状業務の洗い出し",
    )
    response = coordinator.post(page, second | {"version": v_coordinator})
    assert response.status_code == 409
    html = response.content.decode()
    assert "ほかの人が先に保存しました" in html
    assert "ITCの議事録" in html and "事務局の議事録" in html
    assert "ミッション案の作成" in html and "現状業務の洗い出し" in html and "精密 太郎" in html
    log = session.__class__.objects.get(pk=session.pk).log
    assert log.discussion == "ITCの議事録" and log.author == cast.itc
    assert list(session.attendances.values_list("name", flat=True)) == ["伴走 一郎"]
    assert list(session.homework.values_list("title", flat=True)) == ["ミッション案の作成"]
    # Saving again from the conflict page (it carries the stored version) overwrites deliberately.
    assert form_version(response) == str(log.version)
    assert coordinator.post(page, second | {"version": form_version(response)}).status_code == 302
    log.refresh_from_db()
    assert log.discussion == "事務局の議事録"
    assert list(session.homework.values_list("title", flat=True)) == ["現状業務の洗い出し"]


def test_session_log_two_tabs_correcting_the_log(cast):
    track = enroll(cast)
    session = track.sessions.get(number=1)
    assert browser(cast.itc).post(url("session_log", session.pk), log_data(version="0")).status_code == 302
    tab1, tab2 = browser(cast.itc), browser(cast.itc)
    page = url("session_log", session.pk)
    v1, v2 = form_version(tab1.get(page)), form_version(tab2.get(page))
    assert tab1.post(page, log_data(decisions="タブ1の決定", version=v1)).status_code == 302
    response = tab2.post(page, log_data(decisions="タブ2の決定", version=v2))
    assert response.status_code == 409 and "タブ2の決定" in response.content.decode()
    assert session.__class__.objects.get(pk=session.pk).log.decisions == "タブ1の決定"


def test_session_log_submit_checks_the_version(cast):
    import datetime as dt

    from accompaniment.services import SessionLogData, session_log_submit

    track = enroll(cast)
    session = track.sessions.get(number=1)
    data = SessionLogData(date=dt.date(2022, 9, 12), agenda="一人目")
    log = session_log_submit(session=session, author=cast.itc, data=data, version=0)
    assert log.version == 1
    with pytest.raises(EditConflict) as caught:
        session_log_submit(
            session=session,
            author=cast.coordinator,
            data=SessionLogData(date=dt.date(2022, 9, 13), agenda="二人目", attendees=[("itc_leader", "X")]),
            version=0,
        )
    assert caught.value.current.agenda == "一人目"
    session.refresh_from_db()
    assert session.date == dt.date(2022, 9, 12) and not session.attendances.exists()
    assert session_log_submit(session=session, author=cast.itc, data=data, version=1).version == 2


def test_two_simultaneous_plan_saves_on_postgresql_one_wins_one_conflicts(transactional_db, cast):
    """Two writers with the same loaded version save at the same moment (two threads, two database
    connections): exactly one save is written, the other gets EditConflict; never both."""
    import threading

    from django.db import connection, connections
    from django_scopes import scopes_disabled

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions on one row")
    enroll(cast)
    plan = DxPlan.objects.get(company=cast.company)
    loaded = plan.version
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def write(who: str, user) -> None:
        try:
            with scopes_disabled():
                fresh = DxPlan.objects.get(pk=plan.pk)
                barrier.wait()
                plan_save(plan=fresh, user=user, sections={"mission": who}, version=loaded)
            outcome[who] = "saved"
        except EditConflict:
            outcome[who] = "conflict"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=write, args=("ITC", cast.itc)),
        threading.Thread(target=write, args=("会社", cast.company_user)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome.values()) == ["conflict", "saved"]
    winner = next(who for who, result in outcome.items() if result == "saved")
    stored = DxPlan.objects.get(pk=plan.pk)
    assert (stored.mission, stored.version) == (winner, loaded + 1)
    assert PlanVersion.objects.filter(plan=plan).count() == 1
