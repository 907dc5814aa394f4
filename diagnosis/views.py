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

from programs.selectors import company_get_visible

from .forms import DiagnosisForm
from .models import DiagnosisAnswer, IndexEdition, IndexItem
from .selectors import (
    diagnoses_visible_to,
    diagnosis_get_visible,
    index_tree,
    maturity_levels,
)
from .services import (
    DiagnosisLocked,
    diagnosis_save_draft,
    diagnosis_start,
    diagnosis_submit,
    form_field_name,
)


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


def diagnosis_list(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Diagnoses the user may see (a company member: its own company's)."""
    membership = request.membership  # type: ignore[attr-defined]
    diagnoses = diagnoses_visible_to(membership=membership).select_related("advisor_session")
    context = {
        "diagnoses": diagnoses,
        "can_start": membership.role == membership.Role.COMPANY_MEMBER and membership.company_id is not None,
    }
    return render(request, "diagnosis/list.html", context)
