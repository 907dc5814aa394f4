"""``python manage.py bench program``: the program dashboard and the results report at scale.

In throwaway consortia (created here, deleted at the end unless ``keep``) it bulk-creates ``PROGRAMS`` (5)
programs over 3 fiscal years (this one and the two before; two programs run at once in each of the later
years) and ``n`` companies (default 10,000) spread over them, over 2 regions, 7 industries and 5 referring
organizations. Each company takes part in one program (a ``Participation``) with a seminar registration,
an application, a diagnosis, DX診断アドバイス, a track of 10 sessions (100,000 sessions at n = 10,000; held
up to today), a DX plan, matching requests and 満足度 answers; a fifth of the companies of the earlier
years come back to a later program (a second participation with its own diagnosis). Then it prints:

- the row counts generated and the generation time;
- the dashboard page (``dashboard:program``) and the 実績報告書 page (``results:index`` of one program) of
  the latest program, through the Django test client logged in as a coordinator with a real TOTP
  authenticator (the MFA middleware requires it): median and p95 server time over ``requests`` GETs and
  the query count (``CaptureQueriesContext``), at ``small`` companies and at ``n``; whether the two
  counts are equal and ≤ 25, and whether the time is < 500 ms;
- the results report .xlsx (``reports.results.report.results_report_xlsx``) for a program of ``report_n``
  companies: time and size ("not available" when that module is missing).

On PostgreSQL the tables are ANALYZEd after generation (what autovacuum does on a live database).
bulk_create writes no simple-history rows and the cleanup deletes the bulk tables with one DELETE each
(deleting row by row would write a history row per deleted row). Numbers are measurements on this
machine, not assertions; the test only checks that the lines print.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

QUERY_BUDGET = 25
TIME_BUDGET_MS = 500.0
REPORT_BUDGET_S = 10.0
BATCH = 5000
SESSIONS_PER_TRACK = 10
PROGRAMS = 5  # over 3 fiscal years: FY-2, FY-1 (x2), FY (x2)
RETURNING = 0.2  # of the companies of the earlier years: a second participation in a later program
INDUSTRIES = ("manufacturing", "construction", "trading", "retail", "services", "professional", "other")
CATEGORIES = ("iot", "ai", "core_business", "web_ec", "sns", "pos", "info_sharing", "security")
# Funnel shares (of all companies) used for the generated data.
SHARES = {
    "attended": 0.85,
    "applied": 0.95,
    "diagnosed": 0.9,
    "advised": 0.8,
    "plan_approved": 0.4,
    "matching": 0.3,
    "contract": 0.1,
    "answers": 0.6,  # of held sessions
}
SATISFACTION_WEIGHTS = (2, 5, 18, 45, 30)  # 1..5


@dataclass
class Generated:
    """A generated consortium: its objects and the number of rows per model (label -> rows)."""

    consortium: Any
    program: Any
    coordinator: Any
    users: list[Any] = field(default_factory=list)
    programs: list[Any] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _bulk(model, objs: list, rows: dict[str, int]) -> list:
    created = model.objects.bulk_create(objs, batch_size=BATCH)
    rows[model.__name__] = rows.get(model.__name__, 0) + len(created)
    return created


def _edition():
    from diagnosis.models import IndexEdition

    edition = IndexEdition.objects.order_by("-pk").first()
    if edition is None:
        from diagnosis.index_loader import index_load

        edition = index_load()
    return edition


def generate(*, n: int, tag: str, label: str, seed: int = 2022, today: dt.date | None = None) -> Generated:
    """A throwaway consortium ``bench-<label>-<tag>`` with ``PROGRAMS`` programs and ``n`` companies spread
    over them (see the module docstring); ``Generated.program`` is the latest program. Runs with scopes
    disabled (the caller's job)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accompaniment.models import (
        STANDARD_SESSION_THEMES,
        AccompanimentSession,
        AccompanimentTrack,
        DxPlan,
        SatisfactionResponse,
    )
    from diagnosis.models import AdvisorSession, Diagnosis
    from dxcommunity.tenancy.models import Company, Consortium, MemberOrganization, Membership, Region
    from matching.models import MatchingRequest
    from programs.models import (
        CompanyApplication,
        Event,
        Participation,
        Program,
        SelfDiagnosisApplication,
        SeminarRegistration,
        fiscal_year_of,
    )

    started = time.perf_counter()
    rng = random.Random(seed)
    today = today or timezone.localdate()
    fy = fiscal_year_of(today)
    fy_start = dt.date(fy, 4, 1)
    rows: dict[str, int] = {}
    consortium = Consortium.objects.create(name=f"ベンチマーク {label} {tag}", slug=f"bench-{label}-{tag}")
    c = {"consortium": consortium}
    regions = [
        Region.objects.create(**c, name="ベンチ県A", key="a"),
        Region.objects.create(**c, name="ベンチ県B", key="b"),
    ]
    kinds = [
        MemberOrganization.Kind.BANK,
        MemberOrganization.Kind.BANK,
        MemberOrganization.Kind.EMPLOYER_ASSOCIATION,
        MemberOrganization.Kind.EMPLOYER_ASSOCIATION,
        MemberOrganization.Kind.SUPPORT_AGENCY,
    ]
    referrers = [
        MemberOrganization.objects.create(**c, name=f"推薦機関{i + 1}", kind=kind, region=regions[i % 2])
        for i, kind in enumerate(kinds)
    ]
    years = [fy - 2, fy - 1, fy - 1, fy, fy][:PROGRAMS]
    programs = []
    events_of: dict[int, list] = {}
    for k, year in enumerate(years):
        prog = Program.objects.create(**c, name=f"ベンチ事業 {year}-{k}", fiscal_year=year, capacity=n)
        prog.regions.set(regions)
        programs.append(prog)
        start = dt.date(year, 4, 1)
        events_of[prog.pk] = [
            Event.objects.create(
                **c,
                program=prog,
                kind=kind,
                title=title,
                starts_at=timezone.make_aware(
                    dt.datetime.combine(start + dt.timedelta(days=30 * i), dt.time(14))
                ),
            )
            for i, (kind, title) in enumerate(
                [
                    (Event.Kind.AWARENESS_SEMINAR, "DX気づきセミナー"),
                    (Event.Kind.SELF_DIAGNOSIS_BRIEFING, "DX自己診断説明会"),
                    (Event.Kind.DX_SEMINAR, "DXセミナー(1)"),
                ]
            )
        ]
    program = programs[-1]
    user_model = get_user_model()
    coordinator = user_model.objects.create_user(
        username=f"bench-{label}-{tag}", email=f"bench-{label}-{tag}@example.invalid", password=None
    )
    itc = user_model.objects.create_user(
        username=f"bench-{label}-{tag}-itc", email=f"bench-{label}-{tag}-itc@example.invalid", password=None
    )
    Membership.objects.create(**c, user=coordinator, role=Membership.Role.COORDINATOR)
    Membership.objects.create(**c, user=itc, role=Membership.Role.ITC, region=regions[0])
    # The MFA middleware sends coordinators without TOTP to the activation page: a real authenticator.
    TOTP.activate(coordinator, generate_totp_secret())

    def share(key: str) -> bool:
        return rng.random() < SHARES[key]

    companies = _bulk(
        Company,
        [
            Company(
                **c,
                name=f"ベンチ{label}株式会社{i:05d}",
                region=regions[i % 2],
                industry=INDUSTRIES[rng.randrange(len(INDUSTRIES))],
                recommended_by=referrers[rng.randrange(len(referrers))] if rng.random() < 0.7 else None,
                employees=rng.randint(5, 300),
            )
            for i in range(n)
        ],
        rows,
    )
    program_of = {company.pk: programs[i % len(programs)] for i, company in enumerate(companies)}
    participations = _bulk(
        Participation,
        [
            Participation(
                **c, company=company, program=program_of[company.pk], stage=Participation.Stage.ACCOMPANIMENT
            )
            for company in companies
        ],
        rows,
    )
    participation_of = {p.company_id: p for p in participations}
    regs, sda, apps = [], [], []
    for i, company in enumerate(companies):
        program = program_of[company.pk]
        events = events_of[program.pk]
        attended = share("attended")
        on_demand = rng.random() < 0.2
        regs.append(
            SeminarRegistration(
                **c,
                event=events[i % len(events)],
                company=company,
                name="参加 者",
                email=f"p{i}@bench.invalid",
                organization_name=company.name,
                attended=attended,
                on_demand=on_demand,
            )
        )
        if share("applied"):
            if i % 2:
                sda.append(
                    SelfDiagnosisApplication(
                        **c,
                        program=program,
                        company=company,
                        applicant_name="申込 者",
                        organization_name=company.name,
                        email=f"p{i}@bench.invalid",
                        region=company.region,
                    )
                )
            else:
                apps.append(
                    CompanyApplication(
                        **c,
                        program=program,
                        company=company,
                        company_name=company.name,
                        company_name_normalized=company.name,
                        applicant_name="応募 者",
                        email=f"p{i}@bench.invalid",
                        region=company.region,
                        industry=company.industry,
                        recommended_by=company.recommended_by,
                        status=CompanyApplication.Status.INVITED,
                    )
                )
    _bulk(SeminarRegistration, regs, rows)
    _bulk(SelfDiagnosisApplication, sda, rows)
    _bulk(CompanyApplication, apps, rows)
    edition = _edition()
    submitted = timezone.make_aware(dt.datetime.combine(fy_start + dt.timedelta(days=100), dt.time(17)))
    diagnosed = [company for company in companies if share("diagnosed")]
    diagnoses = _bulk(
        Diagnosis,
        [
            Diagnosis(
                **c,
                company=company,
                participation=participation_of[company.pk],
                edition=edition,
                status=Diagnosis.Status.SUBMITTED,
                submitted_at=submitted,
            )
            for company in diagnosed
        ],
        rows,
    )
    _bulk(
        AdvisorSession,
        [
            AdvisorSession(
                **c,
                diagnosis=d,
                company_id=d.company_id,
                advisor=itc,
                held_on=fy_start + dt.timedelta(days=110),
                mode="online",
            )
            for d in diagnoses
            if share("advised")
        ],
        rows,
    )
    tracks = _bulk(
        AccompanimentTrack,
        [
            AccompanimentTrack(
                **c,
                participation=participation_of[company.pk],
                company=company,
                program=program_of[company.pk],
                leader=itc,
            )
            for company in companies
        ],
        rows,
    )
    sessions = []
    for track in tracks:
        first = fy_start + dt.timedelta(days=rng.randint(90, 200))
        for number in range(1, SESSIONS_PER_TRACK + 1):
            date = first + dt.timedelta(days=14 * (number - 1))
            held = date <= today and rng.random() < 0.93
            sessions.append(
                AccompanimentSession(
                    **c,
                    track=track,
                    number=number,
                    theme=STANDARD_SESSION_THEMES[number - 1],
                    status=AccompanimentSession.Status.HELD if held else AccompanimentSession.Status.PLANNED,
                    date=date,
                )
            )
    sessions = _bulk(AccompanimentSession, sessions, rows)
    plan_at = timezone.make_aware(dt.datetime.combine(fy_start + dt.timedelta(days=300), dt.time(17)))
    plans = []
    for company in companies:
        approved = share("plan_approved")
        plans.append(
            DxPlan(
                **c,
                participation=participation_of[company.pk],
                company=company,
                status=DxPlan.Status.APPROVED if approved else DxPlan.Status.DRAFT,
                approved_at=plan_at if approved else None,
            )
        )
    _bulk(DxPlan, plans, rows)
    requests = []
    for company in companies:
        if share("matching"):
            contract = rng.random() < SHARES["contract"] / SHARES["matching"]
            requests.append(
                MatchingRequest(
                    **c,
                    company=company,
                    program=program_of[company.pk],
                    title="業務のデジタル化",
                    category=CATEGORIES[rng.randrange(len(CATEGORIES))],
                    status=MatchingRequest.Status.CONTRACT if contract else MatchingRequest.Status.PROPOSAL,
                )
            )
    _bulk(MatchingRequest, requests, rows)
    company_of_track = {t.pk: t.company_id for t in tracks}
    program_of_track = {t.pk: t.program_id for t in tracks}
    answers = [
        SatisfactionResponse(
            **c,
            kind=SatisfactionResponse.Kind.SESSION,
            program_id=program_of_track[s.track_id],
            company_id=company_of_track[s.track_id],
            session=s,
            satisfaction=rng.choices(range(1, 6), weights=SATISFACTION_WEIGHTS)[0],
            usefulness=rng.choices(range(1, 6), weights=SATISFACTION_WEIGHTS)[0],
        )
        for s in sessions
        if s.status == AccompanimentSession.Status.HELD and share("answers")
    ]
    held_per_track: dict[int, int] = {}
    for s in sessions:
        if s.status == AccompanimentSession.Status.HELD:
            held_per_track[s.track_id] = held_per_track.get(s.track_id, 0) + 1
    answers += [
        SatisfactionResponse(
            **c,
            kind=SatisfactionResponse.Kind.FINAL,
            program_id=program_of_track[track_id],
            company_id=company_of_track[track_id],
            satisfaction=rng.choices(range(1, 6), weights=SATISFACTION_WEIGHTS)[0],
        )
        for track_id, held in held_per_track.items()
        if held >= SESSIONS_PER_TRACK
    ]
    _bulk(SatisfactionResponse, answers, rows)
    # Returning companies (継続): a second participation in a later program, with a T1 diagnosis.
    later = {year: [p for p in programs if p.fiscal_year > year] for year in years}
    returning = [
        company
        for company in companies
        if later[program_of[company.pk].fiscal_year] and rng.random() < RETURNING
    ]
    again = _bulk(
        Participation,
        [
            Participation(
                **c,
                company=company,
                program=rng.choice(later[program_of[company.pk].fiscal_year]),
                previous=participation_of[company.pk],
                stage=Participation.Stage.DIAGNOSED,
            )
            for company in returning
        ],
        rows,
    )
    t1 = timezone.make_aware(dt.datetime.combine(fy_start + dt.timedelta(days=120), dt.time(17)))
    rows["Diagnosis"] += len(
        _bulk(
            Diagnosis,
            [
                Diagnosis(
                    **c,
                    company_id=p.company_id,
                    participation=p,
                    edition=edition,
                    status=Diagnosis.Status.SUBMITTED,
                    submitted_at=t1,
                )
                for p in again
            ],
            {},
        )
    )
    gen = Generated(consortium=consortium, program=program, coordinator=coordinator, users=[coordinator, itc])
    gen.programs = programs
    gen.rows = rows
    gen.seconds = time.perf_counter() - started
    return gen


