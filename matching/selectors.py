"""Reads for matching. Expect the tenant scope to be active."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from programs.access import companies_fully_visible_to
from programs.models import MemberOrganization, Membership

from .models import MatchingRequest, Solution

Role = Membership.Role
VENDOR_KINDS: tuple[str, ...] = (MemberOrganization.Kind.IT_VENDOR, MemberOrganization.Kind.IT_ASSOCIATION)


def matching_requests_visible_to(*, membership: Membership) -> QuerySet[MatchingRequest]:
    """Matching requests the membership may see (``programs.access``).

    vendor: only those addressed to its organization; everyone else: those of the companies it sees in full
    (coordinator: all; regional coordinator: its region; assigned ITC; bank staff: its linked companies;
    company member: its own). Stage-level viewers (ITC of the region without an assignment, association
    staff) see none: a request tells a company's needs.
    """
    qs = MatchingRequest.objects.filter(consortium=membership.consortium)
    if membership.role == Role.COORDINATOR:
        return qs
    if membership.role == Role.VENDOR:
        if membership.organization_id is None:
            return qs.none()
        return qs.filter(vendors=membership.organization_id).distinct()
    return qs.filter(company__in=companies_fully_visible_to(membership=membership).values("pk"))


def matching_request_get_visible(*, membership: Membership, pk: int) -> MatchingRequest:
    """One visible request with company loaded; ``Http404`` for missing / other tenant / not visible alike."""
    request = (
        matching_requests_visible_to(membership=membership)
        .select_related("company", "company__region", "created_by")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404("No such matching request.")
    return request


def vendor_organizations(*, consortium) -> QuerySet[MemberOrganization]:
    """The consortium's organizations a request may be addressed to (IT vendors, IT industry associations)."""
    return MemberOrganization.objects.filter(consortium=consortium, kind__in=VENDOR_KINDS).order_by("name")


def solutions_list(*, consortium, category: str | None = None) -> QuerySet[Solution]:
    """The tool database (ツールデータベース), optionally one ``Category`` value."""
    qs = Solution.objects.filter(consortium=consortium).select_related("vendor")
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("category", "name")
