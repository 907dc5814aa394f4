"""Named permissions for the accompaniment track (django-rules). Object = Company.

| perm                          | who                                                                  |
| ----------------------------- | -------------------------------------------------------------------- |
| accompaniment.enroll          | coordinator, regional coordinator of the company's region            |
| accompaniment.view_track      | coordinator, ITC of the region or track leader, company members,     |
|                               | bank staff of a bank linked to the company (read only)               |
| accompaniment.log_session     | the track's ITC leader, coordinator                                  |
| accompaniment.edit_plan       | company members, the track's ITC leader, coordinator                 |
| accompaniment.approve_plan    | company members                                                      |
| accompaniment.update_homework | as edit_plan                                                         |

Views first fetch the company through ``programs.selectors.company_get_visible`` (404) and then ask
these rules: not allowed to view → 404, allowed to view but not to change → 403.
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


def _track_of(company):
    """The company's AccompanimentTrack or None (without raising RelatedObjectDoesNotExist)."""
    from .models import AccompanimentTrack

    try:
        return company.track
    except AccompanimentTrack.DoesNotExist:
        return None


@rules.predicate
def is_track_leader(user, company) -> bool:
    """The user is the ITC leader (伴走支援リーダ) of the company's track."""
    if company is None or not getattr(user, "is_authenticated", False):
        return False
    track = _track_of(company)
    if track is None or track.leader_id != user.pk:
        return False
    m = membership_for(user, company.consortium_id)
    return m is not None and m.role == Role.ITC


@rules.predicate
def is_linked_bank_staff(user, company) -> bool:
    """Bank staff whose bank is the company's main bank, its recommender or the track's assistant bank."""
    if company is None:
        return False
    m = membership_for(user, company.consortium_id)
    if m is None or m.role != Role.BANK_STAFF or m.organization_id is None:
        return False
    org = m.organization_id
    if org in (company.main_bank_id, company.recommended_by_id):
        return True
    track = _track_of(company)
    return track is not None and track.bank_id == org


can_edit = is_coordinator_for_company | is_track_leader | is_member_of_company

rules.add_perm("accompaniment.enroll", is_coordinator_for_company)
rules.add_perm(
    "accompaniment.view_track",
    is_coordinator_for_company | is_itc_for_company | is_member_of_company | is_linked_bank_staff,
)
rules.add_perm("accompaniment.log_session", is_coordinator_for_company | is_track_leader)
rules.add_perm("accompaniment.edit_plan", can_edit)
rules.add_perm("accompaniment.update_homework", can_edit)
rules.add_perm("accompaniment.approve_plan", is_member_of_company)
