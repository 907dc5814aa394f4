"""Views of the DX推進計画書: read, edit (sections, KPIs, roadmap), versions, compare, approve.

Thin: parse the request, call one selector or service, render. Not visible → 404 (selectors);
visible but not allowed to change → 403 (PermissionDenied).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accompaniment import selectors
from accompaniment.forms import PlanForm
from accompaniment.plan import services as services_plan
from accompaniment.plan.forms import (
    KPI_FIELDS,
    ROADMAP_FIELDS,
    kpi_rows_initial,
    kpi_rows_parse,
    roadmap_rows_initial,
    roadmap_rows_parse,
    with_blank_rows,
)
from dxcommunity import registry
from dxcommunity.concurrency import EditConflict
from dxcommunity.consent.models import AccessLog
from dxcommunity.consent.services import access_log_record
from dxcommunity.edit_conflict import ConflictRow, edit_conflict_context
from dxcommunity.ui.forms import form_add_service_error
from programs.participations.selectors import program_from_request


def _plan_or_404(request: HttpRequest, company_pk: int):
    company = selectors.company_get_for_plan(
        membership=request.membership, company_pk=company_pk, user=request.user
    )
    plan = selectors.plan_for_company(company=company, program=program_from_request(request))
    if plan is None:
        raise Http404("No plan: the company is not enrolled.")
    return company, plan


def plan(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """The DX推進計画書: sections (with the session that produces each), KPIs, roadmap, completeness gauge,
    versions link, approval and the PDF section."""
    from accompaniment.plan.roadmap import roadmap_svg

    company, dx_plan = _plan_or_404(request, company_pk)
    access_log_record(
        membership=request.membership,
        company=company,
        subject=AccessLog.Subject.PLAN,
        object_id=dx_plan.pk,
        path=request.path,
    )
    kpis = list(dx_plan.kpis.order_by("order", "id"))
    roadmap = list(dx_plan.roadmap_items.order_by("order", "start_month", "id"))
    versions = services_plan.plan_versions(plan=dx_plan)
    return render(
        request,
        "accompaniment/plan.html",
        {
            "company": company,
            "plan": dx_plan,
            "sections": dx_plan.section_list(),
            "kpis": kpis,
            "roadmap": roadmap,
            "roadmap_svg": roadmap_svg(items=roadmap),
            "gauge": selectors.plan_completeness(
                plan=dx_plan, kpi_count=len(kpis), roadmap_count=len(roadmap)
            ),
            "latest_version": versions[0] if versions else None,
            "approved_version": next((v for v in versions if v.is_approved), None),
            "can_edit": request.user.has_perm("accompaniment.edit_plan", company),
            "can_approve": request.user.has_perm("accompaniment.approve_plan", company),
            "documents": registry.ask_one(
                "documents.for_company", company=company, kind="dx_plan", default=[]
            ),
            "document_kind": "dx_plan",
        },
    )


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """Edit sections (one textarea per DxPlan field), KPI rows and roadmap rows (see ``forms_plan``);
    button 「保存」. Every save that changes something records a new version."""
    company, dx_plan = _plan_or_404(request, company_pk)
    if not request.user.has_perm("accompaniment.edit_plan", company):
        raise PermissionDenied
    form = PlanForm(request.POST or None, plan=dx_plan)
    conflict: dict = {}
    if request.method == "POST":
        kpi_rows, kpis, kpis_ok = kpi_rows_parse(request.POST)
        roadmap_rows, roadmap, roadmap_ok = roadmap_rows_parse(request.POST)
        if form.is_valid() and kpis_ok and roadmap_ok:
            try:
                version = services_plan.plan_save(
                    plan=dx_plan,
                    user=request.user,
                    sections=form.cleaned_data,
                    kpis=kpis,
                    roadmap=roadmap,
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                form_add_service_error(form, exc)
            except EditConflict as exc:
                conflict = _plan_conflict(request, form, exc, kpis=kpis, roadmap=roadmap)
            else:
                if version is None:
                    messages.info(request, _("変更はありません。"))
                else:
                    messages.success(
                        request, _("DX推進計画書を保存しました（第%(n)s版）。") % {"n": version.number}
                    )
                return redirect("plan:detail", consortium_slug, company.pk)
        elif not (kpis_ok and roadmap_ok):
            form.is_valid()
            form.add_error(None, _("目標値またはロードマップの入力に誤りがあります。"))
    else:
        kpis0, roadmap0 = services_plan.plan_rows(plan=dx_plan)
        kpi_rows, roadmap_rows = kpi_rows_initial(kpis0), roadmap_rows_initial(roadmap0)
    sections = dict(dx_plan.SECTIONS)
    fields = [(form[name], sections[name]) for name in form.fields if name in sections]
    return render(
        request,
        "accompaniment/plan_edit.html",
        {
            "company": company,
            "plan": dx_plan,
            "form": form,
            "fields": fields,
            "kpi_rows": with_blank_rows(kpi_rows, KPI_FIELDS),
            "roadmap_rows": with_blank_rows(roadmap_rows, ROADMAP_FIELDS),
            **conflict,
        },
        status=409 if conflict else 200,
    )


def _plan_conflict(request: HttpRequest, form: PlanForm, exc: EditConflict, *, kpis, roadmap) -> dict:
    """The conflict context of the plan form: sections field by field, then the KPI and roadmap rows."""
    stored = exc.current
    stored_kpis, stored_roadmap = services_plan.plan_rows(plan=stored)
    theirs = services_plan.plan_rows_text(kpis=stored_kpis, roadmap=stored_roadmap)
    mine = services_plan.plan_rows_text(kpis=kpis, roadmap=roadmap)
    return edit_conflict_context(
        form=form,
        conflict=exc,
        reload_url=reverse("plan:edit", args=[request.consortium.slug, stored.company_id]),
        extra_rows=[
            ConflictRow(label=_("目標値（KPI）一覧"), theirs=theirs["kpis"], mine=mine["kpis"]),
            ConflictRow(label=_("ロードマップ"), theirs=theirs["roadmap"], mine=mine["roadmap"]),
        ],
    )


def plan_versions(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """The plan's versions (number, saved by, when, approved mark) with a form to compare two."""
    company, dx_plan = _plan_or_404(request, company_pk)
    versions = services_plan.plan_versions(plan=dx_plan)
    return render(
        request,
        "accompaniment/plan_versions.html",
        {"company": company, "plan": dx_plan, "versions": versions},
    )