def cleanup(gen: Generated) -> None:
    """Delete a generated consortium: the bulk tables with one DELETE each (children first), the rest
    (a few rows) through the ORM."""
    from accompaniment.models import (
        AccompanimentSession,
        AccompanimentTrack,
        DxPlan,
        SatisfactionResponse,
    )
    from diagnosis.models import AdvisorSession, Diagnosis
    from dxcommunity.tenancy.models import Company
    from matching.models import MatchingRequest
    from programs.models import (
        CompanyApplication,
        Participation,
        SelfDiagnosisApplication,
        SeminarRegistration,
    )

    for model in (
        SatisfactionResponse,
        AccompanimentSession,
        DxPlan,
        AccompanimentTrack,
        MatchingRequest,
        AdvisorSession,
        Diagnosis,
        SelfDiagnosisApplication,
        CompanyApplication,
        SeminarRegistration,
        Participation,
        Company,
    ):
        qs = model.objects.filter(consortium=gen.consortium)
        qs._raw_delete(qs.db)  # noqa: SLF001 - see the docstring
    from dxcommunity.tenancy.models import MemberOrganization, Membership, Region
    from programs.models import Event, Program

    # Regions and organizations are PROTECTed: what points at them goes first.
    for model in (Membership, Event, Program, MemberOrganization, Region):
        model.objects.filter(consortium=gen.consortium).delete()
    gen.consortium.delete()
    for user in gen.users:
        user.delete()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def measure_dashboard(gen: Generated, *, requests: int) -> tuple[float, float, float, int]:
    """(median ms, p95 ms, median CPU ms of this process, queries) of the program's dashboard page, logged
    in as the coordinator. SQLite runs in this process, so the CPU time includes the database's work and
    leaves out waiting for the cores other processes hold."""
    return measure_page(
        gen, reverse("dashboard:program", args=[gen.consortium.slug, gen.program.pk]), requests
    )


