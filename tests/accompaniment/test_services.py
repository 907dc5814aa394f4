"""Services of the accompaniment track: enrollment, session logs, homework, the plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accompaniment.models import (
    STANDARD_SESSION_THEMES,
    AccompanimentSession,
    AccompanimentTrack,
    Attendance,
    DxPlan,
    Homework,
)
from accompaniment.services import (
    SessionLogData,
    homework_set_done,
    plan_approve,
    plan_update,
    session_log_submit,
    track_enroll,
)
from dxcommunity.tenancy.models import MemberOrganization, Membership
from programs.models import Participation
from tests.accompaniment.factories import enroll, fill_plan, log_first_session
from tests.conftest import add_member, make_user


def test_enroll_creates_ten_sessions_with_standard_themes_and_an_empty_plan(cast):
    track = enroll(cast)
    sessions = list(track.sessions.order_by("number"))
    assert [(s.number, s.theme) for s in sessions] == list(enumerate(STANDARD_SESSION_THEMES, start=1))
    assert {s.status for s in sessions} == {AccompanimentSession.Status.PLANNED}
    assert all(s.consortium_id == cast.consortium.pk for s in sessions)
    plan = DxPlan.objects.get(company=cast.company)
    assert plan.completeness == 0
    cast.participation.refresh_from_db()
    assert cast.participation.stage == Participation.Stage.ACCOMPANIMENT
    assert track.leader == cast.itc and track.bank == cast.bank


def test_enroll_twice_is_refused(cast):
    enroll(cast)
    with pytest.raises(ValidationError, match="すでに"):
        track_enroll(
            company=cast.company, leader=cast.itc, bank=None, program=cast.program, user=cast.coordinator
        )
    assert AccompanimentTrack.objects.count() == 1


def test_enroll_refused_before_self_diagnosis(cast):
    with pytest.raises(ValidationError, match="自己診断"):
        track_enroll(
            company=cast.company, leader=cast.itc, bank=None, program=cast.program, user=cast.coordinator
        )


@pytest.mark.parametrize("who", ["itc", "bank_user", "company_user", "stranger_coordinator"])
def test_enroll_only_by_coordinator(cast, who):
    cast.participation.stage = Participation.Stage.DIAGNOSED
    cast.participation.save(update_fields=["stage"])
    with pytest.raises(PermissionDenied):
        track_enroll(
            company=cast.company, leader=cast.itc, bank=None, program=cast.program, user=getattr(cast, who)
        )
    assert not AccompanimentTrack.objects.exists()


def test_enroll_refuses_other_tenants_leader_and_bank_and_non_itc(cast):
    cast.participation.stage = Participation.Stage.DIAGNOSED
    cast.participation.save(update_fields=["stage"])
    foreign_bank = MemberOrganization.objects.create(consortium=cast.other, name="他行", kind="bank")
    foreign_itc = make_user("foreign-itc@example.com")
    add_member(cast.other, foreign_itc, Membership.Role.ITC)
    with pytest.raises(ValidationError) as exc:
        track_enroll(
            company=cast.company,
            leader=foreign_itc,
            bank=foreign_bank,
            program=cast.program,
            user=cast.coordinator,
        )
    assert set(exc.value.message_dict) == {"leader", "bank"}
    with pytest.raises(ValidationError) as exc:
        track_enroll(
            company=cast.company,
            leader=cast.bank_user,
            bank=cast.association,
            program=cast.program,
            user=cast.coordinator,
        )
    assert set(exc.value.message_dict) == {"leader", "bank"}
    assert not AccompanimentTrack.objects.exists()
    cast.participation.refresh_from_db()
    assert cast.participation.stage == Participation.Stage.DIAGNOSED


def test_session_log_records_attendance_homework_and_next_date(cast):
    track = enroll(cast)
    log = log_first_session(cast, track)
    s1 = log.session
    s1.refresh_from_db()
    assert s1.status == AccompanimentSession.Status.HELD and s1.date == dt.date(2022, 9, 12)
    assert sorted(Attendance.objects.filter(session=s1).values_list("role", "name")) == [
        ("company_executive", "精密 太郎"),
        ("itc_leader", "伴走 一郎"),
    ]
    hw = Homework.objects.get(session=s1)
    assert (hw.title, hw.owner_name, hw.due_date) == ("ミッション案の作成", "精密 太郎", dt.date(2022, 9, 25))
    assert track.sessions.get(number=2).date == dt.date(2022, 9, 26)


def test_session_log_correction_keeps_homework_done_flag(cast):
    track = enroll(cast)
    log = log_first_session(cast, track)
    hw = Homework.objects.get(session=log.session)
    homework_set_done(homework=hw, user=cast.company_user, done=True)
    session_log_submit(
        session=log.session,
        author=cast.itc,
        data=SessionLogData(
            date=dt.date(2022, 9, 12),
            attendees=[("itc_leader", "伴走 一郎")],
            homework=[("ミッション案の作成", "精密 太郎", None), ("理念の共有", "", None)],
        ),
    )
    assert Homework.objects.get(session=log.session, title="ミッション案の作成").done is True
    assert Homework.objects.filter(session=log.session).count() == 2
    assert Attendance.objects.filter(session=log.session).count() == 1


@pytest.mark.parametrize("who", ["itc_nagano", "bank_user", "company_user"])
def test_session_log_refused_for_non_leader(cast, who):
    track = enroll(cast)
    with pytest.raises(PermissionDenied):
        session_log_submit(
            session=track.sessions.get(number=1),
            author=getattr(cast, who),
            data=SessionLogData(date=dt.date(2022, 9, 12)),
        )


def test_session_log_coordinator_may_log(cast):
    track = enroll(cast)
    session_log_submit(
        session=track.sessions.get(number=1),
        author=cast.coordinator,
        data=SessionLogData(date=dt.date(2022, 9, 12)),
    )
    assert track.sessions.get(number=1).status == AccompanimentSession.Status.HELD


def test_session_log_validation_errors_by_field(cast):
    track = enroll(cast)
    with pytest.raises(ValidationError) as exc:
        session_log_submit(
            session=track.sessions.get(number=1),
            author=cast.itc,
            data=SessionLogData(
                date=dt.date(2022, 9, 12),
                next_session_date=dt.date(2022, 9, 1),
                attendees=[("boss", "X"), ("itc_leader", " ")],
                homework=[(" ", "", None)],
            ),
        )
    assert set(exc.value.message_dict) == {"next_session_date", "attendees", "homework"}
    assert track.sessions.get(number=1).status == AccompanimentSession.Status.PLANNED


def test_homework_done_refused_for_bank(cast):
    track = enroll(cast)
    log = log_first_session(cast, track)
    with pytest.raises(PermissionDenied):
        homework_set_done(homework=log.session.homework.get(), user=cast.bank_user, done=True)


@pytest.mark.parametrize("who", ["company_user", "itc", "coordinator"])
def test_plan_update_allowed(cast, who):
    enroll(cast)
    plan = DxPlan.objects.get(company=cast.company)
    plan_update(plan=plan, user=getattr(cast, who), data={"mission": "地域に愛される会社", "unknown": "x"})
    plan.refresh_from_db()
    assert plan.mission == "地域に愛される会社"
    assert plan.completeness == round(100 / len(DxPlan.SECTIONS))


@pytest.mark.parametrize("who", ["bank_user", "itc_nagano", "other_company_user", "association_user"])
def test_plan_update_refused(cast, who):
    enroll(cast)
    plan = DxPlan.objects.get(company=cast.company)
    with pytest.raises(PermissionDenied):
        plan_update(plan=plan, user=getattr(cast, who), data={"mission": "x"})


def test_plan_approve_by_company_member_completes_stage(cast):
    enroll(cast)
    plan = fill_plan(cast)
    with pytest.raises(PermissionDenied):
        plan_approve(plan=plan, user=cast.itc)
    plan_approve(plan=plan, user=cast.company_user)
    plan.refresh_from_db()
    cast.participation.refresh_from_db()
    assert plan.status == DxPlan.Status.APPROVED and plan.approved_at is not None
    assert cast.participation.stage == Participation.Stage.PLAN_COMPLETED
    # Editing an approved plan returns it to draft.
    plan_update(plan=plan, user=cast.itc, data={"vision": "新しい構想"})
    plan.refresh_from_db()
    assert plan.status == DxPlan.Status.DRAFT and plan.approved_at is None


def test_plan_approve_refused_with_empty_sections(cast):
    enroll(cast)
    plan = DxPlan.objects.get(company=cast.company)
    with pytest.raises(ValidationError, match="経営理念・ミッション"):
        plan_approve(plan=plan, user=cast.company_user)
    plan.refresh_from_db()
    assert plan.status == DxPlan.Status.DRAFT
