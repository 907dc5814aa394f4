"""``python manage.py bench history``: the company's history page (``companies:history``) over the years.

In a throwaway consortium (created here, deleted at the end unless ``keep``) one company takes part in
``years`` programs (default 5, FY2019 on, each continuing the previous one); every year it has a seminar
registration, an application, a submitted diagnosis (35 answers), its DX診断アドバイス, a track of 10 held
sessions whose logs name two DX推進指標 items each, a DX plan, a matching request with a contract and a
満足度 answer. Prints, for a coordinator with a real TOTP authenticator (the MFA middleware requires it):

- the page's query count (``CaptureQueriesContext``): all, and those of the page once the overhead every
  tenant page shares is taken off (``command._shared_queries``), against the budget ≤ 20; the same count
  with 2 years (the least with a re-diagnosis to compare: it must not grow with the years);
- the server time over ``requests`` GETs (median, p95 in ms, Django test client).

Small and fast (a few hundred rows). Numbers are measurements on this machine, not assertions; the test
only checks that the lines print.
"""

from __future__ import annotations

import datetime as dt
import secrets
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

HISTORY_QUERY_BUDGET = 20  # the page's own queries, whatever the number of years


def _generate(*, years: int, tag: str) -> dict[str, Any]:
    """The throwaway consortium ``bench-history-<tag>`` with one company in ``years`` programs (see the
    module docstring); returns {"consortium", "company", "coordinator", "users"}."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accompaniment.models import (
        STANDARD_SESSION_THEMES,
        AccompanimentSession,
        AccompanimentTrack,
        DxPlan,
        SatisfactionResponse,
        SessionLog,
    )
    from diagnosis.models import AdvisorSession, Diagnosis, DiagnosisAnswer, IndexItem
    from dxcommunity.bench.program import _edition
    from dxcommunity.tenancy.models import Company, Consortium, MemberOrganization, Membership, Region
    from matching.models import MatchingRequest
    from programs.models import CompanyApplication, Event, Participation, Program, SeminarRegistration

    user_model = get_user_model()
    edition = _edition()
    items = list(IndexItem.objects.filter(edition=edition).order_by("order"))
    consortium = Consortium.objects.create(name=f"ベンチマーク履歴 {tag}", slug=f"bench-history-{tag}")
    region = Region.objects.create(consortium=consortium, name="ベンチ県", key="bench")
    bank = MemberOrganization.objects.create(
        consortium=consortium, name="ベンチ銀行", kind=MemberOrganization.Kind.BANK, region=region
    )
    vendor = MemberOrganization.objects.create(
        consortium=consortium,
        name="ベンチ情報システム",
        kind=MemberOrganization.Kind.IT_VENDOR,
        region=region,
    )
    company = Company.objects.create(
        consortium=consortium, name="ベンチ精密工業株式会社", region=region, main_bank=bank
    )
    coordinator = user_model.objects.create_user(
        username=f"bench-history-{tag}", email=f"bench-history-{tag}@example.invalid", password=None
    )
    itc = user_model.objects.create_user(
        username=f"bench-history-itc-{tag}", email=f"bench-history-itc-{tag}@example.invalid", password=None
    )
    Membership.objects.create(consortium=consortium, user=coordinator, role=Membership.Role.COORDINATOR)
    Membership.objects.create(consortium=consortium, user=itc, role=Membership.Role.ITC, region=region)
    TOTP.activate(coordinator, generate_totp_secret())
    previous = None
    for i in range(years):
        fy = 2019 + i
        day = dt.date(fy, 7, 1)
        program = Program.objects.create(consortium=consortium, name=f"ベンチ事業 {fy}", fiscal_year=fy)
        participation = Participation.objects.create(
            consortium=consortium,
            company=company,
            program=program,
            previous=previous,
            stage=Participation.Stage.MATCHING,
        )
        previous = participation
        event = Event.objects.create(
            consortium=consortium,
            program=program,
            kind=Event.Kind.AWARENESS_SEMINAR,
            title=f"DX気づきセミナー {fy}",
            starts_at=timezone.make_aware(dt.datetime(fy, 7, 15, 14)),
        )
        SeminarRegistration.objects.create(
            consortium=consortium,
            event=event,
            company=company,
            name="精密 太郎",
            email=f"{fy}-{tag}@example.invalid",
        )
        CompanyApplication.objects.create(
            consortium=consortium,
            program=program,
            company=company,
            company_name=company.name,
            applicant_name="精密 太郎",
            email=f"apply-{fy}-{tag}@example.invalid",
            region=region,
        )
        diagnosis = Diagnosis.objects.create(
            consortium=consortium,
            company=company,
            participation=participation,
            edition=edition,
            status=Diagnosis.Status.SUBMITTED,
            submitted_at=timezone.make_aware(dt.datetime(fy, 8, 10, 10)),
        )
        DiagnosisAnswer.objects.bulk_create(
            [
                DiagnosisAnswer(
                    consortium=consortium,
                    diagnosis=diagnosis,
                    item=item,
                    current=min(5, (n + i) % 4 + i // 2),
                    target=5,
                )
                for n, item in enumerate(items)
            ]
        )
        AdvisorSession.objects.create(
            consortium=consortium,
            diagnosis=diagnosis,
            company=company,
            advisor=itc,
            held_on=dt.date(fy, 8, 20),
            mode=Diagnosis.AdviceMode.ONLINE,
        )
        track = AccompanimentTrack.objects.create(
            consortium=consortium,
            participation=participation,
            company=company,
            program=program,
            leader=itc,
            bank=bank,
        )
        sessions = AccompanimentSession.objects.bulk_create(
            [
                AccompanimentSession(
                    consortium=consortium,
                    track=track,
                    number=n + 1,
                    theme=theme,
                    status=AccompanimentSession.Status.HELD,
                    date=day + dt.timedelta(days=60 + 14 * n),
                )
                for n, theme in enumerate(STANDARD_SESSION_THEMES)
            ]
        )
        logs = SessionLog.objects.bulk_create(
            [SessionLog(consortium=consortium, session=s, author=itc) for s in sessions]
        )
        SessionLog.items.through.objects.bulk_create(
            [
                SessionLog.items.through(
                    sessionlog_id=log.pk, indexitem_id=items[(n * 3 + k) % len(items)].pk
                )
                for n, log in enumerate(logs)
                for k in (0, 1)
            ]
        )
        DxPlan.objects.create(
            consortium=consortium, participation=participation, company=company, status=DxPlan.Status.APPROVED
        )
        request = MatchingRequest.objects.create(
            consortium=consortium,
            company=company,
            program=program,
            title=f"在庫管理 {fy}",
            category="core_business",
            status=MatchingRequest.Status.CONTRACT,
            contract_amount=1_000_000,
        )
        request.vendors.set([vendor])
        SatisfactionResponse.objects.create(
            consortium=consortium,
            kind=SatisfactionResponse.Kind.SESSION,
            program=program,
            company=company,
            session=sessions[0],
            satisfaction=5,
        )
    return {
        "consortium": consortium,
        "company": company,
        "coordinator": coordinator,
        "users": [coordinator, itc],
    }


def _delete(world: dict[str, Any]) -> None:
    """Delete the throwaway consortium and its users (companies first; programs are PROTECTed)."""
    from dxcommunity.tenancy.models import Company, MemberOrganization, Membership, Region
    from programs.models import Participation, Program

    consortium = world["consortium"]
    Company.objects.filter(consortium=consortium).delete()  # diagnoses, tracks, plans, requests, …
    Participation.objects.filter(consortium=consortium).delete()
    Program.objects.filter(consortium=consortium).delete()
    Membership.objects.filter(consortium=consortium).delete()
    MemberOrganization.objects.filter(consortium=consortium).delete()
    Region.objects.filter(consortium=consortium).delete()
    consortium.delete()
    for user in world["users"]:
        user.delete()


def _measure(world: dict[str, Any], *, requests: int) -> tuple[int, int, list[float]]:
    """(all queries, the page's own queries, [ms per GET]) of the history page as the coordinator."""
    from dxcommunity.bench.command import _shared_queries

    client = Client(HTTP_HOST="localhost")
    client.force_login(world["coordinator"])
    url = reverse("companies:history", args=[world["consortium"].slug, world["company"].pk])
    first = client.get(url)
    if first.status_code != 200:
        raise RuntimeError(f"history page answered {first.status_code} (expected 200)")
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    # Read now: the next request's end empties the connection's query log (``reset_queries``).
    queries = len(ctx.captured_queries)
    own = queries - _shared_queries(ctx.captured_queries)
    timings = []
    for _ in range(requests):
        t0 = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - t0) * 1000)
    return queries, own, timings


