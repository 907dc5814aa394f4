"""The diagnosis panel of the company page (companies:detail)."""

from __future__ import annotations

from typing import Any

from diagnosis.rules import sees_diagnosis_panel
from diagnosis.selectors import diagnosis_latest_for_company, diagnosis_results


def company_panel_context(*, company, membership, participation=None) -> dict[str, Any]:
    """Context for templates/diagnosis/_company_panel.html; {} hides the panel.

    Keys: ``dx_company``, ``dx_consortium_slug``, ``dx_diagnosis`` (latest, or None), ``dx_overall``
    (means of the latest, see ``diagnosis_results``), ``dx_is_leading``, ``dx_advisor_session``,
    ``dx_can_start`` / ``dx_can_continue`` (company member), ``dx_can_advise`` (ITC of the region or
    coordinator, submitted diagnosis). Hidden for roles that do not see diagnoses (association, vendor).
    The caller has already checked that ``company`` is visible to ``membership``.
    """
    if not sees_diagnosis_panel(membership):
        return {}
    user = membership.user
    diagnosis = diagnosis_latest_for_company(company=company, participation=participation)
    is_member = user.has_perm("diagnosis.start_diagnosis", company)
    context: dict[str, Any] = {
        "dx_company": company,
        "dx_consortium_slug": membership.consortium.slug,
        "dx_diagnosis": diagnosis,
        "dx_can_start": is_member,
        "dx_can_continue": is_member and diagnosis is not None and not diagnosis.is_locked,
        "dx_can_advise": False,
        "dx_overall": None,
        "dx_is_leading": False,
        "dx_advisor_session": None,
    }
    if diagnosis is not None:
        results = diagnosis_results(diagnosis=diagnosis)
        context["dx_overall"] = results["overall"]
        context["dx_groups"] = results["groups"]
        context["dx_is_leading"] = results["is_leading"]
        context["dx_advisor_session"] = results["advisor_session"]
        context["dx_can_advise"] = diagnosis.is_locked and user.has_perm("diagnosis.record_advice", diagnosis)
    return context


def company_panel(*, company, membership, participation=None) -> tuple[str, str, dict[str, Any]] | None:
    """The panel for the company page (hook ``companies.panel``): ``("diagnosis", template name,
    context)``, or None
    when ``company_panel_context`` hides it."""
    context = company_panel_context(company=company, membership=membership, participation=participation)
    return ("diagnosis", "diagnosis/_company_panel.html", context) if context else None
