"""The matching panel of the company page (companies:detail)."""

from __future__ import annotations

from typing import Any

from matching.selectors import matching_requests_visible_to


def company_panel_context(*, company, membership, participation=None) -> dict[str, Any]:
    """Context for templates/matching/_company_panel.html; {} hides the panel.

    ``{"requests": [MatchingRequest], "can_create": bool}``; hidden for a company without requests when the
    viewer may not create one.
    """
    requests = list(
        matching_requests_visible_to(membership=membership)
        .filter(company=company)
        .filter(program=participation.program_id if participation else None)
        .prefetch_related("vendors")
    )
    can_create = membership.user.has_perm("programs.support_company", company)
    if not requests and not can_create:
        return {}
    return {"requests": requests, "can_create": can_create}


def company_panel(*, company, membership, participation=None) -> tuple[str, str, dict[str, Any]] | None:
    """The panel for the company page (hook ``companies.panel``): ``("matching", template name, context)``,
    or None
    when ``company_panel_context`` hides it."""
    context = company_panel_context(company=company, membership=membership, participation=participation)
    return ("matching", "matching/_company_panel.html", context) if context else None