def bench_history(
    *, write: Callable[[str], None], years: int = 5, requests: int = 10, keep: bool = False
) -> dict:
    """Run the measurements and ``write`` each line; returns {"queries": {years: (all, own)}, "median_ms",
    "p95_ms"}. Raises ValueError for ``years`` < 2 (nothing to compare)."""
    from dxcommunity.bench.command import _percentile

    if years < 2:
        raise ValueError("bench history: years must be at least 2")

    def line(label: str, value: str) -> None:
        write(f"{label:<46} {value}")

    tag = secrets.token_hex(3)
    out: dict[str, Any] = {"queries": {}}
    with scopes_disabled():
        worlds = []
        try:
            for n in sorted({2, years}):
                t0 = time.perf_counter()
                world = _generate(years=n, tag=f"{tag}-{n}")
                worlds.append(world)
                created = time.perf_counter() - t0
                total, own, timings = _measure(world, requests=requests if n == years else 1)
                out["queries"][n] = (total, own)
                if n == years:
                    out["median_ms"], out["p95_ms"] = statistics.median(timings), _percentile(timings, 95)
                    write(f"bench history: one company in {n} programs (generated in {created:.2f} s)")
                    verdict = "ok" if own <= HISTORY_QUERY_BUDGET else "OVER BUDGET"
                    line(
                        f"history page queries ({n} participations)",
                        f"{total} per request = {own} of the page"
                        f" ({verdict}, budget ≤ {HISTORY_QUERY_BUDGET})"
                        f" + {total - own} shared by every tenant page",
                    )
                    line(
                        f"history page server time ({requests} GETs)",
                        f"median {out['median_ms']:.1f} ms, p95 {out['p95_ms']:.1f} ms",
                    )
            if years != 2:
                same = "constant" if out["queries"][2] == out["queries"][years] else "DIFFERS"
                line(
                    "history page queries (2 participations)", f"{out['queries'][2][0]} per request ({same})"
                )
        finally:
            if keep:
                write("kept consortia " + ", ".join(w["consortium"].slug for w in worlds))
            else:
                for world in worlds:
                    _delete(world)
                write("cleaned up")
    return out
