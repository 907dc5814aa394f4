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

from dxcommunity import access
from dxcommunity.access import object_get_for
from dxcommunity.access.rules import acts_as_secretariat, acts_for_own_company
from dxcommunity.consent import selectors as consent_selectors
from dxcommunity.consent import services as consent
from dxcommunity.consent.forms import CompanyShareForm
from dxcommunity.consent.models import CompanyShare
from dxcommunity.tenancy.models import Company
from dxcommunity.ui.forms import form_add_service_error


def _company_for_consent(request: HttpRequest, company_pk: int) -> Company:
    """The company if visible (else 404) and its consent page is the user's to see (else 403)."""
    return access.company_get_visible(
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
    companies = access.companies_fully_visible_to(membership=membership).select_related("region")
    return render(request, "programs/consent_index.html", {"companies": companies.order_by("name")})


def company_consent(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """One company's consent page (its members; its coordinators)."""
    return _render(request, company=_company_for_consent(request, company_pk))


def _render(
    request: HttpRequest, *, company: Company, form: CompanyShareForm | None = None, status: int = 200
) -> HttpResponse:
    can_manage = request.user.has_perm("programs.manage_consent", company)
    if can_manage and form is None:
        form = CompanyShareForm(organizations=consent_selectors.share_organizations(company=company))
    subjects = [
        {
            "value": value,
            "label": label,
            "viewers": consent_selectors.company_viewers(company=company, subject=value),
        }
        for value, label in CompanyShare.Subject.choices
    ]
    context = {
        "company": company,
        "subjects": subjects,
        "shares": consent_selectors.company_shares(company=company),
        "access_logs": consent_selectors.access_logs_for_company(company=company),
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
    form = CompanyShareForm(
        request.POST, organizations=consent_selectors.share_organizations(company=company)
    )
    if form.is_valid():
        try:
            granted = consent.company_share_grant(
                company=company,
                organization=form.cleaned_data["organization"],
                subject=form.cleaned_data["subject"],
                user=request.user,
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
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
