"""Builders for the matching tests: solutions through the service (so search_text is maintained)."""

from __future__ import annotations

from dxcommunity.tenancy.models import Membership
from matching.models import MatchingRequest, Solution
from matching.solutions.services import solution_save


def membership(cast, user) -> Membership:
    return Membership.objects.select_related("consortium", "organization", "user").get(
        user=user, consortium=cast.consortium
    )


def solution(cast, name="販売管理クラウド", *, vendor=None, regions=(), **data) -> Solution:
    """A published solution of ``vendor`` (default cast.vendor) saved by the coordinator."""
    values = {"name": name, "category": "core_business", "description": "", "item_codes": []} | data
    return solution_save(
        membership=membership(cast, cast.coordinator),
        data=values,
        regions=regions,
        vendor=vendor or cast.vendor,
    )


def need(cast, company=None, *, vendors=(), title="在庫管理の一元化", category="core_business", **fields):
    """A need (MatchingRequest) created through the ORM at status ``fields.get("status", "hearing")``."""
    request = MatchingRequest.objects.create(
        consortium=cast.consortium,
        company=company or cast.company,
        title=title,
        category=category,
        **fields,
    )
    request.vendors.set(list(vendors))
    return request
