"""Views of matching: thin; selectors for reads, services for writes.

Pages: the needs list (pipeline counts per status), a need form, a need page (timeline, suggestions,
pipeline step, vendors' answers), the tool database (search and filters), a solution page with its cases,
and the solution / case forms.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules import test_rule

from accompaniment.models import AccompanimentSession
from dxcommunity import idempotency
from dxcommunity.access import companies_fully_visible_to, object_get_for
from dxcommunity.access.rules import acts_as_itc, acts_as_vendor
from dxcommunity.concurrency import EditConflict
from dxcommunity.edit_conflict import edit_conflict_context, form_values
from dxcommunity.tenancy.models import Membership, Region
from dxcommunity.ui.forms import form_add_service_error
from matching import selectors, services
from matching.filters import matching_requests_filtered
from matching.forms import (
    AddressForm,
    MatchingRequestForm,
    ShortlistForm,
    SolutionCaseForm,
    SolutionFilterForm,
    SolutionForm,
    TransitionForm,
    VendorResponseForm,
)
from matching.models import MatchingRequest, Solution, SolutionCase
from matching.solutions import services as solution_services
from programs.models import Event

Role = Membership.Role
SEMINAR_KINDS = (Event.Kind.AWARENESS_SEMINAR, Event.Kind.DX_SEMINAR, Event.Kind.SELF_DIAGNOSIS_BRIEFING)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# --- needs -------------------------------------------------------------------------------------------


def request_list(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Needs visible to the user with counts per pipeline status; ``?status=`` shows one column.

    Vendors see only the requests addressed to their organization, company members their own. Queries do not
    grow with the number of requests (company and vendors joined / prefetched).
    """
    membership = request.membership
    visible = selectors.matching_requests_visible_to(membership=membership)
    counts = selectors.status_counts(requests=visible)
    filtered = matching_requests_filtered(requests=visible, data=request.GET)
    status = filtered.form.cleaned_data["status"] if filtered.active else ""
    requests = filtered.queryset
    requests = requests.select_related("company", "itc").prefetch_related("vendors")
    own_vendor = selectors.vendor_organization_of(membership=membership)
    board = None
    if request.GET.get("view") == "board":
        # The board (看板): one column per status, the same rows as the list (no extra query per column).
        rows = list(requests)
        board = [{**c, "requests": [r for r in rows if r.status == c["status"]]} for c in counts]
        requests = rows
    return render(
        request,
        "matching/request_list.html",
        {
            "requests": requests,
            "counts": counts,
            "status": status,
            "can_create": test_rule("matching.create_request", membership),
            "own_vendor": own_vendor,
            "board": board,
        },
    )


def _session_queryset(membership, company_id: int | None):
    sessions = AccompanimentSession.objects.filter(
        consortium=membership.consortium,
        track__company__in=companies_fully_visible_to(membership=membership).values("pk"),
    ).select_related("track__company")
    if company_id:
        sessions = sessions.filter(track__company=company_id)
    return sessions.order_by("track__company__name", "number")


