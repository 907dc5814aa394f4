"""Views of diagnosis (form side): thin; each parses the request, calls one selector or service, renders.

Lookups go through ``diagnosis_get_visible`` (404 for missing / other tenant / not visible alike);
visible but not allowed → 403. The result and advice pages live in ``views_results.py``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rules import test_rule

from diagnosis.forms import DiagnosisForm, ReopenForm, RespondentForm
from diagnosis.models import (
    Diagnosis,
    DiagnosisAnswer,
    DiagnosisIndicator,
    DiagnosisReopening,
    IndexEdition,
    IndexItem,
    QuantitativeIndicator,
    RespondentAnswer,
)
from diagnosis.results.respondents import respondent_comparison
from diagnosis.selectors import diagnoses_visible_to, diagnosis_get_visible, index_tree, maturity_levels
from diagnosis.services import (
    DiagnosisLocked,
    diagnosis_adopt_respondent,
    diagnosis_indicator_add,
    diagnosis_indicator_remove,
    diagnosis_reopen,
    diagnosis_save_draft,
    diagnosis_start,
    diagnosis_submit,
    form_field_name,
    respondent_answers_save,
)
from dxcommunity.access import company_get_visible
from dxcommunity.concurrency import EditConflict
from dxcommunity.edit_conflict import edit_conflict_context, form_values, posted_version
from dxcommunity.ui.forms import form_add_service_error

AUTOSAVE_HEADER = "X-Diagnosis-Autosave"  # present on every autosave answer; its absence = not saved
VERSION_HEADER = "X-Diagnosis-Version"  # the draft's version after a saved autosave (the page sends it next)


@require_POST
def diagnosis_start_view(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """POST: the company member's open draft (or a new one), then the form.

    ``prefill=1`` (button 「前回の回答から始める」): a new draft starts from the previous submitted answers.
    """
    membership = request.membership  # type: ignore[attr-defined]
    if not test_rule("diagnosis.start_own_diagnosis", membership):
        raise PermissionDenied
    company = company_get_visible(membership=membership, pk=membership.company_id)
    try:
        diagnosis = diagnosis_start(
            company=company, user=request.user, prefill_from_previous=request.POST.get("prefill") == "1"
        )
    except IndexEdition.DoesNotExist:
        messages.error(request, _("DX推進指標が登録されていません。事務局にお問い合わせください。"))
        return redirect("diagnosis:list", consortium_slug=consortium_slug)
    return redirect("diagnosis:edit", consortium_slug=consortium_slug, pk=diagnosis.pk)


def _item_fields(
    form: DiagnosisForm | RespondentForm, item: IndexItem, missing: set[str], comparison: dict[int, Any]
) -> dict[str, Any]:
    return {
        "item": item,
        "current": form[form_field_name("current", item.code)],
        "target": form[form_field_name("target", item.code)],
        "evidence": form[form_field_name("evidence", item.code)],
        "action": form[form_field_name("action", item.code)] if isinstance(form, DiagnosisForm) else None,
        "missing": item.code in missing,
        "comparison": comparison.get(item.pk),
    }


def _form_tree(
    form: DiagnosisForm | RespondentForm,
    tree: list[dict[str, Any]],
    missing: set[str],
    comparison: dict[int, Any] | None = None,
) -> list[dict[str, Any]]:
    """The index tree with each item's bound fields (and respondents' answers), for the template."""
    comparison = comparison or {}
    return [
        {
            "group": node["group"],
            "keys": [
                {
                    **_item_fields(form, key["item"], missing, comparison),
                    "subs": [_item_fields(form, sub, missing, comparison) for sub in key["subs"]],
                }
                for key in node["keys"]
            ],
        }
        for node in tree
    ]


def _edit_form(diagnosis: Diagnosis, data: Any = None) -> tuple[DiagnosisForm, list[dict[str, Any]]]:
    tree = index_tree(edition_id=diagnosis.edition_id)
    items = [i for node in tree for key in node["keys"] for i in (key["item"], *key["subs"])]
    form = DiagnosisForm(
        data,
        items=items,
        levels=maturity_levels(edition_id=diagnosis.edition_id),
        answers={a.item_id: a for a in DiagnosisAnswer.objects.filter(diagnosis=diagnosis)},
        diagnosis=diagnosis,
        indicators=list(DiagnosisIndicator.objects.filter(diagnosis=diagnosis).order_by("order", "pk")),
        library=list(QuantitativeIndicator.objects.filter(edition=diagnosis.edition_id).order_by("order")),
    )
    return form, tree


def _save_typed(request: HttpRequest, diagnosis: Diagnosis, form: DiagnosisForm) -> Diagnosis:
    """Save the typed draft against the page's ``version``; returns the saved diagnosis (new version)."""
    return diagnosis_save_draft(
        diagnosis=diagnosis,
        user=request.user,
        answers=form.answers_data(),
        meta=form.meta_data(),
        indicators=form.indicators_data(),
        version=posted_version(form.data),
    )


