"""Named permissions for diagnosis (django-rules). Object = Diagnosis unless said otherwise.

- ``diagnosis.start_diagnosis`` (Company): a member of that company.
- ``diagnosis.view_diagnosis``: whoever sees the company at full level: coordinator / regional coordinator
  of the region, ITC of the region, track leader or advisor, the company's members, and bank staff of a bank
  linked to the company (main bank, recommender, track assistant; read-only). Association staff and
  vendors do not see diagnoses.
- ``diagnosis.fill_diagnosis``: a member of the diagnosed company, while the diagnosis is a draft.
- ``diagnosis.record_advice``: coordinator / regional coordinator of the region or an ITC of the region
  (or the track leader), i.e. ``programs.support_company`` on the company. Whether the diagnosis is
  submitted is checked by the service and the view (a draft cannot be advised yet).
"""

from __future__ import annotations

import rules

from programs.models import Membership
from programs.rules import (
    is_coordinator_for_company,
    is_itc_for_company,
    is_member_of_company,
    membership_for,
)

Role = Membership.Role

# Roles that see a visible company's diagnosis; which companies each role sees is companies_visible_to.
FULL_VIEW_ROLES = frozenset(
    {Role.COORDINATOR, Role.REGIONAL_COORDINATOR, Role.ITC, Role.BANK_STAFF, Role.COMPANY_MEMBER}
)


@rules.predicate
def can_view_diagnosis(user, diagnosis) -> bool:
    """The diagnosis's company is visible to the user's membership and the role sees diagnoses."""
    if diagnosis is None:
        return False
    m = membership_for(user, diagnosis.consortium_id)
    if m is None or m.role not in FULL_VIEW_ROLES:
        return False
    from programs.selectors import companies_visible_to

    return companies_visible_to(membership=m).filter(pk=diagnosis.company_id).exists()


@rules.predicate
def is_company_member_of_diagnosis(user, diagnosis) -> bool:
    return diagnosis is not None and is_member_of_company(user, diagnosis.company)


@rules.predicate
def is_draft(user, diagnosis) -> bool:
    return diagnosis is not None and not diagnosis.is_locked


@rules.predicate
def supports_diagnosed_company(user, diagnosis) -> bool:
    """Coordinator of the company's region or an ITC of the region / the track leader."""
    if diagnosis is None:
        return False
    company = diagnosis.company
    return bool(is_coordinator_for_company(user, company) or is_itc_for_company(user, company))


rules.add_perm("diagnosis.start_diagnosis", is_member_of_company)
rules.add_perm("diagnosis.view_diagnosis", can_view_diagnosis)
rules.add_perm("diagnosis.fill_diagnosis", is_company_member_of_diagnosis & is_draft)
rules.add_perm("diagnosis.record_advice", supports_diagnosed_company)
