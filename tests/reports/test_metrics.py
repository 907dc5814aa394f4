"""reports.dashboard.metrics on a small hand-built program with known numbers, and the dashboard page built
on it.

The world (program 令和4年度, FY2022 = 2022-04-01..2023-03-31; ``today`` = 2022-10-31):

- cast.company (茨城, 製造業, recommended by 茨城県経営者協会): seminar attended, 自己診断申し込み, diagnosis,
  advice, track (10 sessions: 1–3 held, 4 cancelled), approved plan, matching request with a contract;
- cast.other_company (長野, 建設業, recommended by 八十二銀行 through its application): seminar on demand,
  application, diagnosis, selection decision マッチング;
- 茨城小売 (茨城, 小売業, 常陽銀行): registered only, a duplicate application, a 2021 diagnosis;
- an application without a company (長野, サービス業, 八十二銀行), and a withdrawn one (not counted);
- 無関係工業 (茨城): not in the program.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accompaniment.models import AccompanimentSession, AccompanimentTrack, DxPlan, SatisfactionResponse
from diagnosis.models import AdvisorSession, Diagnosis
from dxcommunity.tenancy.models import Company, Membership
from matching.models import MatchingRequest
from programs.models import (
    CompanyApplication,
    Event,
    Participation,
    Program,
    SelectionDecision,
    SelfDiagnosisApplication,
    SeminarRegistration,
)
from reports.dashboard.metrics import STAGE_KEYS, program_metrics
from tests.conftest import add_member, give_totp, make_user

pytestmark = pytest.mark.django_db
TODAY = dt.date(2022, 10, 31)


def aware(*args):
    return timezone.make_aware(dt.datetime(*args))


def _application(cast, *, company, region, industry, status="received", recommended_by=None, name=None):
    return CompanyApplication.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        company=company,
        company_name=name or (company.name if company else "未登録サービス株式会社"),
        company_name_normalized=name or "x",
        applicant_name="応募 太郎",
        email="apply@example.com",
        region=region,
        industry=industry,
        status=status,
        recommended_by=recommended_by,
        source="recommendation" if recommended_by else "public_form",
    )


def build_world(cast):
    """The table of the module docstring; returns a namespace with the extra objects."""
    c = cast.consortium
    w = type("W", (), {})()
    w.retail = Company.objects.create(
        consortium=c,
        name="茨城小売株式会社",
        region=cast.ibaraki,
        industry=Company.Industry.RETAIL,
        recommended_by=cast.bank,
    )
    Participation.objects.create(consortium=c, company=w.retail, program=cast.program)
    Company.objects.create(consortium=c, name="無関係工業", region=cast.ibaraki)
    # Events: a seminar (counted) and a kickoff meeting (members only: not in the attendance table).
    seminar = Event.objects.create(
        consortium=c,
        program=cast.program,
        kind="awareness_seminar",
        title="DX気づきセミナー",
        starts_at=aware(2022, 7, 15, 14),
    )
    Event.objects.create(
        consortium=c,
        program=cast.program,
        kind="kickoff",
        title="キックオフ連絡会",
        starts_at=aware(2022, 7, 1, 10),
        members_only=True,
    )
    w.seminar = seminar

    def reg(email, company=None, **kw):
        return SeminarRegistration.objects.create(
            consortium=c, event=seminar, company=company, name="参加 者", email=email, **kw
        )

    reg("a@example.com", cast.company, attended=True)
    reg("b@example.com", cast.other_company, attended=True, on_demand=True)
    reg("c@example.com", w.retail)
    reg("d@example.com", status="waitlisted")
    reg("e@example.com", status="cancelled")
    # Applications.
    SelfDiagnosisApplication.objects.create(
        consortium=c,
        program=cast.program,
        company=cast.company,
        applicant_name="精密 太郎",
        organization_name=cast.company.name,
        email="ceo@example.com",
        region=cast.ibaraki,
    )
    _application(
        cast,
        company=cast.other_company,
        region=cast.nagano,
        industry="construction",
        recommended_by=cast.other_bank,
    )
    _application(cast, company=w.retail, region=cast.ibaraki, industry="retail", status="duplicate")
    _application(
        cast,
        company=None,
        region=cast.nagano,
        industry="services",
        recommended_by=cast.other_bank,
        name="未登録サービス",
    )
    _application(cast, company=None, region=cast.nagano, industry="services", status="withdrawn", name="取下")
    # Diagnoses (the 2021 one belongs to the company's participation in the FY2021 program: not counted)
    # and advice.
    from diagnosis.models import IndexEdition

    edition = IndexEdition.objects.first()

    def diagnosis(company, when, status="submitted", **kw):
        return Diagnosis.objects.create(
            consortium=c, company=company, edition=edition, status=status, submitted_at=when, **kw
        )

    d1 = diagnosis(cast.company, aware(2022, 8, 5, 17))
    diagnosis(cast.other_company, aware(2022, 8, 8, 17))
    fy2021 = Program.objects.create(consortium=c, name="令和3年度 事業", fiscal_year=2021)
    earlier = Participation.objects.create(consortium=c, company=w.retail, program=fy2021)
    diagnosis(w.retail, aware(2021, 8, 8, 17), participation=earlier)
    diagnosis(w.retail, None, status="draft")
    AdvisorSession.objects.create(
        consortium=c,
        diagnosis=d1,
        company=cast.company,
        advisor=cast.itc,
        held_on=dt.date(2022, 8, 20),
        mode="online",
    )
    # Track of cast.company: 10 sessions two weeks apart from 9/1; 1–3 held, 4 cancelled.
    track = AccompanimentTrack.objects.create(
        consortium=c, company=cast.company, program=cast.program, leader=cast.itc, bank=cast.bank
    )
    w.sessions = []
    for n in range(1, 11):
        status = "held" if n <= 3 else "cancelled" if n == 4 else "planned"
        w.sessions.append(
            AccompanimentSession.objects.create(
                consortium=c,
                track=track,
                number=n,
                theme=f"テーマ{n}",
                status=status,
                date=dt.date(2022, 9, 1) + dt.timedelta(days=14 * (n - 1)),
            )
        )
    w.track = track
    DxPlan.objects.create(
        consortium=c, company=cast.company, status="approved", approved_at=aware(2023, 2, 17)
    )
    DxPlan.objects.create(consortium=c, company=cast.other_company)  # draft: not completed
    MatchingRequest.objects.create(
        consortium=c,
        company=cast.company,
        title="在庫管理",
        category="core_business",
        status="contract",
        program=cast.program,
    )
    SelectionDecision.objects.create(
        consortium=c,
        program=cast.program,
        company=cast.other_company,
        decision="matching",
        reasons="x",
        decided_at=aware(2022, 9, 1),
        decided_by=cast.coordinator,
    )
    # Satisfaction: session 1 → 5 and 4, session 2 → 3; final → 2.
    second = make_user("staff@example.com", "精密 花子")
    add_member(c, second, Membership.Role.COMPANY_MEMBER, company=cast.company)

    def answer(kind, value, who, session=None, usefulness=None):
        SatisfactionResponse.objects.create(
            consortium=c,
            kind=kind,
            program=cast.program,
            company=cast.company,
            session=session,
            respondent=who,
            satisfaction=value,
            usefulness=usefulness,
        )

    answer("session", 5, cast.company_user, w.sessions[0], usefulness=5)
    answer("session", 4, second, w.sessions[0], usefulness=4)
    answer("session", 3, cast.company_user, w.sessions[1])
    answer("final", 2, cast.company_user)
    return w


def counts(row):
    return dict(zip(STAGE_KEYS, row.cells, strict=True))


def test_funnel_breakdowns_sessions_satisfaction_and_seminars(cast):
    build_world(cast)
    m = program_metrics(
        programs=[cast.program], companies=Company.objects.filter(consortium=cast.consortium), today=TODAY
    )
    assert [s["count"] for s in m.funnel] == [2, 3, 2, 1, 1, 1, 2, 1]
    assert [s["rate"] for s in m.funnel] == [None, 150, 67, 50, 100, 100, 200, 50]
    assert m.funnel[1]["width"] == 100 and m.funnel[0]["width"] == 67
    assert m.total.companies == 4  # 3 companies of the program + 1 application without a company
    regions = {r.label: (r.companies, counts(r)) for r in m.by_region}
    assert regions["茨城県"] == (2, dict(zip(STAGE_KEYS, [1, 1, 1, 1, 1, 1, 1, 1], strict=True)))
    assert regions["長野県"] == (2, dict(zip(STAGE_KEYS, [1, 2, 1, 0, 0, 0, 1, 0], strict=True)))
    industries = {r.label: r.companies for r in m.by_industry}
    assert industries == {"製造業": 1, "建設業": 1, "小売業": 1, "サービス業": 1}
    referrers = {r.label: (r.companies, r.counts["applied"]) for r in m.by_referrer}
    assert referrers == {"茨城県経営者協会": (1, 1), "八十二銀行": (2, 2), "常陽銀行": (1, 0)}
    assert m.sessions == m.sessions | {
        "total": 10,
        "held": 3,
        "due": 5,
        "held_due": 3,
        "cancelled": 1,
        "held_pct": 30,
        "due_pct": 60,
    }
    assert [(r["label"], r["held"], r["total"]) for r in m.sessions_by_region] == [("茨城県", 3, 10)]
    assert m.satisfaction["session"] == {"n": 3, "mean": 4.0, "satisfied_pct": 66.7, "usefulness_mean": 4.5}
    assert m.satisfaction["final"] == {"n": 1, "mean": 2.0, "satisfied_pct": 0.0, "usefulness_mean": None}
    assert [(r["number"], r["n"], r["mean"], r["satisfied_pct"]) for r in m.satisfaction_by_number] == [
        (1, 2, 4.5, 100.0),
        (2, 1, 3.0, 0.0),
    ]
    assert [
        (e["event"].title, e["registered"], e["waitlisted"], e["attended_live"], e["on_demand"])
        for e in m.events
    ] == [("DX気づきセミナー", 3, 1, 1, 1)]


def test_restricted_to_the_companies_given(cast):
    """A regional coordinator's figures: its region's companies and applications only."""
    build_world(cast)
    m = program_metrics(
        programs=[cast.program],
        companies=Company.objects.filter(consortium=cast.consortium, region=cast.nagano),
        region_ids=[cast.nagano.pk],
        today=TODAY,
    )
    assert [s["count"] for s in m.funnel] == [1, 2, 1, 0, 0, 0, 1, 0]
    assert [r.label for r in m.by_region] == ["長野県"]
    assert m.sessions["total"] == 0 and m.satisfaction["session"]["n"] == 0


def test_other_fiscal_year_is_empty(cast):
    from programs.models import Program

    build_world(cast)
    later = Program.objects.create(consortium=cast.consortium, name="令和5年度", fiscal_year=2023)
    m = program_metrics(programs=[later], companies=Company.objects.filter(consortium=cast.consortium))
    assert [s["count"] for s in m.funnel] == [0] * 8 and m.total.companies == 0


def _regional(cast):
    user = make_user("region-nagano@example.com", "地域 長野")
    add_member(cast.consortium, user, Membership.Role.REGIONAL_COORDINATOR, region=cast.nagano)
    give_totp(user)
    return user


def test_dashboard_page_coordinator_and_regional(cast, client):
    build_world(cast)
    client.force_login(cast.coordinator)
    url = reverse("dashboard:program", args=["dx", cast.program.pk])
    html = client.get(url).content.decode()
    assert "ファネル" in html and "推薦機関別" in html and "DX気づきセミナー" in html
    assert "茨城県経営者協会" in html
    client.force_login(_regional(cast))
    response = client.get(url)
    assert response.status_code == 200
    m = response.context["metrics"]
    assert m.total.companies == 2 and [r.label for r in m.by_region] == ["長野県"]
    assert "茨城県経営者協会" not in response.content.decode()


def test_index_redirects_to_the_latest_program_and_fiscal_year_view(cast, client):
    client.force_login(cast.coordinator)
    response = client.get(reverse("dashboard:index", args=["dx"]))
    assert response.status_code == 302 and response.url.endswith(f"/programs/{cast.program.pk}/")
    response = client.get(reverse("dashboard:fiscal_year", args=["dx", 2022]))
    assert response.status_code == 200 and "令和4年度" in response.content.decode()
    assert client.get(reverse("dashboard:fiscal_year", args=["dx", 2031])).status_code == 404


def test_program_of_another_consortium_is_404(cast, client):
    from programs.models import Program

    theirs = Program.objects.create(consortium=cast.other, name="他", fiscal_year=2022)
    client.force_login(cast.coordinator)
    assert client.get(reverse("dashboard:program", args=["dx", theirs.pk])).status_code == 404
    client.force_login(cast.stranger_coordinator)
    assert client.get(reverse("dashboard:program", args=["dx", cast.program.pk])).status_code == 404


def _add_companies(cast, n, start):
    """``n`` more companies going through every stage (track with 10 sessions, answers, requests)."""
    c = cast.consortium
    for i in range(start, start + n):
        company = Company.objects.create(
            consortium=c,
            name=f"追加{i}",
            region=cast.ibaraki if i % 2 else cast.nagano,
            industry="services",
            recommended_by=cast.bank,
        )
        Participation.objects.create(consortium=c, company=company, program=cast.program)
        track = AccompanimentTrack.objects.create(
            consortium=c, company=company, program=cast.program, leader=cast.itc
        )
        s = AccompanimentSession.objects.create(consortium=c, track=track, number=1, theme="t", status="held")
        SatisfactionResponse.objects.create(
            consortium=c, kind="session", program=cast.program, company=company, session=s, satisfaction=4
        )
        MatchingRequest.objects.create(
            consortium=c, company=company, title="x", category="iot", program=cast.program
        )


def _page_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_does_not_depend_on_companies(cast, client):
    """3 companies, then 12: the same number of queries (and within the budget of 25)."""
    build_world(cast)
    client.force_login(cast.coordinator)
    url = reverse("dashboard:program", args=["dx", cast.program.pk])
    few = _page_queries(client, url)
    _add_companies(cast, 9, 100)
    many = _page_queries(client, url)
    assert few == many
    assert many <= 25


def test_coordinator_home_links_to_the_program_dashboard(cast, client):
    client.force_login(cast.coordinator)
    html = client.get(reverse("companies:home", args=["dx"])).content.decode()
    assert reverse("dashboard:program", args=["dx", cast.program.pk]) in html
    client.force_login(cast.itc)
    html = client.get(reverse("companies:home", args=["dx"])).content.decode()
    assert reverse("dashboard:program", args=["dx", cast.program.pk]) not in html
