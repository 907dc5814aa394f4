"""Views of diagnosis results and the advisor session (DX診断アドバイス): thin; parse, call, render.

Lookups go through ``diagnosis_get_visible`` (404 for missing / other tenant / not visible alike);
visible but not allowed → 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from diagnosis.advice import services as services_advice
from diagnosis.advice.forms import AdviceDetailForm, ScheduleForm, note_field_name
from diagnosis.advice.ics import advice_ics
from diagnosis.forms import AdvisorAssignForm
from diagnosis.models import AdvisorItemNote, AdvisorSession, Diagnosis, IndexItem
from diagnosis.selectors import diagnosis_get_visible, diagnosis_result_page, index_tree
from diagnosis.services import diagnosis_assign_advisor
from dxcommunity import registry
from dxcommunity.concurrency import EditConflict
from dxcommunity.consent.models import AccessLog
from dxcommunity.consent.services import access_log_record
from dxcommunity.edit_conflict import edit_conflict_context
from dxcommunity.ui.forms import form_add_service_error
from dxcommunity.ui.ics import ics_response, uid_host


def _documents(diagnosis: Diagnosis) -> dict[str, list]:
    """The diagnosis's latest PDFs by kind (``{"diagnosis_result": [...], "advice": [...]}``), from the
    documents app (hook ``documents.for_diagnosis``); empty lists without it."""
    return registry.ask_one(
        "documents.for_diagnosis", diagnosis=diagnosis, default={"diagnosis_result": [], "advice": []}
    )


def _schedule_form(diagnosis: Diagnosis) -> ScheduleForm:
    initial: dict[str, Any] = {"advice_place": diagnosis.advice_place}
    if diagnosis.advice_scheduled_at:
        initial["advice_scheduled_at"] = timezone.localtime(diagnosis.advice_scheduled_at)
    return ScheduleForm(initial=initial)


def _can_download_ics(user: Any, diagnosis: Diagnosis) -> bool:
    """The two sides of the appointment: the company's members and the advisor; and the coordinators."""
    return (
        user.has_perm("programs.act_for_company", diagnosis.company)
        or (diagnosis.advisor_id is not None and diagnosis.advisor_id == user.pk)
        or user.has_perm("diagnosis.assign_advisor", diagnosis)
    )


