"""Named permissions for matching (django-rules).

Who sees a need (MatchingRequest) is decided by ``matching.selectors.matching_requests_visible_to`` over
``dxcommunity.access``; these rules add who may do what with a visible one.

- ``matching.create_request`` (membership): coordinator, regional coordinator, ITC (the service then
  requires a company it supports in full).
- ``matching.manage_request`` (MatchingRequest): move it along the pipeline, shortlist, address vendors:
  the bridging ITC, or whoever supports the company (``programs.support_company``: coordinators of its
  region, the assigned ITC).
- ``matching.reopen_request`` (MatchingRequest): coordinators of the company (``programs.manage_company``).
- ``matching.read_responses`` (membership): bank staff read the vendors' answers on the needs they see
  (managers and the addressed vendors are decided per request).
- ``matching.manage_every_solution`` (membership): coordinator, regional coordinator.
- ``matching.view_solution`` (Solution): published ones for every member, an unpublished one for those who
  manage it; ``matching.manage_solution`` (Solution): coordinators, the vendor staff of its organization.

Perms (``user.has_perm(perm, request)``) take the user and the request; rules marked "(membership)" are
object-free and take the acting membership (``rules.test_rule(name, membership)``).
"""

from __future__ import annotations

import rules

from dxcommunity.access.rules import (
    acts_as_bank,
    acts_as_itc,
    acts_as_secretariat,
    acts_as_vendor,
    is_coordinator_for_company,
    is_itc_for_company,
    membership_for,
)
from dxcommunity.tenancy.models import MemberOrganization

# Organizations a request may be addressed to and whose staff maintain solutions in the tool database.
VENDOR_KINDS: tuple[str, ...] = (MemberOrganization.Kind.IT_VENDOR, MemberOrganization.Kind.IT_ASSOCIATION)


@rules.predicate
def is_bridging_itc(user, request) -> bool:
    """The ITC named as the request's bridging ITC (``MatchingRequest.itc``)."""
    if request is None or request.itc_id is None or request.itc_id != getattr(user, "pk", None):
        return False
    return bool(acts_as_itc(membership_for(user, request.consortium_id)))


@rules.predicate
def supports_requesting_company(user, request) -> bool:
    """Coordinators of the company's region and the ITC assigned to it (``programs.support_company``)."""
    return request is not None and bool(
        is_coordinator_for_company(user, request.company) or is_itc_for_company(user, request.company)
    )


@rules.predicate
def coordinates_requesting_company(user, request) -> bool:
    return request is not None and bool(is_coordinator_for_company(user, request.company))


def maintained_vendor_id(membership) -> int | None:
    """The organization id whose solutions ``membership`` maintains: vendor staff of an IT_VENDOR /
    IT_ASSOCIATION organization; None for everyone else."""
    if not acts_as_vendor(membership) or membership.organization is None:
        return None
    return membership.organization_id if membership.organization.kind in VENDOR_KINDS else None


def manages_solution(membership, solution=None) -> bool:
    """Coordinators manage every solution; vendor staff their own organization's (``solution=None``: may it
    add one at all?)."""
    if acts_as_secretariat(membership):
        return True
    org = maintained_vendor_id(membership)
    return org is not None and (solution is None or solution.vendor_id == org)


@rules.predicate
def sees_solution(user, solution) -> bool:
    """Object = Solution: published ones for every member; an unpublished one for those who manage it."""
    if solution is None:
        return False
    return solution.is_published or manages_solution(membership_for(user, solution.consortium_id), solution)


@rules.predicate
def manages_this_solution(user, solution) -> bool:
    """Object = Solution: coordinators, and the vendor staff of the solution's organization."""
    return solution is not None and manages_solution(membership_for(user, solution.consortium_id), solution)


rules.add_perm("matching.view_solution", sees_solution)
rules.add_perm("matching.manage_solution", manages_this_solution)
rules.add_rule("matching.create_request", acts_as_secretariat | acts_as_itc)
rules.add_perm("matching.manage_request", is_bridging_itc | supports_requesting_company)
rules.add_perm("matching.reopen_request", coordinates_requesting_company)
rules.add_rule("matching.read_responses", acts_as_bank)
rules.add_rule("matching.manage_every_solution", acts_as_secretariat)