def request_create(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """New need (coordinator / ITC who sees the company in full).

    Prefills: ``?company=<pk>``; ``?session=<pk>`` (source 伴走支援, that session and its company);
    ``?diagnosis=<pk>`` (source 自己診断, the company's weakest items).
    """
    membership = request.membership
    if not test_rule("matching.create_request", membership):
        raise PermissionDenied
    # Only companies the user supports in full: an ITC picks among the companies assigned to it.
    companies = companies_fully_visible_to(membership=membership).order_by("name")
    initial: dict = {}
    if request.method == "GET":
        initial = _prefill(request, membership, companies)
    company_id = _int(request.POST.get("company")) if request.method == "POST" else initial.get("company")
    kwargs = {
        "companies": companies,
        "vendors": selectors.vendor_organizations(consortium=request.consortium),
        "events": Event.objects.filter(consortium=request.consortium, kind__in=SEMINAR_KINDS).order_by(
            "-starts_at"
        ),
        "sessions": _session_queryset(membership, company_id),
        "itcs": _itc_user_queryset(request.consortium),
    }
    if request.method == "POST":
        form = MatchingRequestForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.matching_request_create(
                    company=data["company"],
                    user=request.user,
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    source=data["source"],
                    vendors=list(data["vendors"]),
                    event=data["source_event"],
                    session=data["source_session"],
                    item_codes=data["source_item_codes"],
                    itc=data["itc"],
                    idempotency_key=idempotency.key_from(request),
                )
            except ValidationError as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(request, _("マッチングのニーズを登録しました。"))
                return redirect("matching:request_detail", consortium_slug=consortium_slug, pk=created.pk)
    else:
        form = MatchingRequestForm(initial=initial, **kwargs)
    return render(request, "matching/request_form.html", {"form": form})


def _itc_user_queryset(consortium):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            pk__in=Membership.objects.filter(consortium=consortium, role=Role.ITC, is_active=True).values(
                "user"
            )
        )
        .order_by("last_name", "first_name", "pk")
    )


def _prefill(request: HttpRequest, membership, companies) -> dict:
    """Initial values of the need form from ``?company``, ``?session`` or ``?diagnosis`` (ignored when the
    referenced object is not one of the user's companies)."""
    initial: dict = {}
    if acts_as_itc(membership):
        initial["itc"] = request.user.pk
    company_id = _int(request.GET.get("company"))
    session_id = _int(request.GET.get("session"))
    diagnosis_id = _int(request.GET.get("diagnosis"))
    if session_id:
        session = _session_queryset(membership, None).filter(pk=session_id).first()
        if session is not None:
            company_id = session.track.company_id
            initial.update(source=MatchingRequest.Source.SESSION, source_session=session.pk)
    if diagnosis_id:
        from diagnosis.models import Diagnosis

        diagnosis = Diagnosis.objects.filter(
            consortium=membership.consortium, pk=diagnosis_id, company__in=companies.values("pk")
        ).first()
        if diagnosis is not None:
            company_id = diagnosis.company_id
            initial["source"] = MatchingRequest.Source.DIAGNOSIS
    company = companies.filter(pk=company_id).first() if company_id else None
    if company is not None:
        initial["company"] = company.pk
        if initial.get("source") == MatchingRequest.Source.DIAGNOSIS:
            initial["source_item_codes"] = ", ".join(selectors.weakest_item_codes(company))
    return initial


