"""``python manage.py bench track``: measure the PDFs and the track page (called by the ``bench`` command).

Prints, as a table:

- the DX推進計画書 PDF of the finished demo company (かすみ精密工業株式会社; ``load_demo`` runs first when it
  is missing): render time of a cold and a warm render (fonts loaded) and the page count (WeasyPrint's
  document pages), against the target < 3 s;
- the progress report PDF of the same company: render time;
- the track page's query count (``accompaniment:track``, Django test client, logged in as the ITC leader)
  in a throwaway consortium with 10 sessions and 5 homework items, then 50 (budget ≤ 20, and the same).

Wall time depends on the machine's load (other processes share the cores); CPU time of this process is
printed beside it. Numbers are measurements on this machine, not assertions; the test only checks that
the lines print.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from programs.models import Participation

DEMO_COMPANY = "かすみ精密工業株式会社"
PLAN_TARGET_S = 3.0
TRACK_QUERY_BUDGET = 20


def _demo_company(*, load: bool, write: Callable[[str], None]) -> Any:
    from dxcommunity.tenancy.models import Company

    with scopes_disabled():
        company = Company.objects.select_related("consortium").filter(name=DEMO_COMPANY).first()
        if company is None and load:
            write("demo company missing: running load_demo …")
            call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - quiet
            company = Company.objects.select_related("consortium").filter(name=DEMO_COMPANY).first()
    return company


def _render_timed(*, kind: str, company: Any) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds of this process, pages, bytes) of one render."""
    from reports.documents.rendering import kind_render_pages

    with scope(consortium=company.consortium):
        t0, c0 = time.perf_counter(), time.process_time()
        pdf, pages = kind_render_pages(kind=kind, company=company)
        return time.perf_counter() - t0, time.process_time() - c0, pages, len(pdf)


def _track_queries(*, homework: int, tag: str) -> int:
    """The track page's query count for a fresh track with 10 sessions (all held, 3 attendees each) and
    ``homework`` items spread over them, in a throwaway consortium (deleted afterwards)."""
    from accompaniment.models import (
        STANDARD_SESSION_THEMES,
        AccompanimentSession,
        AccompanimentTrack,
        Attendance,
        DxPlan,
        Homework,
    )
    from dxcommunity.tenancy.models import Company, Consortium, Membership, Region
    from programs.models import Program

    user_model = get_user_model()
    with scopes_disabled():
        consortium = Consortium.objects.create(
            name=f"ベンチマーク {tag}-{homework}", slug=f"bench-{tag}-{homework}"
        )
        itc = user_model.objects.create_user(
            username=f"bench-itc-{tag}-{homework}", email=f"bench-itc-{tag}-{homework}@example.invalid"
        )
        try:
            region = Region.objects.create(consortium=consortium, name="ベンチ県", key="bench")
            program = Program.objects.create(consortium=consortium, name="ベンチ事業", fiscal_year=2022)
            company = Company.objects.create(consortium=consortium, name="ベンチ工業株式会社", region=region)
            Participation.objects.create(
                consortium=consortium,
                company=company,
                program=program,
                stage=Participation.Stage.ACCOMPANIMENT,
            )
            Membership.objects.create(
                consortium=consortium, user=itc, role=Membership.Role.ITC, region=region
            )
            track = AccompanimentTrack.objects.create(
                consortium=consortium, company=company, program=program, leader=itc
            )
            DxPlan.objects.create(consortium=consortium, company=company)
            start = dt.date(2022, 9, 12)
            sessions = AccompanimentSession.objects.bulk_create(
                [
                    AccompanimentSession(
                        consortium=consortium,
                        track=track,
                        number=i + 1,
                        theme=theme,
                        status=AccompanimentSession.Status.HELD,
                        date=start + dt.timedelta(days=14 * i),
                    )
                    for i, theme in enumerate(STANDARD_SESSION_THEMES)
                ]
            )
            Attendance.objects.bulk_create(
                [
                    Attendance(consortium=consortium, session=s, role=role, name=name)
                    for s in sessions
                    for role, name in (
                        (Attendance.Role.ITC_LEADER, "伴走 一郎"),
                        (Attendance.Role.COMPANY_EXECUTIVE, "経営 太郎"),
                        (Attendance.Role.COMPANY_STAFF, "担当 花子"),
                    )
                ]
            )
            Homework.objects.bulk_create(
                [
                    Homework(
                        consortium=consortium,
                        session=sessions[i % len(sessions)],
                        title=f"宿題 {i + 1}",
                        owner_name="担当 花子",
                        due_date=start + dt.timedelta(days=7 + i),
                        done=i % 3 == 0,
                    )
                    for i in range(homework)
                ]
            )
            client = Client(HTTP_HOST="localhost")
            client.force_login(itc)
            url = reverse("accompaniment:track", args=[consortium.slug, company.pk])
            response = client.get(url)  # warm (session, caches)
            if response.status_code != 200:
                raise RuntimeError(f"track page answered {response.status_code}")
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            return len(ctx.captured_queries)
        finally:
            Company.objects.filter(consortium=consortium).delete()
            Membership.objects.filter(consortium=consortium).delete()
            Program.objects.filter(consortium=consortium).delete()
            Region.objects.filter(consortium=consortium).delete()
            consortium.delete()
            itc.delete()


