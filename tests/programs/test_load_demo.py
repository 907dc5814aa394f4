"""manage.py load_demo: the FY2022 demo, idempotent."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django_scopes import scopes_disabled

from accompaniment.models import AccompanimentSession, AccompanimentTrack, DxPlan, SatisfactionResponse
from diagnosis.models import AdvisorSession, Diagnosis, IndexItem
from dxcommunity.tenancy.models import Company, Consortium, Membership
from matching.models import MatchingRequest, Solution, SolutionCase
from programs.models import (
    CompanyApplication,
    Event,
    Participation,
    Program,
    SelectionDecision,
    SeminarRegistration,
)
from tests.conftest import FAST_HASHERS, mark_cast_flushed

CACHE_TABLE = settings.CACHE_TABLE

# One worker loads the demo once for the whole module (pytest-xdist, --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("load_demo")]

EMAILS = {
    "coordinator@example.jp": "coordinator",
    "regional-ibaraki@example.jp": "regional_coordinator",
    "regional-nagano@example.jp": "regional_coordinator",
    "itc-ibaraki@example.jp": "itc",
    "itc-nagano@example.jp": "itc",
    "bank-joyo@example.jp": "bank_staff",
    "bank-82@example.jp": "bank_staff",
    "association@example.jp": "association_staff",
    "vendor@example.jp": "vendor",
    "company-a@example.jp": "company_member",
    "company-b@example.jp": "company_member",
    "company-c@example.jp": "company_member",
    "company-d@example.jp": "company_member",
    "company-e@example.jp": "company_member",
}


EXISTING_STAGES = {
    "かすみ精密工業株式会社": "plan_completed",
    "那珂川建設株式会社": "accompaniment",
    "安曇野フードテック株式会社": "diagnosed",
    "千曲トレーディング株式会社": "matching",
    "筑波フロンティア株式会社": "registered",
}


def row_counts() -> dict[str, int]:
    with scopes_disabled():
        return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


def test_load_demo_is_idempotent_and_creates_users(client):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    first = row_counts()
    call_command("load_demo", stdout=open("/dev/null", "w"))
    # Every model, history tables included: a second run writes nothing.
    assert row_counts() == first
    consortium = Consortium.objects.get(slug="ibaraki-nagano")
    for email, role in EMAILS.items():
        user = get_user_model().objects.get(email=email)
        assert user.check_password("dx-demo-2022")
        assert user.emailaddress_set.filter(email=email, verified=True, primary=True).exists()
        assert Membership.objects.get(consortium=consortium, user=user).role == role
    stages = dict(
        Participation.objects.filter(consortium=consortium, program__fiscal_year=2022).values_list(
            "company__name", "stage"
        )
    )
    # The five original demo companies keep their stages (the FY2022 program adds 14 applicants).
    assert {name: stages[name] for name in EXISTING_STAGES} == EXISTING_STAGES
    company_a = Company.objects.get(name="かすみ精密工業株式会社")
    assert company_a.tracks.get(program__fiscal_year=2022).sessions.filter(status="held").count() == 10
    assert company_a.dx_plans.get(participation__program__fiscal_year=2022).completeness == 100
    assert company_a.diagnoses.filter(participation__program__fiscal_year=2022).get().answers.count() == 35
    # Logging in through allauth with the demo password works and lands on the dashboard.
    response = client.post(
        "/accounts/login/", {"login": "bank-joyo@example.jp", "password": "dx-demo-2022"}, follow=True
    )
    body = response.content.decode()
    assert "那珂川建設株式会社" in body
    assert "千曲トレーディング株式会社" not in body


# --- the FY2022 program as the program documents describe it ---------------------------------------------


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker):
    """load_demo once for this module, committed; the database is emptied again after the module.

    Each test runs in a transaction rolled back at its end, so the demo rows stay as load_demo made them.
    Tasks run in process and the cache is the database table, as in every test (tests/conftest.py).
    """
    from dxcommunity.celery import app

    cache = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}}
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(PASSWORD_HASHERS=FAST_HASHERS, CELERY_TASK_ALWAYS_EAGER=True, CACHES=cache),
        ):
            call_command("load_demo", stdout=open("/dev/null", "w"))
    finally:
        app.conf.task_always_eager = saved
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
    mark_cast_flushed()


@pytest.fixture
def demo(_demo_loaded, db):
    with scopes_disabled():
        consortium = Consortium.objects.get(slug="ibaraki-nagano")
        yield consortium, Program.objects.get(consortium=consortium, fiscal_year=2022)


def test_fy2022_recruitment_18_applicants_and_one_duplicate(demo):
    consortium, program = demo
    rows = CompanyApplication.objects.filter(program=program)
    assert rows.count() == 19
    assert rows.exclude(status="duplicate").values("company").distinct().count() == 18
    duplicate = rows.get(status="duplicate")
    assert duplicate.duplicate_of.company.name == "潮来土木株式会社"
    assert duplicate.company_name == "株式会社潮来土木"
    assert duplicate.company_name_normalized == duplicate.duplicate_of.company_name_normalized == "潮来土木"
    recommenders = set(rows.filter(source="recommendation").values_list("recommended_by__name", flat=True))
    assert recommenders == {"常陽銀行", "八十二銀行", "茨城県経営者協会", "長野県経営者協会"}
    assert rows.filter(source="public_form").exclude(status="duplicate").exists()
    assert rows.filter(recommended_by_user__email="bank-joyo@example.jp").exists()
    assert program.recruitment_from == dt.date(2022, 7, 15)
    assert program.recruitment_until == dt.date(2022, 8, 19)
    assert program.public_application_open is False
    assert program.capacity == 16


def test_fy2022_selection_13_accompaniment_3_matching_2_not_selected(demo):
    consortium, program = demo
    decisions = SelectionDecision.objects.filter(program=program)
    assert decisions.count() == 18
    by_kind_region = Counter(decisions.values_list("decision", "company__region__key"))
    assert by_kind_region == {
        ("accompaniment", "ibaraki"): 10,
        ("accompaniment", "nagano"): 3,
        ("matching", "ibaraki"): 2,
        ("matching", "nagano"): 1,
        ("not_selected", "ibaraki"): 1,
        ("not_selected", "nagano"): 1,
    }
    selected = decisions.filter(decision__in=["accompaniment", "matching"])
    industries = Counter(selected.values_list("company__industry", flat=True))
    assert industries["manufacturing"] == 4
    assert industries["construction"] == 5
    assert industries["professional"] == 1 and industries["trading"] == 2
    meeting = Event.objects.get(program=program, kind="selection_meeting")
    assert meeting.members_only and meeting.starts_at.date() < dt.date(2022, 9, 12)
    assert not decisions.exclude(meeting=meeting).exists()
    assert not decisions.filter(reasons="").exists()
    accompaniment = decisions.filter(decision="accompaniment")
    assert (
        accompaniment.filter(conditions_confirmed_at__isnull=False, attends_all_sessions=True)
        .exclude(executive_participant="")
        .exclude(staff_participant="")
        .count()
        == 13
    )
    # Each decided company's application is the one the decision points at.
    assert not decisions.filter(application__isnull=True).exists()


def test_fy2022_diagnoses_tracks_plans(demo):
    consortium, program = demo
    applicants = Company.objects.filter(company_applications__program=program).distinct()
    assert (
        Diagnosis.objects.filter(
            company__in=applicants, status="submitted", participation__program=program
        ).count()
        == 18
    )
    assert AdvisorSession.objects.filter(company__in=applicants).count() == 16
    tracks = AccompanimentTrack.objects.filter(program=program)
    assert tracks.count() == 13
    assert set(tracks.values_list("company", flat=True)) == set(
        SelectionDecision.objects.filter(program=program, decision="accompaniment").values_list(
            "company", flat=True
        )
    )
    held = {t.company.name: t.sessions.filter(status="held").count() for t in tracks}
    assert held["かすみ精密工業株式会社"] == 10 and held["那珂川建設株式会社"] == 5
    assert sorted(held.values()) == [5, 8, 9] + [10] * 10
    assert DxPlan.objects.filter(participation__program=program, status="approved").count() == 10
    assert tracks.filter(status="completed").count() == 10
    # Held sessions are logged with 経営者, 担当者, ITC and bank (one executive absence in a late track).
    for session in AccompanimentSession.objects.filter(track__program=program, status="held"):
        roles = set(session.attendances.values_list("role", flat=True))
        assert {"itc_leader", "bank_assistant", "company_staff"} <= roles
        assert hasattr(session, "log")


def test_fy2022_matching_pipeline_and_tool_database(demo):
    consortium, program = demo
    solutions = Solution.objects.filter(consortium=consortium)
    assert solutions.count() >= 12
    categories = set(solutions.values_list("category", flat=True))
    assert {
        "iot",
        "ai",
        "xr",
        "image_analysis",
        "core_business",
        "web_ec",
        "sns",
        "pos",
        "info_sharing",
        "security",
    } <= categories
    codes = set(IndexItem.objects.filter(edition__is_current=True).values_list("code", flat=True))
    for solution in solutions:
        assert solution.item_codes and set(solution.item_codes) <= codes
        assert solution.price_min is not None and solution.price_max >= solution.price_min
    assert solutions.filter(it_subsidy_eligible=True).exists()
    # The Japanese search finds the demo rows (search_text filled as the services would).
    assert not solutions.filter(search_text="").exists()
    assert solutions.filter(search_text__contains="せんさー").exists()  # センサー, katakana folded
    assert solutions.filter(regions__key="nagano").exists()
    assert SolutionCase.objects.filter(solution__consortium=consortium).count() >= 5
    requests = MatchingRequest.objects.filter(program=program)
    assert requests.count() == 8
    contracts = requests.filter(status="contract")
    assert contracts.count() == 2
    assert all(r.contract_amount and r.closed_at for r in contracts)
    declined = requests.get(status="declined")
    assert declined.declined_reason
    # Every request's history ends at its status and starts at hearing.
    for request in requests:
        steps = list(request.status_changes.order_by("created_at").values_list("to_status", flat=True))
        assert steps[0] == "hearing" and steps[-1] == request.status
    # The three matching companies each have a need; so do some accompaniment companies.
    matching_companies = SelectionDecision.objects.filter(program=program, decision="matching").values(
        "company"
    )
    assert requests.filter(company__in=matching_companies).values("company").distinct().count() == 3
    assert requests.filter(company__tracks__program=program).count() >= 3
    d_request = requests.get(company__name="千曲トレーディング株式会社")
    assert d_request.status == "candidates" and d_request.responses.count() == 1


def test_fy2022_seminars_and_satisfaction(demo):
    consortium, program = demo
    seminars = Event.objects.filter(
        program=program, kind__in=["awareness_seminar", "self_diagnosis_briefing", "dx_seminar"]
    )
    assert seminars.count() == 4 and not seminars.filter(capacity__isnull=True).exists()
    registrations = SeminarRegistration.objects.filter(event__program=program)
    assert registrations.filter(company__isnull=True).exclude(organization_name="").count() >= 10
    assert registrations.filter(on_demand=True, attended=True).exists()
    applicants = (
        CompanyApplication.objects.filter(program=program).exclude(status="duplicate").values("company")
    )
    assert registrations.filter(company__in=applicants).values("company").distinct().count() == 18
    for kind in ("kickoff", "members_meeting", "results_meeting"):
        assert Event.objects.filter(program=program, kind=kind).exists()
    # 成果報告会 3/2: the selected companies present their results.
    results_meeting = Event.objects.get(program=program, kind="results_meeting")
    assert results_meeting.starts_at.date() == dt.date(2023, 3, 2)
    selected = SelectionDecision.objects.filter(program=program, decision__in=["accompaniment", "matching"])
    presenters = results_meeting.registrations.filter(attended=True, company__in=selected.values("company"))
    assert 12 <= presenters.count() < 16
    answers = SatisfactionResponse.objects.filter(program=program)
    assert answers.filter(kind="final").count() == 10
    session_answers = answers.filter(kind="session")
    held = AccompanimentSession.objects.filter(track__program=program, status="held").count()
    assert 0.5 * held < session_answers.count() < held
    values = Counter(answers.values_list("satisfaction", flat=True))
    assert set(values) <= {3, 4, 5} and values[3] > 0 and values[5] > values[3]
    assert answers.filter(respondent__email="company-a@example.jp").exists()


def test_current_program_2026_with_open_public_form(demo):
    consortium, _program = demo
    current = Program.objects.get(consortium=consortium, fiscal_year=2026, public_application_open=True)
    assert current.fiscal_year_label == "令和8年度"
    assert current.public_application_open is True and current.capacity == 10
    assert current.recruitment_from <= dt.date(2026, 11, 21) <= current.recruitment_until
    assert current.events.filter(kind="results_meeting", starts_at__year=2027).exists()
    assert current.events.filter(starts_at__year=2026, starts_at__month=12).exists()
    assert 2 <= current.company_applications.count() <= 3


def test_existing_demo_facts_still_hold(demo):
    consortium, program = demo
    a = Company.objects.get(name="かすみ精密工業株式会社")
    b = Company.objects.get(name="那珂川建設株式会社")
    d = Company.objects.get(name="千曲トレーディング株式会社")
    e = Company.objects.get(name="筑波フロンティア株式会社")
    a_track, a_plan = a.tracks.get(program=program), a.dx_plans.get(participation__program=program)
    b_track, b_plan = b.tracks.get(program=program), b.dx_plans.get(participation__program=program)
    assert a_track.status == "completed" and a_plan.status == "approved"
    assert a_plan.versions.filter(is_approved=True).count() == 1
    assert b_track.sessions.filter(status="held").count() == 5 and b_plan.status == "draft"
    assert d.matching_requests.count() == 1
    assert d.shares.filter(subject="diagnosis", revoked_at__isnull=True).exists()
    # E stays a seminar registrant only (the end-to-end journey applies and diagnoses with it).
    assert not e.diagnoses.exists() and not e.applications.exists()
    assert not CompanyApplication.objects.filter(company=e).exists()
    assert not e.registrations.filter(event__title="DXセミナー(2)").exists()
    # 19 of the FY2022 program and the applicant of the municipal program of 令和8年度.
    assert Company.objects.filter(consortium=consortium).count() == 20


def test_second_run_changes_nothing_for_fy2022_rows(demo):
    before = row_counts()
    with scopes_disabled():
        stamps = {
            m._meta.label: max(m._base_manager.values_list("updated_at", flat=True), default=None)
            for m in (CompanyApplication, SelectionDecision, MatchingRequest, SatisfactionResponse, Solution)
        }
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert row_counts() == before
    with scopes_disabled():
        for m in (CompanyApplication, SelectionDecision, MatchingRequest, SatisfactionResponse, Solution):
            assert (
                max(m._base_manager.values_list("updated_at", flat=True), default=None)
                == stamps[m._meta.label]
            )