def measure_results(gen: Generated, *, requests: int) -> tuple[float, float, float, int]:
    """As ``measure_dashboard``, for the 実績報告書 page of the program (``results:index``)."""
    url = reverse("results:index", args=[gen.consortium.slug]) + f"?scope=program:{gen.program.pk}"
    return measure_page(gen, url, requests)


def measure_page(gen: Generated, url: str, requests: int) -> tuple[float, float, float, int]:
    """(median ms, p95 ms, median CPU ms, queries) of GET ``url`` as the coordinator (see above)."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(gen.coordinator)
    first = client.get(url)
    if first.status_code != 200:
        raise RuntimeError(f"{url} answered {first.status_code} (expected 200)")
    timings, cpu = [], []
    for _ in range(requests):
        t0, c0 = time.perf_counter(), time.process_time()
        client.get(url)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return (
        statistics.median(timings),
        _percentile(timings, 95),
        statistics.median(cpu),
        len(ctx.captured_queries),
    )


def bench_program(
    write: Callable[[str], None],
    keep: bool = False,
    *,
    n: int = 10_000,
    small: int = 100,
    report_n: int = 1_000,
    requests: int = 20,
) -> None:
    """Generate, measure, print (see the module docstring); ``write`` prints one line."""

    def line(label: str, value: str) -> None:
        write(f"{label:<46} {value}")

    tag = secrets.token_hex(3)
    made: list[Generated] = []
    with scopes_disabled():
        try:
            write(
                f"bench program: dashboard and 実績報告書 of one of {PROGRAMS} programs (3 fiscal years)"
                f" at {small} and {n:,} companies, results report .xlsx at {report_n:,}"
            )
            big = generate(n=n, tag=tag, label="big")
            made.append(big)
            counts = ", ".join(f"{k}={v:,}" for k, v in big.rows.items())
            line(f"generated ({n:,} companies)", f"{big.seconds:.1f} s")
            line("rows", counts)
            little = generate(n=small, tag=tag, label="small")
            made.append(little)
            _analyze(line)
            med_s, p95_s, cpu_s, q_small = measure_dashboard(little, requests=requests)
            med_b, p95_b, cpu_b, q_big = measure_dashboard(big, requests=requests)
            line(
                f"dashboard server time ({small} companies)",
                f"median {med_s:.1f} ms, p95 {p95_s:.1f} ms, CPU median {cpu_s:.1f} ms ({requests} GETs)",
            )
            line(
                f"dashboard server time ({n:,} companies)",
                f"median {med_b:.1f} ms, p95 {p95_b:.1f} ms, CPU median {cpu_b:.1f} ms ({requests} GETs)"
                f" ({'ok' if med_b < TIME_BUDGET_MS else 'OVER'}; target < {TIME_BUDGET_MS:.0f} ms)",
            )
            if os.getloadavg()[0] > (os.cpu_count() or 1):
                line(
                    "machine load",
                    f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times inflated)",
                )
            line(f"dashboard queries ({small} companies)", str(q_small))
            line(f"dashboard queries ({n:,} companies)", str(q_big))
            same = "equal" if q_small == q_big else "DIFFER"
            within = "within" if max(q_small, q_big) <= QUERY_BUDGET else "OVER"
            line("dashboard queries verdict", f"{same}, {within} budget ≤ {QUERY_BUDGET}")
            rs = measure_results(little, requests=requests)
            rb = measure_results(big, requests=requests)
            for size, (med, p95, cpu, _q) in ((f"{small}", rs), (f"{n:,}", rb)):
                line(
                    f"実績報告書 page server time ({size} companies)",
                    f"median {med:.1f} ms, p95 {p95:.1f} ms, CPU median {cpu:.1f} ms ({requests} GETs)"
                    f" ({'ok' if med < TIME_BUDGET_MS else 'OVER'}; target < {TIME_BUDGET_MS:.0f} ms)",
                )
            line(f"実績報告書 page queries ({small} / {n:,} companies)", f"{rs[3]} / {rb[3]}")
            same = "equal" if rs[3] == rb[3] else "DIFFER"
            within = "within" if max(rs[3], rb[3]) <= QUERY_BUDGET else "OVER"
            line("実績報告書 page queries verdict", f"{same}, {within} budget ≤ {QUERY_BUDGET}")
            _report(gen_n=report_n, tag=tag, made=made, line=line)
        finally:
            if keep:
                write("kept consortia: " + ", ".join(g.consortium.slug for g in made))
            else:
                t0 = time.perf_counter()
                for gen in made:
                    cleanup(gen)
                write(f"cleaned up ({time.perf_counter() - t0:.1f} s)")


def _analyze(line: Callable[[str, str], None]) -> None:
    """PostgreSQL only: ANALYZE after a bulk load, as autovacuum does on a live database.

    Rows bulk-loaded a moment ago have no planner statistics: the planner then takes a new program's id
    for a rare value and picks plans that are quadratic in the companies (measured: dashboard 13.5 s,
    results report > 60 s at these sizes, instead of about 0.3 s and 1 s).
    """
    if connection.vendor != "postgresql":
        return
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    line("PostgreSQL ANALYZE (as autovacuum would)", f"{time.perf_counter() - t0:.1f} s")


def _report(*, gen_n: int, tag: str, made: list[Generated], line: Callable[[str, str], None]) -> None:
    from reports.results.report import results_report_xlsx

    gen = generate(n=gen_n, tag=tag, label="report")
    made.append(gen)
    _analyze(line)
    with scope(consortium=gen.consortium):
        t0 = time.perf_counter()
        data = results_report_xlsx(consortium=gen.consortium, program=gen.program)
        seconds = time.perf_counter() - t0
    verdict = "ok" if seconds < REPORT_BUDGET_S else "OVER"
    line(
        f"results report .xlsx ({gen_n:,} companies)",
        f"{seconds:.2f} s, {len(data) / 1024:.0f} KiB ({verdict}; target < {REPORT_BUDGET_S:.0f} s)",
    )
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(data), read_only=True)
    line("results report sheets (openpyxl read-back)", ", ".join(wb.sheetnames))
