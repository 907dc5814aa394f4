"""Views of the DX推進計画書: read, edit (sections, KPIs, roadmap), versions, compare, approve.

Thin: parse the request, call one selector or service, render. Not visible → 404 (selectors);
visible but not allowed to change → 403 (PermissionDenied).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from programs.consent import access_log_record
from programs.models import AccessLog

from . import selectors, services
from .forms import PlanForm
from .views import _apply_errors


def _plan_or_404(request: HttpRequest, company_pk: int):
    from django.http import Http404

    company = selectors.company_get_for_plan(membership=request.membership, company_pk=company_pk)
    plan = selectors.plan_for_company(company=company)
    if plan is None:
        raise Http404("No plan: the company is not enrolled.")
    return company, plan


def plan(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """The DX推進計画書: sections, completeness, approval and the PDF section."""
    from reports.models import GeneratedDocument
    from reports.selectors import documents_for_company

    company, dx_plan = _plan_or_404(request, company_pk)
    access_log_record(
        membership=request.membership,
        company=company,
        subject=AccessLog.Subject.PLAN,
        object_id=dx_plan.pk,
        path=request.path,
    )
    return render(
        request,
        "accompaniment/plan.html",
        {
            "company": company,
            "plan": dx_plan,
            "sections": dx_plan.section_list(),
            "can_edit": request.user.has_perm("accompaniment.edit_plan", company),
            "can_approve": request.user.has_perm("accompaniment.approve_plan", company),
            "documents": documents_for_company(company=company, kind=GeneratedDocument.Kind.DX_PLAN),
            "document_kind": GeneratedDocument.Kind.DX_PLAN,
        },
    )


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """Edit the plan's sections: one textarea per DxPlan field (button 「保存」)."""
    company, dx_plan = _plan_or_404(request, company_pk)
    if not request.user.has_perm("accompaniment.edit_plan", company):
        raise PermissionDenied
    form = PlanForm(request.POST or None, plan=dx_plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(plan=dx_plan, user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("DX推進計画書を保存しました。"))
            return redirect("accompaniment:plan", consortium_slug, company.pk)
    sections = {name: number for name, number in dx_plan.SECTIONS}
    fields = [(form[name], sections[name]) for name in form.fields]
    return render(
        request,
        "accompaniment/plan_edit.html",
        {"company": company, "plan": dx_plan, "form": form, "fields": fields},
    )


@require_POST
def plan_approve(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """The company approves its plan (POST)."""
    company, dx_plan = _plan_or_404(request, company_pk)
    if not request.user.has_perm("accompaniment.approve_plan", company):
        raise PermissionDenied
    try:
        services.plan_approve(plan=dx_plan, user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("DX推進計画書を承認しました。"))
    return redirect("accompaniment:plan", consortium_slug, company.pk)