def bench_track(*, write: Callable[[str], None], load_demo: bool = True) -> dict[str, Any]:
    """Run the measurements, ``write`` each table line; returns the numbers
    {"plan_s", "plan_warm_s", "plan_pages", "report_s", "queries": {5: int, 50: int}} (None when the demo
    company is missing and not loaded)."""
    from reports.models import GeneratedDocument

    def line(label: str, value: str) -> None:
        write(f"{label:<46} {value}")

    out: dict[str, Any] = {"plan_s": None, "plan_warm_s": None, "plan_pages": None, "report_s": None}
    write(f"{'measure':<46} value")
    write("-" * 72)
    company = _demo_company(load=load_demo, write=write)
    if company is None:
        line("DX推進計画書 PDF", f"no demo company {DEMO_COMPANY} (run load_demo)")
    else:
        cold, cold_cpu, pages, size = _render_timed(kind=GeneratedDocument.Kind.DX_PLAN, company=company)
        warm, warm_cpu, _pages, _size = _render_timed(kind=GeneratedDocument.Kind.DX_PLAN, company=company)
        verdict = "ok" if warm < PLAN_TARGET_S else "SLOW"
        line(f"DX推進計画書 PDF ({company.name})", f"{pages} pages, {size / 1024:.0f} KiB")
        line("  render, first in process (cold)", f"{cold:.2f} s wall, {cold_cpu:.2f} s CPU")
        line(
            "  render, again (warm)",
            f"{warm:.2f} s wall, {warm_cpu:.2f} s CPU ({verdict}; target < {PLAN_TARGET_S:.0f} s wall)",
        )
        report, report_cpu, rpages, _rsize = _render_timed(
            kind=GeneratedDocument.Kind.PROGRESS_REPORT, company=company
        )
        line("進捗レポート PDF render", f"{report:.2f} s wall, {report_cpu:.2f} s CPU ({rpages} pages)")
        out.update(plan_s=cold, plan_warm_s=warm, plan_pages=pages, report_s=report)
    tag = secrets.token_hex(3)
    queries = {n: _track_queries(homework=n, tag=tag) for n in (5, 50)}
    same = "same" if queries[5] == queries[50] else "DIFFERS"
    within = "ok" if max(queries.values()) <= TRACK_QUERY_BUDGET else "OVER BUDGET"
    line("track page queries (10 sessions, 5 homework)", str(queries[5]))
    line(
        "track page queries (10 sessions, 50 homework)",
        f"{queries[50]} ({same}; {within}, budget ≤ {TRACK_QUERY_BUDGET})",
    )
    out["queries"] = queries
    return out