def _diagnosis_conflict(request: HttpRequest, form: DiagnosisForm, exc: EditConflict) -> dict[str, Any]:
    """The conflict context of the self-diagnosis form: every answer value that differs, labelled with
    its item code (the stored values as the form would show them now)."""
    stored_form, _tree = _edit_form(exc.current)
    labels = {
        form_field_name(
            field, item.code
        ): f"{item.code} {form.fields[form_field_name(field, item.code)].label}"
        for item in form.items
        for field in ("current", "target", "evidence", "action")
    }
    return edit_conflict_context(
        form=form,
        conflict=exc,
        theirs=form_values(stored_form),
        labels=labels,
        reload_url=reverse("diagnosis:edit", args=[request.consortium.slug, exc.current.pk]),
    )


def _edit_action(request: HttpRequest, diagnosis: Diagnosis, form: DiagnosisForm) -> str:
    """Run the POSTed action after saving what was typed; returns a success message ("" = none).

    Actions: ``action=save`` (下書き保存), ``action=submit`` (提出する), ``action=add_indicator`` (定量指標を
    追加), ``remove_indicator=<row id>`` (削除), ``adopt_respondent=<user id>`` (この回答者の回答を採用).
    """
    _save_typed(request, diagnosis, form)
    action = request.POST.get("action", "save")
    if request.POST.get("remove_indicator"):
        try:
            diagnosis_indicator_remove(
                diagnosis=diagnosis, user=request.user, row_id=int(request.POST["remove_indicator"])
            )
        except (ValueError, DiagnosisIndicator.DoesNotExist):
            pass  # already removed (another tab): nothing to do
        return _("定量指標を削除しました。")
    if request.POST.get("adopt_respondent"):
        respondent = get_user_model().objects.filter(pk=request.POST["adopt_respondent"]).first()
        if (
            respondent is None
            or not RespondentAnswer.objects.filter(diagnosis=diagnosis, respondent=respondent).exists()
        ):
            return ""
        count = diagnosis_adopt_respondent(diagnosis=diagnosis, user=request.user, respondent=respondent)
        return _("%(count)d項目に回答者の回答を採用しました。") % {"count": count}
    if action == "add_indicator":
        library_id = form.data.get("new_indicator") or ""
        indicator = None
        if library_id:
            indicator = QuantitativeIndicator.objects.filter(
                pk=library_id if library_id.isdigit() else 0, edition=diagnosis.edition_id
            ).first()
            if indicator is None:
                raise ValidationError({"new_indicator": [_("この版の定量指標から選んでください。")]})
        diagnosis_indicator_add(
            diagnosis=diagnosis,
            user=request.user,
            indicator=indicator,
            name=form.data.get("new_indicator_name", ""),
            unit=form.data.get("new_indicator_unit", ""),
        )
        return _("定量指標を追加しました。")
    if action == "submit":
        # Checked here, submitted on the confirmation page (diagnosis_submit_view).
        diagnosis_submit(diagnosis=diagnosis, user=request.user, check_only=True)
        return _("下書きを保存しました。内容を確認して提出してください。")
    return _("下書きを保存しました。")