def plan_compare(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """Two versions side by side (``?a=N&b=M``, version numbers; default: the latest against the one
    before): per section, changed ones highlighted with a line diff. A given but unknown number → 404;
    no versions yet → the page says so."""
    company, dx_plan = _plan_or_404(request, company_pk)
    numbers = list(dx_plan.versions.order_by("-number").values_list("number", flat=True)[:2])
    try:
        b_number = int(request.GET["b"]) if "b" in request.GET else (numbers[0] if numbers else 0)
        a_number = int(request.GET["a"]) if "a" in request.GET else (numbers[-1] if numbers else 0)
    except ValueError:
        raise Http404("Version numbers are whole numbers.") from None
    found = {
        v.number: v
        for v in dx_plan.versions.filter(number__in=[a_number, b_number]).select_related("saved_by")
    }
    context = {"company": company, "plan": dx_plan, "a": None, "b": None, "rows": []}
    if numbers:
        if a_number not in found or b_number not in found:
            raise Http404("No such version.")
        a, b = found[a_number], found[b_number]
        context |= {"a": a, "b": b, "rows": services_plan.plan_versions_compare(a=a.content, b=b.content)}
    return render(request, "accompaniment/plan_compare.html", context)


@require_POST
def plan_approve(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """The company approves the latest version of its plan (POST, button 「計画書を承認」)."""
    company, dx_plan = _plan_or_404(request, company_pk)
    if not request.user.has_perm("accompaniment.approve_plan", company):
        raise PermissionDenied
    try:
        version = services_plan.plan_approve(plan=dx_plan, user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("DX推進計画書（第%(n)s版）を承認しました。") % {"n": version.number})
    return redirect("plan:detail", consortium_slug, company.pk)
