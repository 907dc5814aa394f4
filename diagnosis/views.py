"""Views of diagnosis: thin; each parses the request, calls one selector or service, renders.

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
from django.views.decorators.http import require_http_methods, require_POST

from programs.consent import access_log_record
from programs.models import AccessLog
from programs.selectors import company_get_visible

from .forms import AdviceForm, AdvisorAssignForm, DiagnosisForm
from .models import AdvisorSession, Diagnosis, DiagnosisAnswer, IndexEdition, IndexItem
from .selectors import (
    diagnoses_visible_to,
    diagnosis_get_visible,
    diagnosis_results,
    index_tree,
    maturity_levels,
)
from .services import (
    DiagnosisLocked,
    advisor_session_record,
    diagnosis_assign_advisor,
    diagnosis_save_draft,
    diagnosis_start,
    diagnosis_submit,
    form_field_name,
)

CHART_ROW = 18  # px per item in the result chart
CHART_LABEL = 46  # px for the item code column
CHART_WIDTH = 560  # px of the whole chart (viewBox; it scales to the screen)


@require_POST
def diagnosis_start_view(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """POST: the company member's open draft (or a new one), then the form."""
    membership = request.membership  # type: ignore[attr-defined]
    if membership.role != membership.Role.COMPANY_MEMBER or membership.company_id is None:
        raise PermissionDenied
    company = company_get_visible(membership=membership, pk=membership.company_id)
    try:
        diagnosis = diagnosis_start(company=company, user=request.user)
    except IndexEdition.DoesNotExist:
        messages.error(request, _("DX推進指標が登録されていません。事務局にお問い合わせください。"))
        return redirect("diagnosis:list", consortium_slug=consortium_slug)
    return redirect("diagnosis:edit", consortium_slug=consortium_slug, pk=diagnosis.pk)


def _item_fields(form: DiagnosisForm, item: IndexItem, missing: set[str]) -> dict[str, Any]:
    return {
        "item": item,
        "current": form[form_field_name("current", item.code)],
        "target": form[form_field_name("target", item.code)],
        "evidence": form[form_field_name("evidence", item.code)],
        "action": form[form_field_name("action", item.code)],
        "missing": item.code in missing,
    }


def _form_tree(form: DiagnosisForm, tree: list[dict[str, Any]], missing: set[str]) -> list[dict[str, Any]]:
    """The index tree with each item's bound fields, for the template."""
    return [
        {
            "group": node["group"],
            "keys": [
                {
                    **_item_fields(form, key["item"], missing),
                    "subs": [_item_fields(form, sub, missing) for sub in key["subs"]],
                }
                for key in node["keys"]
            ],
        }
        for node in tree
    ]


@require_http_methods(["GET", "POST"])
def diagnosis_edit(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The self-diagnosis form. POST action=save (下書き保存) or action=submit (提出する)."""
    diagnosis = diagnosis_get_visible(membership=request.membership, pk=pk)  # type: ignore[attr-defined]
    if not request.user.has_perm("diagnosis.fill_diagnosis", diagnosis):
        if diagnosis.is_locked and request.user.has_perm("programs.act_for_company", diagnosis.company):
            messages.info(request, _("この自己診断は提出済みです。"))
            return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
        raise PermissionDenied
    tree = index_tree(edition_id=diagnosis.edition_id)
    items = [i for node in tree for key in node["keys"] for i in (key["item"], *key["subs"])]
    levels = maturity_levels(edition_id=diagnosis.edition_id)
    answers = {a.item_id: a for a in DiagnosisAnswer.objects.filter(diagnosis=diagnosis)}
    form_kwargs = {"items": items, "levels": levels, "answers": answers, "diagnosis": diagnosis}
    missing: list[str] = []
    missing_advice_mode = False
    if request.method == "POST":
        form = DiagnosisForm(request.POST, **form_kwargs)
        action = request.POST.get("action", "save")
        try:
            diagnosis_save_draft(
                diagnosis=diagnosis, user=request.user, answers=form.answers_data(), meta=form.meta_data()
            )
            if action == "submit":
                diagnosis_submit(diagnosis=diagnosis, user=request.user)
                messages.success(request, _("自己診断を提出しました。"))
                return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
            messages.success(request, _("下書きを保存しました。"))
            return redirect("diagnosis:edit", consortium_slug=consortium_slug, pk=diagnosis.pk)
        except DiagnosisLocked:
            messages.info(request, _("この自己診断は提出済みです。"))
            return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
        except ValidationError as error:
            missing = list(getattr(error, "missing_items", []))
            missing_advice_mode = "advice_mode" in error.message_dict
            form.add_service_errors({k: v for k, v in error.message_dict.items() if k != "items"})
            if missing or missing_advice_mode:
                # The typed answers were saved as a draft before submitting: nothing is lost on reload.
                messages.warning(request, _("下書きは保存しましたが、未回答の項目があるため提出できません。"))
    else:
        form = DiagnosisForm(**form_kwargs)
    context = {
        "diagnosis": diagnosis,
        "company": diagnosis.company,
        "form": form,
        "tree": _form_tree(form, tree, set(missing)),
        "levels": levels,
        "missing": missing,
        "missing_advice_mode": missing_advice_mode,
        "item_count": len(items),
    }
    return render(request, "diagnosis/edit.html", context)


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


def diagnosis_list(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Diagnoses the user may see (a company member: its own company's)."""
    membership = request.membership  # type: ignore[attr-defined]
    diagnoses = diagnoses_visible_to(membership=membership).select_related("advisor_session")
    context = {
        "diagnoses": diagnoses,
        "can_start": membership.role == membership.Role.COMPANY_MEMBER and membership.company_id is not None,
    }
    return render(request, "diagnosis/list.html", context)
