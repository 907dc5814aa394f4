"""Views of the 'consent' namespace: a company's consent page (who can see its diagnosis and plan, its
shares, the access log) and the bank comments on the company page. Thin: selectors read, services write.

Not visible → 404 (``company_get_visible``); visible but not allowed → 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dxcommunity import idempotency

from . import consent, selectors
from .access import object_get_for
from .forms_consent import CompanyCommentForm, CompanyShareForm
from .models import Company, CompanyShare
from .rules import acts_as_secretariat, acts_for_own_company


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _company_for_consent(request: HttpRequest, company_pk: int) -> Company:
    """The company if visible (else 404) and its consent page is the user's to see (else 403)."""
    return selectors.company_get_visible(
        membership=request.membership, pk=company_pk, perm="programs.view_consent", user=request.user
    )


def index(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """A company member: its own company's page. Coordinators: ``?company=<pk>`` or a list to choose from."""
    membership = request.membership
    if acts_for_own_company(membership):
        return _render(request, company=_company_for_consent(request, membership.company_id))
    if not acts_as_secretariat(membership):
        raise PermissionDenied
    company_pk = request.GET.get("company", "")
    if company_pk:
        if not company_pk.isdigit():
            raise Http404("No such company.")
        return redirect("consent:company", consortium_slug=consortium_slug, company_pk=int(company_pk))
    companies = selectors.companies_fully_visible_to(membership=membership).select_related("region")
    return render(request, "programs/consent_index.html", {"companies": companies.order_by("name")})


def company_consent(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """One company's consent page (its members; its coordinators)."""
    return _render(request, company=_company_for_consent(request, company_pk))


def _render(
    request: HttpRequest, *, company: Company, form: CompanyShareForm | None = None, status: int = 200
) -> HttpResponse:
    can_manage = request.user.has_perm("programs.manage_consent", company)
    if can_manage and form is None:
        form = CompanyShareForm(organizations=selectors.share_organizations(company=company))
    subjects = [
        {
            "value": value,
            "label": label,
            "viewers": selectors.company_viewers(company=company, subject=value),
        }
        for value, label in CompanyShare.Subject.choices
    ]
    context = {
        "company": company,
        "subjects": subjects,
        "shares": selectors.company_shares(company=company),
        "access_logs": selectors.access_logs_for_company(company=company),
        "form": form if can_manage else None,
        "can_manage": can_manage,
    }
    return render(request, "programs/consent.html", context, status=status)


@require_POST
def share(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """POST ``organization``, ``subject``: share the diagnosis or the plan (button 「共有する」)."""
    company = _company_for_consent(request, company_pk)
    if not request.user.has_perm("programs.manage_consent", company):
        raise PermissionDenied
    form = CompanyShareForm(request.POST, organizations=selectors.share_organizations(company=company))
    if form.is_valid():
        try:
            granted = consent.company_share_grant(
                company=company,
                organization=form.cleaned_data["organization"],
                subject=form.cleaned_data["subject"],
                user=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(org)s に%(subject)sを共有しました。")
                % {"org": granted.organization.name, "subject": granted.get_subject_display()},
            )
            return redirect("consent:company", consortium_slug=consortium_slug, company_pk=company.pk)
    return _render(request, company=company, form=form, status=400)


@require_POST
def revoke(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """POST: withdraw one share (button 「共有を取り消す」)."""
    # 404 unless the share's company is visible; 403 unless its consent page is the user's to see.
    found = object_get_for(
        request.membership,
        CompanyShare.objects.select_related("company"),
        pk=pk,
        perm="programs.view_consent",
        perm_on=lambda s: s.company,
        user=request.user,
    )
    company = found.company
    revoked = consent.company_share_revoke(share=found, user=request.user)  # PermissionDenied → 403
    messages.success(
        request,
        _("%(org)s への%(subject)sの共有を取り消しました。")
        % {"org": revoked.organization.name, "subject": revoked.get_subject_display()},
    )
    return redirect("consent:company", consortium_slug=consortium_slug, company_pk=company.pk)


@require_POST
def comment_add(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """POST ``body``: a bank user's own comment on the company page (button 「コメントを追加」)."""
    company = selectors.company_get_visible(
        membership=request.membership, pk=company_pk, perm="programs.comment_company", user=request.user
    )
    form = CompanyCommentForm(request.POST)
    if form.is_valid():
        try:
            consent.company_comment_add(
                company=company,
                user=request.user,
                body=form.cleaned_data["body"],
                idempotency_key=idempotency.key_from(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("コメントを追加しました。"))
            return redirect("programs:company_detail", consortium_slug=consortium_slug, pk=company.pk)
    from .views import company_detail_response

    # The company page again with what was typed and the error next to the field.
    return company_detail_response(request, consortium_slug, company=company, comment_form=form, status=400)
