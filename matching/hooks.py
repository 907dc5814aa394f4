"""What matching tells the lower layers (``dxcommunity.registry``), registered in ``MatchingConfig.ready``.

- access: the vendors a matching request is addressed to see the company at stage level;
- the company page: the matching panel; the vendor's home: its open matching requests;
- the company's history page: its matching needs and contracts (``matching.history``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from dxcommunity import registry
from matching.models import MatchingRequest


def addressed_vendors(company, memo: dict[str, Any]) -> set[int]:
    """Ids of the organizations a matching request of the company is addressed to (one query)."""
    return set(
        MatchingRequest.objects.filter(consortium_id=company.consortium_id, company=company)
        .exclude(vendors=None)
        .values_list("vendors", flat=True)
    )


def addressed_vendors_q(org_id: int) -> Q:
    """Companies with a matching request addressed to the vendor ``org_id`` (Q on Company)."""
    return Q(pk__in=MatchingRequest.objects.filter(vendors=org_id).values("company"))


def vendor_home(*, membership) -> dict[str, Any]:
    """``{"matching_requests": QuerySet}`` for the vendor's home: the requests it sees, with the company."""
    from matching.selectors import matching_requests_visible_to

    return {
        "matching_requests": matching_requests_visible_to(membership=membership).select_related("company")
    }


def register() -> None:
    """Register the providers above (idempotent)."""
    from matching import history, panels

    registry.provide("access.addressed_vendors", addressed_vendors)
    registry.provide("access.addressed_vendors_q", addressed_vendors_q)
    registry.provide("companies.panel", panels.company_panel)
    registry.provide("companies.history", history.company_history)
    registry.provide("home.vendor", vendor_home)
    _guard_closed_programs()


def _guard_closed_programs() -> None:
    """The matching needs of a closed program are read-only (``programs.closing``)."""
    from matching.models import MatchingRequest, MatchingStatusChange, VendorResponse
    from programs.closing import guard_register

    guard_register(MatchingRequest, lambda r: r.program_id)
    for model in (MatchingStatusChange, VendorResponse):
        guard_register(model, lambda row: row.request.program_id)
