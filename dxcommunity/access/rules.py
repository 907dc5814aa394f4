"""Named permissions on companies and the acting membership (django-rules), for every app.

Who sees what is decided in one place, ``dxcommunity.access``; these rules add who may do what. Two kinds:

- predicates of ``(user, company)``: the user's membership is looked up per consortium of the company
  (``membership_for``), e.g. ``programs.view_company``, ``programs.manage_consent``;
- predicates of one argument, the acting ``Membership`` (or None), for decisions that depend on the role
  alone (which pages a member sees, which widgets its home shows, who invites whom): views, services and
  selectors call these (``acts_as_itc(membership)``) instead of comparing roles.

The permission names keep the ``programs.`` prefix they had when they were defined there; the journey apps'
own rules are in their ``rules.py``.
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


rules.add_perm("programs.view_consent", is_member_of_company | is_coordinator_for_company)


rules.add_perm("programs.manage_consent", is_executive_of_company)


rules.add_perm("programs.comment_company", is_bank_staff & sees_company_in_full)


def _membership_role(*roles: str, name: str):
    @rules.predicate(name=name)
    def predicate(membership) -> bool:
        return membership is not None and membership.role in roles

    return predicate


@rules.predicate
def has_organization(membership) -> bool:
    return membership is not None and membership.organization_id is not None


@rules.predicate
def has_region(membership) -> bool:
    return membership is not None and membership.region_id is not None


@rules.predicate
def is_active_membership(membership) -> bool:
    return membership is not None and membership.is_active


@rules.predicate
def is_executive(membership) -> bool:
    """A 経営者 of a company (``is_executive`` is only ever set on a company member)."""
    return membership is not None and membership.role == Role.COMPANY_MEMBER and membership.is_executive


acts_as_coordinator = _membership_role(Role.COORDINATOR, name="acts_as_coordinator")  # 全体まとめ


acts_as_regional_coordinator = _membership_role(
    Role.REGIONAL_COORDINATOR, name="acts_as_regional_coordinator"
)


acts_as_secretariat = _membership_role(
    Role.COORDINATOR, Role.REGIONAL_COORDINATOR, name="acts_as_secretariat"
)


acts_as_itc = _membership_role(Role.ITC, name="acts_as_itc")


acts_as_bank = _membership_role(Role.BANK_STAFF, name="acts_as_bank")


acts_as_association = _membership_role(Role.ASSOCIATION_STAFF, name="acts_as_association")


acts_as_vendor = _membership_role(Role.VENDOR, name="acts_as_vendor")


acts_as_company = _membership_role(Role.COMPANY_MEMBER, name="acts_as_company")


acts_as_recommender = (acts_as_bank | acts_as_association) & has_organization


@rules.predicate
def acts_for_own_company(membership) -> bool:
    """A company member attached to a company (its own company's pages)."""
    return bool(acts_as_company(membership)) and membership.company_id is not None


@rules.predicate
def sees_every_company_in_full(membership) -> bool:
    """Coordinators see every company of their scope in full, and a company member its only one."""
    return bool(acts_as_secretariat(membership) or acts_as_company(membership))


views_are_logged = acts_as_bank | acts_as_vendor


may_invite = is_active_membership & (acts_as_secretariat | is_executive)


may_deactivate_members = acts_as_secretariat


rules.add_rule("programs.view_audit_log", acts_as_coordinator)
# The pages the main navigation offers (templates: ``{% test_rule "…" membership as … %}``): vendors have no
# company list, company members no program list; a company member's pages are its own company's.
rules.add_rule("programs.list_companies", is_active_membership & ~acts_as_vendor)
rules.add_rule("programs.list_programs", is_active_membership & ~acts_as_company)
rules.add_rule("programs.own_company_pages", acts_as_company)


rules.add_rule("programs.invite", may_invite)


rules.add_rule("programs.deactivate_members", may_deactivate_members)


def invited_role_is_company(role: str) -> bool:
    """The invited role is a company member (it takes a company, no organization, maybe 経営者)."""
    return role == Role.COMPANY_MEMBER


def invited_role_needs_organization(role: str) -> bool:
    """Bank staff and vendors are invited into their organization (a bank, an IT vendor)."""
    return role in (Role.BANK_STAFF, Role.VENDOR)


def invited_role_needs_region(role: str) -> bool:
    return role == Role.REGIONAL_COORDINATOR


def may_invite_role(actor, role: str) -> bool:
    """The coordinator invites any role; a regional coordinator any but the coordinator; a 経営者 only the
    company's members (their company and region are checked by the invitation service)."""
    if acts_as_regional_coordinator(actor):
        return role != Role.COORDINATOR
    if acts_as_company(actor):
        return role == Role.COMPANY_MEMBER
    return bool(acts_as_coordinator(actor))


def invitable_roles(*, regional: bool) -> list[tuple[str, str]]:
    """``Membership.Role.choices`` an inviter may choose from (a regional coordinator: all but 全体まとめ)."""
    return [c for c in Role.choices if not (regional and c[0] == Role.COORDINATOR)]


def reads_every_comment(membership, company) -> bool:
    """Coordinators (of the region) and the company's assigned ITCs read every comment on the company."""
    return bool((acts_as_secretariat | acts_as_itc)(membership)) and (
        access.company_access(membership=membership, company=company) >= access.AccessLevel.FULL
    )


def reads_own_bank_comments(membership, company) -> bool:
    """Bank staff seeing the company in full read their own bank's comments on it."""
    return bool(acts_as_bank(membership) and has_organization(membership)) and (
        access.company_access(membership=membership, company=company) >= access.AccessLevel.FULL_READ
    )
