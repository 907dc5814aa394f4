"""The matching part of the company's history page (``companies:history``, hook ``companies.history``):
every matching need of the company (マッチング依頼) with its status and, once contracted, the contract."""

from __future__ import annotations

from typing import Any

from matching.selectors import matching_requests_visible_to


def company_history_context(*, company: Any, membership: Any, full: bool, **_: Any) -> dict[str, Any]:
    """Context of templates/matching/_history.html; {} hides the part (a viewer below FULL_READ: a need
    tells a company's plans, see ``matching_requests_visible_to``).

    Keys: ``requests`` ([MatchingRequest] the viewer may see, oldest first, with program and bridging ITC
    loaded and the vendors prefetched), ``contracts`` (those with status 契約). Two queries.
    """
    if not full:
        return {}
    requests = list(
        matching_requests_visible_to(membership=membership)
        .filter(company=company)
        .select_related("program", "itc")
        .prefetch_related("vendors")
        .order_by("created_at", "pk")
    )
    contracts = [r for r in requests if r.status == r.Status.CONTRACT]
    return {"requests": requests, "contracts": contracts}


def company_history(**kwargs: Any) -> tuple[str, str, dict[str, Any]] | None:
    """The part for the history page (hook ``companies.history``): ``("matching", template name,
    context)``, or None when ``company_history_context`` hides it."""
    context = company_history_context(**kwargs)
    return ("matching", "matching/_history.html", context) if context else None
