"""Pages of the accompaniment track: enrollment, track, session log, plan; permissions by role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accompaniment.models import AccompanimentSession, AccompanimentTrack, DxPlan, Homework
from accompaniment.panels import company_panel_context
from dxcommunity.tenancy.models import MemberOrganization, Membership
from programs.models import Participation
from tests.accompaniment.factories import enroll, fill_plan, log_first_session
from tests.conftest import add_member, make_user
from tests.two_writers import with_version


def url(name, *args):
    return reverse(name if ":" in name else f"accompaniment:{name}", args=["dx", *args])


@pytest.fixture
def diagnosed(cast):
    cast.participation.stage = Participation.Stage.DIAGNOSED
    cast.participation.save(update_fields=["stage"])
    return cast


def test_enroll_page_and_post(diagnosed, login):
    cast = diagnosed
    client = login(cast.coordinator)
    page = client.get(url("enroll", cast.company.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "伴走支援に登録" in html and 'name="leader"' in html and 'name="bank"' in html
    assert "伴走 一郎" in html and "信州 次郎" in html  # ITC users of this consortium
    response = client.post(url("enroll", cast.company.pk), {"leader": cast.itc.pk, "bank": cast.bank.pk})
    assert response.status_code == 302
    track = AccompanimentTrack.objects.get(company=cast.company)
    assert track.sessions.count() == 10 and track.leader == cast.itc and track.bank == cast.bank


def test_enroll_post_with_other_consortiums_itc_and_bank_is_refused(diagnosed, login):
    cast = diagnosed
    foreign_bank = MemberOrganization.objects.create(consortium=cast.other, name="他行", kind="bank")
    foreign_itc = make_user("foreign-itc@example.com")
    add_member(cast.other, foreign_itc, Membership.Role.ITC)
    client = login(cast.coordinator)
    response = client.post(
        url("enroll", cast.company.pk), {"leader": foreign_itc.pk, "bank": foreign_bank.pk}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"leader", "bank"}
    html = response.content.decode()
    assert "このコンソーシアムのITコーディネータを選んでください。" in html
    assert "このコンソーシアムの金融機関を選んでください。" in html
    # A user of this consortium who is not an ITC, and an organization that is not a bank, are refused too.
    response = client.post(
        url("enroll", cast.company.pk), {"leader": cast.bank_user.pk, "bank": cast.association.pk}
    )
    assert set(response.context["form"].errors) == {"leader", "bank"}
    assert not AccompanimentTrack.objects.exists()
    assert not AccompanimentSession.objects.exists()
    cast.participation.refresh_from_db()
    assert cast.participation.stage == Participation.Stage.DIAGNOSED


@pytest.mark.parametrize("who,status", [("itc", 403), ("company_user", 403), ("other_bank_user", 404)])
def test_enroll_forbidden_for_others(diagnosed, login, who, status):
    client = login(getattr(diagnosed, who))
    assert client.get(url("enroll", diagnosed.company.pk)).status_code == status
    assert (
        client.post(url("enroll", diagnosed.company.pk), {"leader": diagnosed.itc.pk}).status_code == status
    )
    assert not AccompanimentTrack.objects.exists()


def test_enroll_other_consortium_company_is_404(cast, login):
    client = login(cast.coordinator)
    assert client.get(url("enroll", cast.stranger_company.pk)).status_code == 404


def test_track_page_lists_ten_sessions(cast, login):
    enroll(cast)
    html = login(cast.itc).get(url("track", cast.company.pk)).content.decode()
    for theme in ("経営理念、ミッション確認", "DX計画書まとめ、社内レビュー"):
        assert theme in html
    assert html.count('id="session-') == 10
    assert "0/10" in html


def test_session_log_by_itc_then_visible_to_company_and_bank_not_other_bank(cast, login):
    track = enroll(cast)
    s1 = track.sessions.get(number=1)
    client = login(cast.itc)
    form = client.get(url("session_log", s1.pk))
    html = form.content.decode()
    assert "記録を保存" in html and 'name="attendee_role_1"' in html and 'name="homework_title_1"' in html
    # The usual team is suggested: leader, the assisting bank's staff, the company's 経営者.
    assert all(name in html for name in ("伴走 一郎", "常陽 三郎", "精密 太郎"))
    response = client.post(
        url("session_log", s1.pk),
        {
            "date": "2022-09-12",
            "agenda": "経営理念の確認",
            "discussion": "理念を再確認した",
            "decisions": "ミッションを一文に",
            "next_session_date": "2022-09-26",
            "attendee_role_1": "itc_leader",
            "attendee_name_1": "伴走 一郎",
            "attendee_role_2": "company_executive",
            "attendee_name_2": "精密 太郎",
            "attendee_role_3": "",
            "attendee_name_3": "",
            "homework_title_1": "ミッション案の作成",
            "homework_owner_1": "精密 太郎",
            "homework_due_1": "2022-09-25",
            "homework_title_2": "",
            "version": "0",  # no log yet
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    s1.refresh_from_db()
    assert s1.status == AccompanimentSession.Status.HELD
    assert Homework.objects.get(session=s1).title == "ミッション案の作成"
    for user in (cast.company_user, cast.bank_user, cast.coordinator):
        c = login(user)
        assert "理念を再確認した" in c.get(url("track", cast.company.pk)).content.decode()
        page = c.get(url("session_log", s1.pk)).content.decode()
        assert "理念を再確認した" in page
    # Read only for company and bank: no form, POST refused.
    c = login(cast.bank_user)
    assert "記録を保存" not in c.get(url("session_log", s1.pk)).content.decode()
    assert c.post(url("session_log", s1.pk), {"date": "2022-09-13"}).status_code == 403
    c = login(cast.company_user)
    assert c.post(url("session_log", s1.pk), {"date": "2022-09-13"}).status_code == 403
    # The other bank's user, another region's ITC... see nothing.
    for user in (cast.other_bank_user, cast.other_company_user, cast.vendor_user, cast.stranger_coordinator):
        c = login(user)
        assert c.get(url("track", cast.company.pk)).status_code == 404
        assert c.get(url("session_log", s1.pk)).status_code == 404
        assert c.post(url("session_log", s1.pk), {"date": "2022-09-13"}).status_code == 404
    s1.refresh_from_db()
    assert s1.date.isoformat() == "2022-09-12"


def test_session_log_bad_rows_keep_what_was_typed(cast, login):
    track = enroll(cast)
    s1 = track.sessions.get(number=1)
    response = login(cast.itc).post(
        url("session_log", s1.pk),
        {
            "date": "",
            "discussion": "大事なメモ",
            "attendee_role_1": "",
            "attendee_name_1": "常陽 三郎",
            "attendee_role_2": "bank_assistant",  # a role without a name is an empty slot: skipped
            "attendee_name_2": "",
            "homework_title_1": "見積依頼",
            "homework_due_1": "2022/13/40",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "大事なメモ" in html and "見積依頼" in html and "常陽 三郎" in html
    assert "役割を選んでください。" in html and "YYYY-MM-DD" in html
    assert response.context["form"].attendees == []
    assert "date" in response.context["form"].errors
    s1.refresh_from_db()
    assert s1.status == AccompanimentSession.Status.PLANNED


def test_homework_done_toggle(cast, login):
    track = enroll(cast)
    hw = log_first_session(cast, track).session.homework.get()
    done_url = url("homework_done", hw.pk)
    assert login(cast.bank_user).post(done_url, {"done": "1"}).status_code == 403
    assert login(cast.other_bank_user).post(done_url, {"done": "1"}).status_code == 404
    assert login(cast.company_user).post(done_url, {"done": "1"}).status_code == 302
    hw.refresh_from_db()
    assert hw.done


def test_plan_edit_and_approve_permissions(cast, login):
    enroll(cast)
    plan_url, edit_url, approve_url = (
        url(n, cast.company.pk) for n in ("plan:detail", "plan:edit", "plan:approve")
    )
    c = login(cast.company_user)
    page = c.get(edit_url).content.decode()
    for name, _n in DxPlan.SECTIONS:
        assert f'name="{name}"' in page
    assert "保存" in page
    plan = DxPlan.objects.get(company=cast.company)
    assert c.post(edit_url, with_version({"mission": "地域とともに"}, plan)).status_code == 302
    assert DxPlan.objects.get(company=cast.company).mission == "地域とともに"
    # The ITC leader and coordinator edit; the bank reads only; others see nothing.
    assert (
        login(cast.itc)
        .post(edit_url, with_version({"mission": "地域とともに", "vision": "見える化"}, plan))
        .status_code
        == 302
    )
    assert login(cast.coordinator).get(edit_url).status_code == 200
    bank = login(cast.bank_user)
    assert bank.get(plan_url).status_code == 200
    assert bank.get(edit_url).status_code == 403
    assert bank.post(edit_url, {"mission": "x"}).status_code == 403
    for user in (cast.other_bank_user, cast.itc_nagano, cast.vendor_user, cast.stranger_coordinator):
        cl = login(user)
        assert cl.get(plan_url).status_code == 404
        assert cl.post(edit_url, {"mission": "x"}).status_code == 404
    assert DxPlan.objects.get(company=cast.company).mission == "地域とともに"
    # Approval: company member only, and only when the sections are filled.
    assert login(cast.itc).post(approve_url).status_code == 403
    response = login(cast.company_user).post(approve_url, follow=True)
    assert "未記入の項目があります" in response.content.decode()
    fill_plan(cast)
    login(cast.company_user).post(approve_url)
    plan = DxPlan.objects.get(company=cast.company)
    assert plan.status == DxPlan.Status.APPROVED
    cast.participation.refresh_from_db()
    assert cast.participation.stage == Participation.Stage.PLAN_COMPLETED
    html = login(cast.bank_user).get(plan_url).content.decode()
    assert "承認済" in html and "85%" in html


def test_plan_page_shows_sections_and_completeness(cast, login):
    enroll(cast)
    plan = DxPlan.objects.get(company=cast.company)
    login(cast.itc).post(
        url("plan:edit", cast.company.pk), with_version({"mission": "誠実なものづくり"}, plan)
    )
    html = login(cast.company_user).get(url("plan:detail", cast.company.pk)).content.decode()
    assert "誠実なものづくり" in html and "経営理念・ミッション" in html and "8%" in html
    assert "PDFを作成" in html


def test_company_panel(cast):
    coordinator_m = Membership.objects.get(user=cast.coordinator, consortium=cast.consortium)
    bank_m = Membership.objects.get(user=cast.bank_user, consortium=cast.consortium)
    assert company_panel_context(company=cast.company, membership=coordinator_m) == {}  # stage < diagnosed
    cast.participation.stage = Participation.Stage.DIAGNOSED
    cast.participation.save(update_fields=["stage"])
    assert company_panel_context(company=cast.company, membership=coordinator_m)["acc_can_enroll"] is True
    assert company_panel_context(company=cast.company, membership=bank_m) == {}
    track = enroll(cast)
    log_first_session(cast, track)
    ctx = company_panel_context(company=cast.company, membership=bank_m)
    assert ctx["acc_progress"].sessions_held == 1 and ctx["acc_progress"].sessions_total == 10
    other_bank_m = Membership.objects.get(user=cast.other_bank_user, consortium=cast.consortium)
    assert company_panel_context(company=cast.company, membership=other_bank_m) == {}
    from django.template.loader import render_to_string

    html = render_to_string("accompaniment/_company_panel.html", {**ctx, "consortium": cast.consortium})
    assert "1/10" in html and url("track", cast.company.pk) in html