@require_http_methods(["GET", "POST"])
def diagnosis_edit(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The self-diagnosis form. POST: see ``_edit_action``; what was typed is saved first, and re-rendered
    as typed on any error (nothing is lost)."""
    diagnosis = diagnosis_get_visible(membership=request.membership, pk=pk)  # type: ignore[attr-defined]
    if not request.user.has_perm("diagnosis.fill_diagnosis", diagnosis):
        if diagnosis.is_locked and request.user.has_perm("programs.act_for_company", diagnosis.company):
            messages.info(request, _("この自己診断は提出済みです。"))
            return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
        raise PermissionDenied
    missing: list[str] = []
    missing_indicators: list[int] = []
    missing_advice_mode = False
    conflict: dict[str, Any] = {}
    form, tree = _edit_form(diagnosis, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            message = _edit_action(request, diagnosis, form)
        except EditConflict as exc:
            conflict = _diagnosis_conflict(request, form, exc)
        except DiagnosisLocked:
            messages.info(request, _("この自己診断は提出済みです。"))
            return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
        except ValidationError as error:
            missing = list(getattr(error, "missing_items", []))
            missing_indicators = list(getattr(error, "missing_indicators", []))
            missing_advice_mode = "advice_mode" in error.message_dict
            form.add_service_errors(
                {k: v for k, v in error.message_dict.items() if k not in ("items", "indicators")}
            )
            if missing or missing_advice_mode or missing_indicators:
                # The typed answers were saved as a draft before submitting: nothing is lost on reload.
                messages.warning(request, _("下書きは保存しましたが、未回答の項目があるため提出できません。"))
        else:
            if message:
                messages.success(request, message)
            if diagnosis.is_locked:
                return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
            if request.POST.get("action") == "submit":
                return redirect("diagnosis:submit", consortium_slug=consortium_slug, pk=diagnosis.pk)
            anchor = "#indicators" if request.POST.get("action") == "add_indicator" else ""
            return redirect(request.path + anchor)
    comparison = respondent_comparison(diagnosis=diagnosis)
    context = {
        "diagnosis": diagnosis,
        "company": diagnosis.company,
        "form": form,
        "tree": _form_tree(form, tree, set(missing), comparison["items"]),
        "levels": maturity_levels(edition_id=diagnosis.edition_id),
        "missing": missing,
        "missing_indicators": [r for r in form.indicator_rows if r.pk in missing_indicators],
        "missing_advice_mode": missing_advice_mode,
        "item_count": len(form.items),
        "indicators": form.indicator_fields(),
        "respondents": comparison["respondents"],
        "disagree_count": comparison["disagree_count"],
        "reopening": DiagnosisReopening.objects.filter(diagnosis=diagnosis)
        .select_related("reopened_by")
        .first(),
        "server_saved_ms": int(diagnosis.updated_at.timestamp() * 1000),
        **conflict,
    }
    return render(request, "diagnosis/edit.html", context, status=409 if conflict else 200)


@require_http_methods(["GET", "POST"])
def diagnosis_submit_view(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """提出, asked once: GET says what submitting does (button 「提出する」), POST submits. Reached from the
    form's 「提出する」 once the draft is complete; incomplete → back to the form; submitted → the result.
    The way back is the advisor's or coordinator's 差し戻し (``diagnosis_reopen_view``)."""
    diagnosis = diagnosis_get_visible(membership=request.membership, pk=pk)  # type: ignore[attr-defined]
    if not request.user.has_perm("diagnosis.fill_diagnosis", diagnosis):
        if diagnosis.is_locked and request.user.has_perm("programs.act_for_company", diagnosis.company):
            messages.info(request, _("この自己診断は提出済みです。"))
            return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
        raise PermissionDenied
    try:
        diagnosis_submit(diagnosis=diagnosis, user=request.user, check_only=request.method == "GET")
    except DiagnosisLocked:
        messages.info(request, _("この自己診断は提出済みです。"))
        return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
    except ValidationError:
        messages.warning(request, _("未回答の項目があるため提出できません。入力画面で確認してください。"))
        return redirect("diagnosis:edit", consortium_slug=consortium_slug, pk=diagnosis.pk)
    if request.method == "POST":
        messages.success(request, _("自己診断を提出しました。"))
        return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
    context = {
        "diagnosis": diagnosis,
        "company": diagnosis.company,
        "answered": DiagnosisAnswer.objects.filter(diagnosis=diagnosis).count(),
        "indicators": DiagnosisIndicator.objects.filter(diagnosis=diagnosis).count(),
    }
    return render(request, "diagnosis/submit_confirm.html", context)


@require_POST
def diagnosis_autosave(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """htmx autosave of the draft (no completeness check): 200 「自動保存しました 12:34」 with the new
    version in ``X-Diagnosis-Version`` (the page puts it in its ``version`` field); 409 once submitted,
    and 409 with ``X-Diagnosis-Conflict: 1`` when the draft was saved elsewhere since the page's version
    (nothing saved; the page says so and offers the comparison); 400 with the first problem when a value
    is invalid (nothing saved then); 403 for anyone but a company member. Every answer carries the
    ``X-Diagnosis-Autosave`` header (saved / error): an expired session gets the login redirect instead,
    and the page keeps the typed values in the browser.
    """
    diagnosis = diagnosis_get_visible(  # type: ignore[attr-defined]
        membership=request.membership,
        pk=pk,
        perm="programs.act_for_company",
        perm_on=lambda d: d.company,
        user=request.user,
    )
    form, _tree = _edit_form(diagnosis, request.POST)
    try:
        if diagnosis.is_locked:
            raise DiagnosisLocked
        saved = _save_typed(request, diagnosis, form)
    except DiagnosisLocked:
        response = HttpResponse(_("提出済みのため保存できません。"), status=409)
    except EditConflict:
        response = HttpResponse(
            _(
                "自動保存していません: ほかの画面（または他の人）がこの自己診断を先に保存しました。"
                "入力内容はこの端末に残っています。"
            ),
            status=409,
        )
        response["X-Diagnosis-Conflict"] = "1"
    except ValidationError as error:
        first = next(iter(error.message_dict.values()))[0]
        response = HttpResponse(_("自動保存できませんでした: %(error)s") % {"error": first}, status=400)
    else:
        now = timezone.localtime()
        response = HttpResponse(_("自動保存しました %(time)s") % {"time": time_format(now, "H:i")})
        response[AUTOSAVE_HEADER] = "saved"
        response[VERSION_HEADER] = str(saved.version)
        response["X-Diagnosis-Saved-At"] = str(int(now.timestamp() * 1000))
        return response
    response[AUTOSAVE_HEADER] = "error"
    return response


@require_http_methods(["GET", "POST"])
def diagnosis_reopen_view(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """差し戻し of a submitted diagnosis (assigned DX診断アドバイザー or coordinator): GET the form, POST
    ``reason`` (button 「差し戻す」). Others: 403 (not visible: 404)."""
    diagnosis = diagnosis_get_visible(  # type: ignore[attr-defined]
        membership=request.membership, pk=pk, perm="diagnosis.record_advice", user=request.user
    )
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            diagnosis_reopen(diagnosis=diagnosis, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, _("自己診断を差し戻しました。企業が修正して再提出できます。"))
            return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
    context = {
        "diagnosis": diagnosis,
        "company": diagnosis.company,
        "form": form,
        "reopenings": DiagnosisReopening.objects.filter(diagnosis=diagnosis).select_related("reopened_by"),
    }
    return render(request, "diagnosis/reopen.html", context)


@require_http_methods(["GET", "POST"])
def diagnosis_respond(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """回答者別の回答: a company member (経営者 or department head) enters their own answers to a draft.
    POST button 「自分の回答を保存」; errors re-render what was typed."""
    diagnosis = diagnosis_get_visible(membership=request.membership, pk=pk)  # type: ignore[attr-defined]
    if not request.user.has_perm("diagnosis.fill_diagnosis", diagnosis):
        if diagnosis.is_locked and request.user.has_perm("programs.act_for_company", diagnosis.company):
            messages.info(request, _("この自己診断は提出済みです。"))
            return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
        raise PermissionDenied
    tree = index_tree(edition_id=diagnosis.edition_id)
    items = [i for node in tree for key in node["keys"] for i in (key["item"], *key["subs"])]
    levels = maturity_levels(edition_id=diagnosis.edition_id)
    own = {
        r.item_id: r for r in RespondentAnswer.objects.filter(diagnosis=diagnosis, respondent=request.user)
    }
    form = RespondentForm(
        request.POST if request.method == "POST" else None, items=items, levels=levels, answers=own
    )
    if request.method == "POST":
        try:
            respondent_answers_save(diagnosis=diagnosis, user=request.user, answers=form.answers_data())
        except DiagnosisLocked:
            messages.info(request, _("この自己診断は提出済みです。"))
            return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
        except ValidationError as error:
            form.add_service_errors(error.message_dict)
        else:
            messages.success(request, _("あなたの回答を保存しました。"))
            return redirect("diagnosis:respond", consortium_slug=consortium_slug, pk=diagnosis.pk)
    context = {
        "diagnosis": diagnosis,
        "company": diagnosis.company,
        "form": form,
        "tree": _form_tree(form, tree, set()),
        "levels": levels,
        "item_count": len(items),
    }
    return render(request, "diagnosis/respond.html", context)


def diagnosis_list(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Diagnoses the user may see (a company member: its own company's). A company member whose company
    has a submitted diagnosis and no draft is offered 「前回の回答から始める」."""
    membership = request.membership  # type: ignore[attr-defined]
    diagnoses = diagnoses_visible_to(membership=membership).select_related("advisor_session")
    can_start = test_rule("diagnosis.start_own_diagnosis", membership)
    own = (
        Diagnosis.objects.filter(consortium=membership.consortium, company=membership.company_id)
        if can_start
        else Diagnosis.objects.none()
    )
    context = {
        "diagnoses": diagnoses,
        "can_start": can_start,
        "can_prefill": own.filter(status=Diagnosis.Status.SUBMITTED).exists()
        and not own.filter(status=Diagnosis.Status.DRAFT).exists(),
    }
    return render(request, "diagnosis/list.html", context)
