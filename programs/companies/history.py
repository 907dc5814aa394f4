"""The company's whole history on one page (これまでの支援（履歴）, ``companies:history``).

The company is the consortium's durable record; the page walks every participation (参加) and gathers,
part by part, what each program year left: seminars, applications, the self-diagnoses and their advice
with the re-diagnosis comparison, tracks, plans, matching needs, surveys, consent. programs may not
import the journey apps: their parts come through the hook ``companies.history`` (``dxcommunity.registry``).

Hook ``companies.history``: each provider is called with keyword arguments

- ``company`` (visible to the viewer), ``membership`` (the viewer's), ``participations`` ([Participation]
  oldest program first, program and previous loaded),
- ``full`` (bool: the viewer sees the company at FULL_READ or more, ``dxcommunity.access``), ``facts``
  (the ``CompanyFacts`` the page decided ``full`` with: pass it on to access checks, no new queries),
- ``params`` (the request's GET ``QueryDict``: a part may read its own parameters, e.g. ``a`` / ``b``),

and returns None (nothing to show to this viewer) or ``(app label, template name, context dict)``. The
page includes the template with the context as ``part`` (plus the page's ``company`` and the request
context). A provider decides what its viewer may see; a viewer below FULL_READ gets no part beyond the
stages. Providers: diagnosis (``diagnosis.history``), accompaniment (``accompaniment.history``), matching
(``matching.history``), in INSTALLED_APPS order.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from dxcommunity import access, registry
from dxcommunity.access import AccessLevel, CompanyFacts, company_access
from dxcommunity.consent import selectors as consent_selectors
from programs.companies import selectors
from programs.participations.selectors import participations_of

ACCESS_LOG_LIMIT = 50  # the newest views shown; the consent page lists more


@require_safe
def company_history(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """これまでの支援（履歴）: every participation with its program, fiscal year, stage and the participation
    it continues, for whoever sees the company (STAGE); for a viewer at FULL_READ also the seminars,
    applications and the journey apps' parts (hook ``companies.history``, see the module docstring); the
    consent shares and access log for ``programs.view_consent`` (the company's members, coordinators).

    GET ``a`` / ``b``: the two submitted diagnoses to compare (diagnosis's part). 404 for a company the
    viewer may not see (missing, other tenant, another bank's client alike). A bounded number of queries
    whatever the number of participations, diagnoses, items and sessions.
    """
    membership = request.membership
    # The rules (membership_for) see the wrapped user of the lazy request.user: give it the membership the
    # middleware loaded, and the membership that user object, so that no rule reads either again.
    user = getattr(request.user, "_wrapped", request.user)
    user.__dict__.setdefault("_membership_cache", {}).setdefault(membership.consortium_id, membership)
    membership.user = user
    company = access.company_get_visible(membership=membership, pk=pk)
    facts = CompanyFacts(company)
    full = company_access(membership=membership, company=company, facts=facts) >= AccessLevel.FULL_READ
    participations = list(participations_of(company=company))
    context: dict[str, Any] = {
        "company": company,
        "participations": participations,
        "full": full,
        "parts": [],
        "registrations": [],
        "applications": [],
        "self_diagnosis_applications": [],
        "can_view_consent": False,
    }
    if full:
        context["registrations"] = list(selectors.company_registrations(company=company))
        context["applications"] = list(selectors.company_applications(company=company))
        context["self_diagnosis_applications"] = list(
            selectors.company_self_diagnosis_applications(company=company)
        )
        asked = {
            "company": company,
            "membership": membership,
            "participations": participations,
            "full": full,
            "facts": facts,
            "params": request.GET,
        }
        for found in registry.ask("companies.history", **asked):
            if found:
                app, template, part = found
                context["parts"].append({"app": app, "template": template, "context": part})
    if user.has_perm("programs.view_consent", company):
        context["can_view_consent"] = True
        context["shares"] = list(consent_selectors.company_shares(company=company))
        context["access_logs"] = list(
            consent_selectors.access_logs_for_company(company=company, limit=ACCESS_LOG_LIMIT)
        )
    return render(request, "programs/company_history.html", context)
