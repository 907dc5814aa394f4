"""Named permissions for programs (django-rules). Object = Company unless said otherwise.

Predicates receive ``(user, obj)``; the current membership is looked up per consortium of ``obj``.
"""

from __future__ import annotations

import rules

from .models import Membership

Role = Membership.Role


def membership_for(user, consortium_id: int) -> Membership | None:
    """The user's active membership in a consortium, cached on the user object per request."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = user.__dict__.setdefault("_membership_cache", {})
    if consortium_id not in cache:
        cache[consortium_id] = (
            Membership.objects.filter(user=user, consortium_id=consortium_id, is_active=True)
            .select_related("organization", "region", "company")
            .first()
        )
    return cache[consortium_id]


def has_role(*roles: str):
    """Predicate: the user's membership in the object's consortium has one of ``roles``."""

    @rules.predicate(name=f"has_role({','.join(roles)})")
    def predicate(user, obj) -> bool:
        if obj is None:
            return False
        m = membership_for(user, obj.consortium_id)
        return m is not None and m.role in roles

    return predicate


@rules.predicate
def is_member_of_company(user, company) -> bool:
    """The user is a member of this very company."""
    if company is None:
        return False
    m = membership_for(user, company.consortium_id)
    return m is not None and m.role == Role.COMPANY_MEMBER and m.company_id == company.pk


@rules.predicate
def is_coordinator_for_company(user, company) -> bool:
    """The consortium coordinator, or the regional coordinator of the company's region."""
    if company is None:
        return False
    m = membership_for(user, company.consortium_id)
    if m is None:
        return False
    return m.role == Role.COORDINATOR or (
        m.role == Role.REGIONAL_COORDINATOR and m.region_id == company.region_id
    )


@rules.predicate
def is_itc_for_company(user, company) -> bool:
    """An ITC of the company's region, its track leader or its advisor."""
    if company is None:
        return False
    m = membership_for(user, company.consortium_id)
    if m is None or m.role != Role.ITC:
        return False
    if m.region_id == company.region_id:
        return True
    track = getattr(company, "track", None) if hasattr(company, "track") else None
    return track is not None and track.leader_id == user.pk


is_coordinator = has_role(Role.COORDINATOR, Role.REGIONAL_COORDINATOR)

rules.add_perm("programs.manage_company", is_coordinator_for_company)
rules.add_perm("programs.support_company", is_coordinator_for_company | is_itc_for_company)
rules.add_perm("programs.act_for_company", is_member_of_company)
