"""Views of diagnosis results and the advisor session (DX診断アドバイス): thin; parse, call, render.

Lookups go through ``diagnosis_get_visible`` (404 for missing / other tenant / not visible alike);
visible but not allowed → 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from programs.consent import access_log_record
from programs.models import AccessLog

from .forms import AdviceForm, AdvisorAssignForm
from .models import AdvisorSession, Diagnosis
from .selectors import diagnosis_get_visible, diagnosis_results
from .services import advisor_session_record, diagnosis_assign_advisor

CHART_ROW = 18  # px per item in the result chart
CHART_LABEL = 46  # px for the item code column
CHART_WIDTH = 560  # px of the whole chart (viewBox; it scales to the screen)


def _chart(rows: list[dict[str, Any]], max_level: int = 5) -> dict[str, Any]:
    """Geometry of the inline SVG bar chart: per item a current bar and a target bar (px, viewBox units)."""
    plot = CHART_WIDTH - CHART_LABEL - 10
    unit = plot / max_level
    bars = []
    for i, r in enumerate(rows):
        y = i * CHART_ROW + 24
        bars.append(
            {
                "code": r["code"],
                "title": r["title"],
                "y": y,
                "text_y": y + 11,
                "current_w": round((r["current"] or 0) * unit, 1),
                "target_w": round((r["target"] or 0) * unit, 1),
                "current": r["current"],
                "target": r["target"],
                "target_y": y + 8,
            }
        )
    ticks = [{"x": round(CHART_LABEL + level * unit, 1), "level": level} for level in range(max_level + 1)]
    return {
        "width": CHART_WIDTH,
        "height": len(rows) * CHART_ROW + 30,
        "label_w": CHART_LABEL,
        "bars": bars,
        "ticks": ticks,
        "bottom": len(rows) * CHART_ROW + 24,
    }


@require_http_methods(["GET", "POST"])
def diagnosis_result(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Results: means (全35項目 / 経営視点 / IT視点), item table, top / worst 3, 先行企業, advice.

    POST ``advisor`` (coordinator): assign the DX診断アドバイザー (button 「アドバイザーを割り当て」).
    A bank or vendor user's view is written to the company's access log.
    """
    membership = request.membership  # type: ignore[attr-defined]
    diagnosis = diagnosis_get_visible(membership=membership, pk=pk)
    can_assign = request.user.has_perm("diagnosis.assign_advisor", diagnosis)
    assign_form = AdvisorAssignForm(consortium=request.consortium, initial={"advisor": diagnosis.advisor_id})  # type: ignore[attr-defined]
    if request.method == "POST":
        if not can_assign:
            raise PermissionDenied
        assign_form = AdvisorAssignForm(request.POST, consortium=request.consortium)  # type: ignore[attr-defined]
        if assign_form.is_valid():
            try:
                diagnosis_assign_advisor(
                    diagnosis=diagnosis, advisor=assign_form.cleaned_data["advisor"], user=request.user
                )
            except ValidationError as error:
                for message in error.message_dict.get("advisor", error.messages):
                    assign_form.add_error("advisor", message)
            else:
                messages.success(request, _("DX診断アドバイザーを割り当てました。"))
                return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
    else:
        access_log_record(
            membership=membership,
            company=diagnosis.company,
            subject=AccessLog.Subject.DIAGNOSIS,
            object_id=diagnosis.pk,
            path=request.path,
        )
    results = diagnosis_results(diagnosis=diagnosis)
    context = {
        "diagnosis": diagnosis,
        "company": diagnosis.company,
        "results": results,
        "chart": _chart(results["rows"]),
        "can_fill": request.user.has_perm("diagnosis.fill_diagnosis", diagnosis),
        "can_advise": diagnosis.is_locked and request.user.has_perm("diagnosis.record_advice", diagnosis),
        "can_assign": can_assign,
        "assign_form": assign_form if can_assign else None,
    }
    return render(request, "diagnosis/result.html", context)


@require_http_methods(["GET", "POST"])
def diagnosis_advice(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """DX診断アドバイス form (assigned advisor or coordinator) for a submitted diagnosis; pk = diagnosis."""
    diagnosis = diagnosis_get_visible(membership=request.membership, pk=pk)  # type: ignore[attr-defined]
    if not request.user.has_perm("diagnosis.record_advice", diagnosis):
        raise PermissionDenied
    session = AdvisorSession.objects.filter(diagnosis=diagnosis).first()
    if not diagnosis.is_locked:
        messages.warning(request, _("自己診断の提出後にアドバイスを記録できます。"))
        return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
    if request.method == "POST":
        form = AdviceForm(request.POST)
        if form.is_valid():
            try:
                advisor_session_record(diagnosis=diagnosis, advisor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("DX診断アドバイスを保存しました。"))
                return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
    else:
        initial: dict[str, Any] = {"mode": diagnosis.advice_mode or Diagnosis.AdviceMode.IN_PERSON}
        if session is not None:
            initial = {f: getattr(session, f) for f in ("held_on", "mode", "notes", "advice")}
        form = AdviceForm(initial=initial)
    context = {"diagnosis": diagnosis, "company": diagnosis.company, "form": form, "session": session}
    return render(request, "diagnosis/advice.html", context)
