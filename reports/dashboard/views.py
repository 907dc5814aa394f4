"""The coordinator's dashboard per program (事業ごとのダッシュボード): funnel, breakdowns by region /
industry / referring organization, sessions held vs planned, satisfaction (満足度), seminar attendance.

Coordinators see every company; regional coordinators (地域まとめ) their region. Other roles: 403 (a
coordinator-only page, as ``accompaniment:alerts``); other tenants: 404 (middleware); a program of another
consortium: 404. The page takes a fixed number of queries whatever the number of companies
(``reports.dashboard.metrics``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from rules import test_rule

from dxcommunity.access import companies_visible_to
from dxcommunity.access.rules import acts_as_regional_coordinator
from dxcommunity.tenancy.models import Membership
from programs.models import Program, fiscal_year_label
from reports.dashboard import metrics


def _require_coordinator(request: HttpRequest) -> Membership:
    membership: Membership = request.membership
    if not test_rule("reports.view_dashboard", membership):
        raise PermissionDenied
    return membership


def _programs(request: HttpRequest) -> list[Program]:
    return list(Program.objects.filter(consortium=request.consortium).order_by("-fiscal_year", "name"))


@require_safe
def index(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """The dashboard of the current program (latest fiscal year); a page saying so when there is none."""
    _require_coordinator(request)
    programs = _programs(request)
    if programs:
        return redirect("dashboard:program", consortium_slug, programs[0].pk)
    return render(request, "reports/dashboard.html", {"all_programs": [], "metrics": None})


@require_safe
def program(request: HttpRequest, consortium_slug: str, program_pk: int) -> HttpResponse:
    """One program's dashboard."""
    membership = _require_coordinator(request)
    programs = _programs(request)
    selected = next((p for p in programs if p.pk == program_pk), None)
    if selected is None:
        raise Http404("No such program.")
    return _render(request, membership, programs, [selected], title=selected.name, current=selected)


@require_safe
def fiscal_year(request: HttpRequest, consortium_slug: str, fiscal_year: int) -> HttpResponse:
    """The programs of one fiscal year together (令和N年度)."""
    membership = _require_coordinator(request)
    programs = _programs(request)
    selected = [p for p in programs if p.fiscal_year == fiscal_year]
    if not selected:
        raise Http404("No program in this fiscal year.")
    return _render(
        request, membership, programs, selected, title=fiscal_year_label(fiscal_year), current_fy=fiscal_year
    )


def _render(request, membership, programs, selected, *, title, current=None, current_fy=None) -> HttpResponse:
    region_ids = [membership.region_id] if acts_as_regional_coordinator(membership) else None
    m = metrics.program_metrics(
        programs=selected, companies=companies_visible_to(membership=membership), region_ids=region_ids
    )
    fiscal_years = sorted({p.fiscal_year for p in programs}, reverse=True)
    context = {
        "title": title,
        "metrics": m,
        "stages": metrics.STAGES,
        "all_programs": programs,
        "fiscal_years": [(fy, fiscal_year_label(fy)) for fy in fiscal_years],
        "current": current,
        "current_fy": current_fy,
        "region_name": membership.region.name if region_ids and membership.region_id else "",
        "breakdowns": [
            ("region", _("地域別"), m.by_region),
            ("industry", _("業種別"), m.by_industry),
            ("referrer", _("推薦機関別"), m.by_referrer),
        ],
    }
    return render(request, "reports/dashboard.html", context)
