"""Named permissions for programs (django-rules). Object = Company unless said otherwise.

Who sees what is decided in one place, ``dxcommunity.access``; these rules add who may change what.

Predicates receive ``(user, obj)``; the current membership is looked up per consortium of ``obj``.
"""

from __future__ import annotations

import rules

from dxcommunity import access
from dxcommunity.tenancy.models import Membership

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
    """An ITC assigned to the company: its track leader or its DX診断アドバイザー (``dxcommunity.access``).

    An ITC of the region without an assignment sees the company at stage level only.
    """
    if company is None:
        return False
    return access.is_assigned_itc(membership=membership_for(user, company.consortium_id), company=company)


@rules.predicate
def sees_company(user, company) -> bool:
    """The company is visible to the user at STAGE level or more."""
    if company is None:
        return False
    m = membership_for(user, company.consortium_id)
    return access.company_access(membership=m, company=company) >= access.AccessLevel.STAGE


@rules.predicate
def sees_company_in_full(user, company) -> bool:
    """The user sees the company in full (FULL_READ or more: diagnosis, track, plan, documents)."""
    if company is None:
        return False
    m = membership_for(user, company.consortium_id)
    return access.company_access(membership=m, company=company) >= access.AccessLevel.FULL_READ


@rules.predicate
def is_bank_staff(user, company) -> bool:
    if company is None:
        return False
    m = membership_for(user, company.consortium_id)
    return m is not None and m.role == Role.BANK_STAFF and m.organization_id is not None


@rules.predicate
def is_executive_of_company(user, company) -> bool:
    """A 経営者 of this very company (the one who decides what the company shares)."""
    if company is None:
        return False
    m = membership_for(user, company.consortium_id)
    return m is not None and m.role == Role.COMPANY_MEMBER and m.company_id == company.pk and m.is_executive


is_coordinator = has_role(Role.COORDINATOR, Role.REGIONAL_COORDINATOR)

rules.add_perm("programs.view_company", sees_company)
rules.add_perm("programs.view_company_full", sees_company_in_full)
rules.add_perm("programs.manage_company", is_coordinator_for_company)
rules.add_perm("programs.support_company", is_coordinator_for_company | is_itc_for_company)
rules.add_perm("programs.act_for_company", is_member_of_company)
# Consent: the company's members and its coordinators see who can see what; its 経営者 decide.
rules.add_perm("programs.view_consent", is_member_of_company | is_coordinator_for_company)
rules.add_perm("programs.manage_consent", is_executive_of_company)
# Bank staff who see the company in full add their own comments (nobody edits another's).
rules.add_perm("programs.comment_company", is_bank_staff & sees_company_in_full)