@require_http_methods(["GET", "POST"])
def diagnosis_result(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Results: means (全35項目 / 経営視点 / IT視点), charts against the consortium's mean and IPA's national
    figures, item table (Δ since the previous diagnosis), top / worst 3, 先行企業, DX stage, the advice,
    scheduling and PDFs. Query count constant in the number of diagnoses (see tests).

    POST ``advisor`` (coordinator): assign the DX診断アドバイザー (button 「アドバイザーを割り当て」).
    A bank or vendor user's view is written to the company's access log.
    """
    membership = request.membership  # type: ignore[attr-defined]
    # The middleware loaded the membership already: let the permission rules (programs.rules.membership_for,
    # cached per request on the user) use it instead of reading it again.
    # (request.user is a lazy wrapper; the rules see the wrapped user object.)
    user = getattr(request.user, "_wrapped", request.user)
    user.__dict__.setdefault("_membership_cache", {}).setdefault(membership.consortium_id, membership)
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
                form_add_service_error(assign_form, error, default_field="advisor")
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
    page = diagnosis_result_page(diagnosis=diagnosis)
    context = {
        "diagnosis": diagnosis,
        "company": diagnosis.company,
        **page,
        "documents": _documents(diagnosis) if diagnosis.is_locked else {},
        "can_fill": request.user.has_perm("diagnosis.fill_diagnosis", diagnosis),
        "can_advise": diagnosis.is_locked and request.user.has_perm("diagnosis.record_advice", diagnosis),
        "can_assign": can_assign,
        "assign_form": assign_form if can_assign else None,
        "schedule_form": _schedule_form(diagnosis) if can_assign and diagnosis.is_locked else None,
        "can_ics": diagnosis.advice_scheduled_at is not None and _can_download_ics(request.user, diagnosis),
    }
    return render(request, "diagnosis/result.html", context)


@require_http_methods(["GET", "POST"])
def diagnosis_schedule_advice(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """日程を確定: POST ``advice_scheduled_at`` (datetime-local), ``advice_place``; coordinator / regional
    coordinator of the region only (others who see the diagnosis: 403)."""
    diagnosis = diagnosis_get_visible(  # type: ignore[attr-defined]
        membership=request.membership, pk=pk, perm="diagnosis.assign_advisor", user=request.user
    )
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                services_advice.diagnosis_schedule_advice(
                    diagnosis=diagnosis,
                    scheduled_at=form.cleaned_data["advice_scheduled_at"],
                    place=form.cleaned_data["advice_place"],
                    user=request.user,
                )
            except ValidationError as error:
                form_add_service_error(form, error)
            else:
                messages.success(request, _("DX診断アドバイスの日程を確定しました。"))
                return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
    else:
        form = _schedule_form(diagnosis)
    context = {"diagnosis": diagnosis, "company": diagnosis.company, "form": form}
    return render(request, "diagnosis/schedule.html", context)


@require_GET
def diagnosis_advice_ics(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The appointment as .ics (company members, the assigned advisor, coordinators; other viewers 403;
    404 while no date is fixed)."""
    diagnosis = diagnosis_get_visible(membership=request.membership, pk=pk)  # type: ignore[attr-defined]
    if not _can_download_ics(request.user, diagnosis):
        raise PermissionDenied
    if diagnosis.advice_scheduled_at is None:
        raise Http404("No date fixed.")
    url = request.build_absolute_uri(reverse("diagnosis:result", args=[consortium_slug, diagnosis.pk]))
    body = advice_ics(diagnosis=diagnosis, url=url, host=uid_host(request))
    return ics_response(body, filename=f"dx-advice-{diagnosis.pk}.ics")


def _advice_tree(form: AdviceDetailForm, tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The index tree with each item's note field, grouped like the self-diagnosis form."""
    return [
        {
            "group": node["group"],
            "items": [
                {"item": item, "field": form[note_field_name(item.code)]}
                for key in node["keys"]
                for item in (key["item"], *key["subs"])
            ],
        }
        for node in tree
    ]


@require_http_methods(["GET", "POST"])
def diagnosis_advice(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """DX診断アドバイス form (assigned advisor or coordinator) for a submitted diagnosis; pk = diagnosis.

    Fields: held_on, mode, weak_items (checkboxes), target_state, digitization_steps, advice, notes and
    ``note_<code>`` per item; button 「アドバイスを保存」.
    """
    diagnosis = diagnosis_get_visible(  # type: ignore[attr-defined]
        membership=request.membership, pk=pk, perm="diagnosis.record_advice", user=request.user
    )
    if not diagnosis.is_locked:
        messages.warning(request, _("自己診断の提出後にアドバイスを記録できます。"))
        return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
    session = AdvisorSession.objects.filter(diagnosis=diagnosis).first()
    tree = index_tree(edition_id=diagnosis.edition_id)
    items: list[IndexItem] = [i for node in tree for key in node["keys"] for i in (key["item"], *key["subs"])]
    conflict: dict[str, Any] = {}
    if request.method == "POST":
        form = AdviceDetailForm(request.POST, items=items)
        if form.is_valid():
            try:
                services_advice.advice_record(
                    diagnosis=diagnosis, advisor=request.user, **form.record_kwargs()
                )
            except ValidationError as error:
                form_add_service_error(form, error)
            except EditConflict as exc:
                session = exc.current
                conflict = edit_conflict_context(
                    form=form,
                    conflict=exc,
                    theirs=_advice_initial(diagnosis, session, items),
                    reload_url=reverse("diagnosis:advice", args=[consortium_slug, diagnosis.pk]),
                )
            else:
                messages.success(request, _("DX診断アドバイスを保存しました。"))
                return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
    else:
        form = AdviceDetailForm(initial=_advice_initial(diagnosis, session, items), items=items)
    context = {
        "diagnosis": diagnosis,
        "company": diagnosis.company,
        "form": form,
        "session": session,
        "note_tree": _advice_tree(form, tree),
        **conflict,
    }
    return render(request, "diagnosis/advice.html", context, status=409 if conflict else 200)


def _advice_initial(
    diagnosis: Diagnosis, session: AdvisorSession | None, items: list[IndexItem]
) -> dict[str, Any]:
    """The advice form's values as stored: the session's (with ``version``), else the appointment's
    date and the company's wished mode (``version`` 0)."""
    if session is None:
        initial: dict[str, Any] = {
            "mode": diagnosis.advice_mode or Diagnosis.AdviceMode.IN_PERSON,
            "version": 0,
        }
        if diagnosis.advice_scheduled_at:
            initial["held_on"] = timezone.localdate(diagnosis.advice_scheduled_at)
        return initial
    fields = ("held_on", "mode", "notes", "advice", "target_state", "digitization_steps", "version")
    initial = {f: getattr(session, f) for f in fields}
    initial["weak_items"] = list(session.weak_items.values_list("pk", flat=True))
    codes = {i.pk: i.code for i in items}
    for item_id, note in AdvisorItemNote.objects.filter(advisor_session=session).values_list(
        "item_id", "note"
    ):
        if item_id in codes:
            initial[note_field_name(codes[item_id])] = note
    return initial