def request_detail(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """One need: facts, the pipeline timeline, suggestions and candidates (managers), vendors' answers.

    POST ``action``: ``transition`` (next status with a note and outcome), ``shortlist`` (add a suggested
    solution, optionally addressing its vendor), ``address`` (add vendors): coordinator / the company's ITC /
    the bridging ITC; ``answer`` (default for vendor users): the addressed vendor's answer.
    A vendor sees only its own organization's answers; company members see the pipeline, not the answers.
    """
    membership = request.membership
    req = selectors.matching_request_get_visible(membership=membership, pk=pk)
    can_manage = selectors.can_manage_request(membership=membership, request=req)
    may_reopen = selectors.can_reopen_request(membership=membership, request=req)
    is_vendor = bool(acts_as_vendor(membership))
    reads_responses = test_rule("matching.read_responses", membership)
    vendors = list(req.vendors.all())
    can_answer = (
        is_vendor
        and req.status not in selectors.CLOSED_STATUSES
        and any(v.pk == membership.organization_id for v in vendors)
    )
    own_solutions = Solution.objects.filter(
        consortium=request.consortium, vendor=membership.organization_id, is_published=True
    )
    allowed = services.allowed_transitions(request=req, may_reopen=may_reopen) if can_manage else []
    transition_form = TransitionForm(allowed=allowed) if allowed else None
    answer_form = VendorResponseForm(solutions=own_solutions) if can_answer else None
    shortlist_form = address_form = None
    if request.method == "POST":
        action = request.POST.get("action") or ("answer" if is_vendor else "transition")
        if action == "answer":
            if not can_answer:
                raise PermissionDenied
            answer_form = VendorResponseForm(request.POST, solutions=own_solutions)
            if answer_form.is_valid():
                data = answer_form.cleaned_data
                try:
                    services.vendor_response_submit(
                        request=req,
                        user=request.user,
                        message=data["message"],
                        answer=data["answer"],
                        solution=data["solution"],
                        proposed_price=data["proposed_price"],
                        idempotency_key=idempotency.key_from(request),
                    )
                except ValidationError as exc:
                    form_add_service_error(answer_form, exc)
                else:
                    messages.success(request, _("回答を送信しました。"))
                    return redirect("matching:request_detail", consortium_slug=consortium_slug, pk=pk)
        elif action in ("transition", "shortlist", "address"):
            if not can_manage:
                raise PermissionDenied
            done, form = _manage_post(request, req, action, allowed)
            if done:
                return redirect("matching:request_detail", consortium_slug=consortium_slug, pk=pk)
            if action == "transition":
                transition_form = form
            elif action == "shortlist":
                shortlist_form = form
            else:
                address_form = form
        else:
            return HttpResponse(_("不正な操作です。"), status=400)
    responses = req.responses.select_related("vendor", "author", "solution")
    if is_vendor:
        # A vendor sees its own organization's answers, not its competitors'.
        responses = responses.filter(vendor=membership.organization_id)
    elif not can_manage and not reads_responses:
        responses = responses.none()
    context = {
        "req": req,
        "vendors": vendors,
        "responses": responses,
        "answer_form": answer_form,
        "transition_form": transition_form,
        "timeline": req.status_changes.select_related("changed_by"),
        "candidates": req.candidates.select_related("vendor"),
        "can_manage": can_manage,
        "show_responses": is_vendor or can_manage or reads_responses,
        "pipeline": _pipeline(req),
        "source_items": _item_rows(req.source_item_codes),
    }
    if can_manage and req.status not in selectors.CLOSED_STATUSES:
        suggestions = selectors.suggestions_for_request(request=req)
        context["suggestions"] = suggestions
        context["shortlist_form"] = shortlist_form
        vendor_choices = selectors.vendor_organizations(consortium=request.consortium).exclude(
            pk__in=[v.pk for v in vendors]
        )
        context["address_form"] = address_form or AddressForm(vendors=vendor_choices)
    return render(request, "matching/request_detail.html", context)


def _item_rows(codes: list) -> list[tuple[str, str]]:
    """[(定性指標No., title in the current edition or "")] for display."""
    titles = selectors.current_item_codes() if codes else {}
    return [(str(code), titles.get(str(code), "")) for code in codes]


def _pipeline(req: MatchingRequest) -> list[dict]:
    """The steps for the progress bar: label and done/current flags (見送り shown only when declined)."""
    order = list(selectors.OPEN_STATUSES) + [MatchingRequest.Status.CONTRACT]
    labels = dict(MatchingRequest.Status.choices)
    if req.status == MatchingRequest.Status.DECLINED:
        return [{"label": labels[s], "done": False, "current": False} for s in order] + [
            {"label": labels["declined"], "done": False, "current": True}
        ]
    index = order.index(req.status)
    return [{"label": labels[s], "done": i < index, "current": i == index} for i, s in enumerate(order)]


def _manage_post(request: HttpRequest, req: MatchingRequest, action: str, allowed: list[str]):
    """Handle a manager's POST; (done, bound form) — the form carries the errors when not done."""
    if action == "transition":
        form = TransitionForm(request.POST, allowed=allowed)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.matching_request_transition(
                    request=req,
                    user=request.user,
                    to_status=data["to_status"],
                    note=data["note"],
                    contract_amount=data["contract_amount"],
                    outcome_note=data["outcome_note"],
                    declined_reason=data["declined_reason"],
                )
            except ValidationError as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(request, _("状態を更新しました。"))
                return True, form
        return False, form
    if action == "shortlist":
        solutions = Solution.objects.filter(consortium=request.consortium, is_published=True)
        form = ShortlistForm(request.POST, solutions=solutions)
        if form.is_valid():
            try:
                services.matching_request_shortlist(
                    request=req,
                    user=request.user,
                    solution=form.cleaned_data["solution"],
                    address_vendor=form.cleaned_data["address_vendor"],
                )
            except ValidationError as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(request, _("候補に追加しました。"))
                return True, form
        messages.error(request, _("候補に追加できませんでした。"))
        return True, form
    form = AddressForm(request.POST, vendors=selectors.vendor_organizations(consortium=request.consortium))
    if form.is_valid():
        try:
            services.matching_request_address(
                request=req, user=request.user, vendors=form.cleaned_data["vendors"]
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("依頼先ベンダーを追加しました。"))
            return True, form
    return False, form


# --- tool database -----------------------------------------------------------------------------------


def solution_list(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """The tool database (ツールデータベース): Japanese free-text search (GET ``q``) and filters (category,
    region, price range in 円, IT導入補助金 only, vendor). A constant number of queries per page."""
    membership = request.membership
    form = SolutionFilterForm(
        request.GET or None,
        regions=Region.objects.filter(consortium=request.consortium).order_by("pk"),
        vendors=selectors.vendor_organizations(consortium=request.consortium),
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = selectors.SolutionFilters(
        q=data.get("q", ""),
        category=data.get("category", ""),
        region_id=data["region"].pk if data.get("region") else None,
        price_min=data.get("price_min"),
        price_max=data.get("price_max"),
        it_subsidy_only=bool(data.get("it_subsidy")),
        vendor_id=data["vendor"].pk if data.get("vendor") else None,
        include_unpublished=bool(data.get("unpublished")),
    )
    solutions = list(selectors.solutions_search(membership=membership, filters=filters))
    return render(
        request,
        "matching/solution_list.html",
        {
            "form": form,
            "solutions": solutions,
            "can_add": selectors.can_manage_solution(membership=membership),
            "own_vendor": selectors.vendor_organization_of(membership=membership),
            "filtered": bool(form.is_bound),
        },
    )


def solution_detail(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """One solution with its case examples; edit links for those who manage it."""
    membership = request.membership
    solution = selectors.solution_get_visible(membership=membership, pk=pk, user=request.user)
    return render(
        request,
        "matching/solution_detail.html",
        {
            "solution": solution,
            "cases": list(solution.cases.all()),
            "items": _item_rows(solution.item_codes),
            "can_manage": selectors.can_manage_solution(membership=membership, solution=solution),
        },
    )


def _solution_form(request: HttpRequest, solution: Solution | None) -> HttpResponse:
    membership = request.membership
    is_coordinator = test_rule("matching.manage_every_solution", membership)
    form_kwargs = {
        "regions": Region.objects.filter(consortium=request.consortium).order_by("pk"),
        "vendors": selectors.vendor_organizations(consortium=request.consortium) if is_coordinator else None,
        "instance": solution,
    }
    conflict: dict = {}
    if request.method == "POST":
        form = SolutionForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = {name: form.cleaned_data.get(name) for name in solution_services.SOLUTION_FIELDS}
            data["item_codes"] = form.cleaned_data.get("item_codes", "")
            for text in ("description", "price_note", "keywords", "url"):
                data[text] = data[text] or ""
            try:
                saved = solution_services.solution_save(
                    membership=membership,
                    data=data,
                    regions=form.cleaned_data.get("regions") or [],
                    vendor=form.cleaned_data.get("vendor"),
                    solution=solution,
                    version=form.cleaned_data.get("version"),
                    idempotency_key=idempotency.key_from(request) if solution is None else None,
                )
            except ValidationError as exc:
                form_add_service_error(form, exc)
            except EditConflict as exc:
                stored = SolutionForm(**{**form_kwargs, "instance": exc.current})
                conflict = edit_conflict_context(
                    form=form, conflict=exc, theirs=form_values(stored), reload_url=request.path
                )
            else:
                messages.success(request, _("ソリューションを保存しました。"))
                return redirect(
                    "matching:solution_detail", consortium_slug=request.consortium.slug, pk=saved.pk
                )
    else:
        form = SolutionForm(**form_kwargs)
    return render(
        request,
        "matching/solution_form.html",
        {"form": form, "solution": solution, **conflict},
        status=409 if conflict else 200,
    )


def solution_create(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """New solution: coordinators (any IT vendor) and vendor users (their own organization); 403 else."""
    if not selectors.can_manage_solution(membership=request.membership):
        raise PermissionDenied
    return _solution_form(request, None)


def solution_edit(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Edit a solution: 404 when not visible, 403 when visible but another organization's."""
    solution = selectors.solution_get_visible(
        membership=request.membership, pk=pk, perm="matching.manage_solution", user=request.user
    )
    return _solution_form(request, solution)


@require_POST
def solution_publish(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """POST ``published`` = 1 / 0: publish or unpublish (非公開) a solution; as ``solution_edit``."""
    solution = selectors.solution_get_visible(
        membership=request.membership, pk=pk, perm="matching.manage_solution", user=request.user
    )
    published = request.POST.get("published") == "1"
    solution_services.solution_set_published(
        membership=request.membership, solution=solution, published=published
    )
    messages.success(request, _("公開しました。") if published else _("非公開にしました。"))
    return redirect("matching:solution_detail", consortium_slug=consortium_slug, pk=pk)


def _case_form(request: HttpRequest, solution: Solution, case: SolutionCase | None) -> HttpResponse:
    if request.method == "POST":
        form = SolutionCaseForm(request.POST, instance=case)
        if form.is_valid():
            try:
                solution_services.solution_case_save(
                    membership=request.membership,
                    solution=solution,
                    data=form.cleaned_data,
                    case=case,
                    idempotency_key=idempotency.key_from(request) if case is None else None,
                )
            except ValidationError as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(request, _("導入事例を保存しました。"))
                return redirect(
                    "matching:solution_detail", consortium_slug=request.consortium.slug, pk=solution.pk
                )
    else:
        form = SolutionCaseForm(instance=case)
    return render(request, "matching/case_form.html", {"form": form, "solution": solution, "case": case})


def _managed_solution(request: HttpRequest, pk: int) -> Solution:
    solution = selectors.solution_get_visible(
        membership=request.membership, pk=pk, perm="matching.manage_solution", user=request.user
    )
    return solution


def case_create(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """New case example (導入事例) of solution ``pk``; as ``solution_edit``."""
    return _case_form(request, _managed_solution(request, pk), None)


def case_edit(request: HttpRequest, consortium_slug: str, pk: int, case_pk: int) -> HttpResponse:
    """Edit a case example; POST ``delete`` removes it. As ``solution_edit``; 404 for a case of another
    solution."""
    solution = _managed_solution(request, pk)
    case = object_get_for(request.membership, solution.cases.all(), pk=case_pk, company_field=None)
    if request.method == "POST" and "delete" in request.POST:
        solution_services.solution_case_delete(membership=request.membership, case=case)
        messages.success(request, _("導入事例を削除しました。"))
        return redirect("matching:solution_detail", consortium_slug=consortium_slug, pk=pk)
    return _case_form(request, solution, case)


__all__ = [
    "case_create",
    "case_edit",
    "request_create",
    "request_detail",
    "request_list",
    "solution_create",
    "solution_detail",
    "solution_edit",
    "solution_list",
    "solution_publish",
]
