"""A small hand-built dataset for the 実績報告書 tests (the numbers: ``results_world``'s docstring)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from accompaniment.models import AccompanimentSession, AccompanimentTrack, DxPlan, SatisfactionResponse
from dxcommunity.tenancy.models import Company, Membership
from matching.models import MatchingRequest
from programs.models import (
    CompanyApplication,
    Event,
    Participation,
    Program,
    SelectionDecision,
    SeminarRegistration,
)

MALICIOUS = '=HYPERLINK("http://evil.invalid/","x")'


def track_with_sessions(cast, company, program, *, held: int, planned: int, cancelled: int = 0):
    """A track of ``company`` in ``program`` with sessions 1.. (held, then planned, then cancelled)."""
    track = AccompanimentTrack.objects.create(
        consortium=cast.consortium, company=company, program=program, leader=cast.itc, bank=cast.bank
    )
    statuses = ["held"] * held + ["planned"] * planned + ["cancelled"] * cancelled
    for number, status in enumerate(statuses, start=1):
        AccompanimentSession.objects.create(
            consortium=cast.consortium,
            track=track,
            number=number,
            theme=f"第{number}回",
            status=status,
            date=dt.date(2022, 9, 12) + dt.timedelta(days=14 * number),
        )
    return track


def company(cast, name, region, industry, program=None):
    """A company, taking part in ``program`` when given."""
    created = Company.objects.create(consortium=cast.consortium, name=name, region=region, industry=industry)
    if program is not None:
        Participation.objects.create(consortium=cast.consortium, company=created, program=program)
    return created


def decide(cast, program, company, decision):
    return SelectionDecision.objects.create(
        consortium=cast.consortium,
        program=program,
        company=company,
        decision=decision,
        reasons="検討会の判断",
        decided_at=timezone.now(),
        decided_by=cast.coordinator,
    )


def need(cast, company, status, *, program=None, amount=None, category="core_business"):
    return MatchingRequest.objects.create(
        consortium=cast.consortium,
        company=company,
        title=f"{company.name} のニーズ",
        category=category,
        status=status,
        program=program,
        contract_amount=amount,
    )


def results_world(cast) -> SimpleNamespace:
    """cast + programs and companies.

    Programs: P1 = cast.program (FY2022, 募集16), P2 (FY2022, 募集4), P3 (FY2023).
    Supported in P1 (3): cast.company (茨城, 製造業) 伴走支援 — track 3 held / 6 planned / 1 cancelled,
    plan approved, a contracted need of 1,200,000 円; cast.other_company (長野, 建設業) マッチング by
    decision, a need in proposal (no program on the need: counted through the company's program);
    ``w.matcher`` (茨城, 建設業, the malicious name, no company program) matching-only: a declined
    need of P1.
    Not supported: ``w.rejected`` (茨城, decision not_selected); ``w.later`` (track in P3, FY2023).
    In P2 (FY2022): ``w.p2_company`` (長野, 製造業) track with 2 held sessions.
    Applications of P1: received, invited, waitlisted (茨城, no company), duplicate → 3 applicants.
    Satisfaction in P1: session answers 5, 4, 3 (cast.company) and one final 5.
    A seminar of P1 (all regions): live attendee (cast.company), on-demand viewer (cast.other_company),
    registered only (no company), cancelled; and a kickoff meeting (internal, not counted).
    """
    w = SimpleNamespace(cast=cast)
    c = cast.consortium
    I = Company.Industry  # noqa: E741
    w.p1 = cast.program
    w.p2 = Program.objects.create(consortium=c, name="令和4年度 追加支援事業", fiscal_year=2022, capacity=4)
    w.p3 = Program.objects.create(
        consortium=c, name="令和5年度 茨城・長野DX推進コミュニティ", fiscal_year=2023
    )
    w.track = track_with_sessions(cast, cast.company, w.p1, held=3, planned=6, cancelled=1)
    decide(cast, w.p1, cast.company, "accompaniment")
    DxPlan.objects.create(
        consortium=c, company=cast.company, status=DxPlan.Status.APPROVED, approved_at=timezone.now()
    )
    need(cast, cast.company, "contract", program=w.p1, amount=1_200_000)
    decide(cast, w.p1, cast.other_company, "matching")
    need(cast, cast.other_company, "proposal")  # program empty → cast.other_company.program = P1
    w.matcher = company(cast, MALICIOUS, cast.ibaraki, I.CONSTRUCTION)
    need(cast, w.matcher, "declined", program=w.p1, category="iot")
    w.rejected = company(cast, "選外商事株式会社", cast.ibaraki, I.TRADING, program=w.p1)
    decide(cast, w.p1, w.rejected, "not_selected")
    w.later = company(cast, "翌年度工業株式会社", cast.ibaraki, I.MANUFACTURING, program=w.p3)
    track_with_sessions(cast, w.later, w.p3, held=1, planned=0)
    w.p2_company = company(cast, "追加精機株式会社", cast.nagano, I.MANUFACTURING, program=w.p2)
    track_with_sessions(cast, w.p2_company, w.p2, held=2, planned=0)

    def application(status, company=None, region=None):
        return CompanyApplication.objects.create(
            consortium=c,
            program=w.p1,
            company=company,
            company_name=company.name if company else "未登録株式会社",
            applicant_name="応募 太郎",
            email="apply@example.com",
            region=region or (company.region if company else cast.ibaraki),
            status=status,
        )

    application("received", cast.company)
    application("invited", cast.other_company)
    application("waitlisted")
    application("duplicate", cast.company)

    sessions = list(w.track.sessions.order_by("number"))
    for value, session in zip((5, 4, 3), sessions, strict=False):
        SatisfactionResponse.objects.create(
            consortium=c,
            kind="session",
            program=w.p1,
            company=cast.company,
            session=session,
            respondent=cast.company_user,
            satisfaction=value,
            usefulness=4,
        )
    SatisfactionResponse.objects.create(
        consortium=c,
        kind="final",
        program=w.p1,
        company=cast.company,
        respondent=cast.company_user,
        satisfaction=5,
    )
    w.seminar = Event.objects.create(
        consortium=c,
        program=w.p1,
        kind=Event.Kind.AWARENESS_SEMINAR,
        title="DX気づきセミナー",
        starts_at=timezone.make_aware(dt.datetime(2022, 7, 15, 14)),
    )
    Event.objects.create(
        consortium=c,
        program=w.p1,
        kind=Event.Kind.KICKOFF,
        title="キックオフ連絡会",
        starts_at=timezone.make_aware(dt.datetime(2022, 9, 1, 14)),
    )

    def register(email, company=None, **kw):
        SeminarRegistration.objects.create(
            consortium=c, event=w.seminar, company=company, name="参加 者", email=email, **kw
        )

    register("live@example.com", cast.company, attended=True)
    register("od@example.com", cast.other_company, attended=True, on_demand=True)
    register("reg@example.com")
    register("cancel@example.com", cast.company, status="cancelled")
    return w


def regional_coordinator(cast, region):
    """A 地域まとめ of ``region`` with TOTP (required for coordinators)."""
    from tests.conftest import add_member, give_totp, make_user

    user = make_user(f"regional-{region.key}@example.com", "地域 まとめ")
    add_member(cast.consortium, user, Membership.Role.REGIONAL_COORDINATOR, region=region)
    give_totp(user)
    return user


PERCENT_2_OF_3 = Decimal("66.7")
