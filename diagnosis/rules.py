"""Named permissions for diagnosis (django-rules). Object = Diagnosis unless said otherwise.

Who sees a diagnosis is decided by ``dxcommunity.access`` (the one mechanism):

- ``diagnosis.start_diagnosis`` (Company): a member of that company.
- ``diagnosis.view_diagnosis``: whoever sees the company in full (coordinator, regional coordinator of the
  region, the assigned ITC — track leader or DX診断アドバイザー —, the company's members, bank staff of a
  linked bank, read-only) or an organization the company shared its diagnosis with. An ITC of the region
  without an assignment, association staff and vendors see the company's stage only.
- ``diagnosis.view_company_diagnosis`` (Company): the same, for the company's diagnoses as a whole (PDFs).
- ``diagnosis.fill_diagnosis``: a member of the diagnosed company, while the diagnosis is a draft.
- ``diagnosis.assign_advisor``: coordinator / regional coordinator of the region.
- ``diagnosis.record_advice``: coordinator / regional coordinator of the region, or the ITC assigned as the
  diagnosis's DX診断アドバイザー. Whether the diagnosis is submitted is checked by the service and the
  view (a draft cannot be advised yet).
"""

from __future__ import annotations

import rules

from dxcommunity import access
from dxcommunity.access.rules import (
    acts_for_own_company,
    is_coordinator_for_company,
    is_member_of_company,
    membership_for,
)
from dxcommunity.consent.models import CompanyShare
from dxcommunity.tenancy.models import Membership

Role = Membership.Role

# Roles that may see diagnoses at all (which companies: ``dxcommunity.access``). Kept for the panel.
FULL_VIEW_ROLES = frozenset(
    {Role.COORDINATOR, Role.REGIONAL_COORDINATOR, Role.ITC, Role.BANK_STAFF, Role.COMPANY_MEMBER}
)


@rules.predicate
def can_view_diagnosis(user, diagnosis) -> bool:
    """The company is fully visible to the user, or it shared its diagnosis with the user's organization."""
    if diagnosis is None:
        return False
    return access.can_see_subject(
        membership=membership_for(user, diagnosis.consortium_id),
        company=diagnosis.company,
        subject=CompanyShare.Subject.DIAGNOSIS,
    )


@rules.predicate
def sees_company_diagnosis(user, company) -> bool:
    """Object = Company: its diagnoses are visible to the user (in full, or shared with its organization)."""
    if company is None:
        return False
    return access.can_see_subject(
        membership=membership_for(user, company.consortium_id),
        company=company,
        subject=CompanyShare.Subject.DIAGNOSIS,
    )


@rules.predicate
def is_company_member_of_diagnosis(user, diagnosis) -> bool:
    return diagnosis is not None and is_member_of_company(user, diagnosis.company)


@rules.predicate
def is_draft(user, diagnosis) -> bool:
    return diagnosis is not None and not diagnosis.is_locked


@rules.predicate
def coordinates_diagnosed_company(user, diagnosis) -> bool:
    """Coordinator, or the regional coordinator of the company's region."""
    return diagnosis is not None and bool(is_coordinator_for_company(user, diagnosis.company))


@rules.predicate
def is_assigned_advisor(user, diagnosis) -> bool:
    """The ITC assigned as this diagnosis's DX診断アドバイザー."""
    if diagnosis is None or diagnosis.advisor_id is None or diagnosis.advisor_id != user.pk:
        return False
    m = membership_for(user, diagnosis.consortium_id)
    return m is not None and m.role == Role.ITC


@rules.predicate
def sees_diagnosis_panel(membership) -> bool:
    """Object-free, on the acting membership: its role sees diagnoses at all (the company page's panel)."""
    return membership is not None and membership.role in FULL_VIEW_ROLES


rules.add_perm("diagnosis.start_diagnosis", is_member_of_company)
# Object-free, on the acting membership: a company member starts its own company's diagnosis.
rules.add_rule("diagnosis.start_own_diagnosis", acts_for_own_company)
rules.add_perm("diagnosis.view_diagnosis", can_view_diagnosis)
rules.add_perm("diagnosis.view_company_diagnosis", sees_company_diagnosis)
rules.add_perm("diagnosis.fill_diagnosis", is_company_member_of_diagnosis & is_draft)
rules.add_perm("diagnosis.assign_advisor", coordinates_diagnosed_company)
rules.add_perm("diagnosis.record_advice", coordinates_diagnosed_company | is_assigned_advisor)
