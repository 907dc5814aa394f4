"""Views of matching: thin; selectors for reads, services for writes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from programs.access import companies_fully_visible_to
from programs.models import Membership

from . import selectors, services
from .forms import MatchingRequestForm, SolutionFilterForm, StatusForm, VendorResponseForm

Role = Membership.Role
CREATOR_ROLES = (Role.COORDINATOR, Role.REGIONAL_COORDINATOR, Role.ITC)


def _apply_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def request_list(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Matching requests visible to the user (vendors: only those addressed to their organization)."""
    membership = request.membership
    requests = selectors.matching_requests_visible_to(membership=membership).select_related("company")
    return render(
        request,
        "matching/request_list.html",
        {"requests": requests.prefetch_related("vendors"), "can_create": membership.role in CREATOR_ROLES},
    )


def request_create(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """New matching request (coordinator / ITC); ``?company=<pk>`` preselects the company."""
    membership = request.membership
    if membership.role not in CREATOR_ROLES:
        raise PermissionDenied
    # Only companies the user supports in full: an ITC picks among the companies assigned to it.
    companies = companies_fully_visible_to(membership=membership).order_by("name")
    vendors = selectors.vendor_organizations(consortium=request.consortium)
    if request.method == "POST":
        form = MatchingRequestForm(request.POST, companies=companies, vendors=vendors)
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
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("マッチング依頼を登録しました。"))
                return redirect("matching:request_detail", consortium_slug=consortium_slug, pk=created.pk)
    else:
        initial = {}
        company_pk = request.GET.get("company", "")
        if company_pk.isdigit() and companies.filter(pk=int(company_pk)).exists():
            initial["company"] = int(company_pk)
        form = MatchingRequestForm(initial=initial, companies=companies, vendors=vendors)
    return render(request, "matching/request_form.html", {"form": form})


def request_detail(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """One request with the vendors' answers.

    POST ``message``: a vendor's answer; POST ``status``: coordinator/ITC change the status.
    """
    membership = request.membership
    matching_request = selectors.matching_request_get_visible(membership=membership, pk=pk)
    can_answer = (
        membership.role == Role.VENDOR
        and matching_request.vendors.filter(pk=membership.organization_id).exists()
    )
    can_manage = request.user.has_perm("programs.support_company", matching_request.company)
    answer_form = VendorResponseForm() if can_answer else None
    status_form = StatusForm(initial={"status": matching_request.status}) if can_manage else None
    if request.method == "POST":
        if "status" in request.POST:
            if not can_manage:
                raise PermissionDenied
            status_form = StatusForm(request.POST)
            if status_form.is_valid():
                services.matching_request_set_status(
                    request=matching_request, user=request.user, status=status_form.cleaned_data["status"]
                )
                messages.success(request, _("状態を更新しました。"))
                return redirect("matching:request_detail", consortium_slug=consortium_slug, pk=pk)
        else:
            if not can_answer:
                raise PermissionDenied
            answer_form = VendorResponseForm(request.POST)
            if answer_form.is_valid():
                try:
                    services.vendor_response_submit(
                        request=matching_request,
                        user=request.user,
                        message=answer_form.cleaned_data["message"],
                    )
                except ValidationError as exc:
                    _apply_errors(answer_form, exc)
                else:
                    messages.success(request, _("回答を送信しました。"))
                    return redirect("matching:request_detail", consortium_slug=consortium_slug, pk=pk)
    responses = matching_request.responses.select_related("vendor", "author")
    if membership.role == Role.VENDOR:
        # A vendor sees its own organization's answers, not its competitors'.
        responses = responses.filter(vendor=membership.organization_id)
    return render(
        request,
        "matching/request_detail.html",
        {
            "req": matching_request,
            "vendors": matching_request.vendors.all(),
            "responses": responses,
            "answer_form": answer_form,
            "status_form": status_form,
        },
    )


def solution_list(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """The tool database (ツールデータベース) with a category filter (GET ``category``)."""
    form = SolutionFilterForm(request.GET or None)
    category = form.cleaned_data.get("category") if form.is_valid() else None
    solutions = selectors.solutions_list(consortium=request.consortium, category=category)
    return render(request, "matching/solution_list.html", {"form": form, "solutions": solutions})
