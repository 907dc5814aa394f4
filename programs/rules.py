"""Named permissions of programs (django-rules): events, recruitment and selection, program editing.

The rules on companies and on the acting membership that every app shares are in
``dxcommunity.access.rules``.
"""

from __future__ import annotations

import rules

from dxcommunity.access.rules import (
    acts_as_company,
    acts_as_coordinator,
    acts_as_recommender,
    acts_as_regional_coordinator,
    acts_as_secretariat,
    acts_as_vendor,
    has_region,
    is_active_membership,
    membership_for,
)


@rules.predicate
def sees_members_only_events(membership) -> bool:
    """Members-only events (キックオフ連絡会, 構成員報告会) are hidden from company members and vendors."""
    return membership is not None and not (acts_as_company(membership) or acts_as_vendor(membership))


def coordinates_region(membership, region_id: int | None) -> bool:
    """The coordinator, or the regional coordinator of ``region_id`` (an application's, an event's region)."""
    if not is_active_membership(membership):
        return False
    if acts_as_coordinator(membership):
        return True
    return bool(acts_as_regional_coordinator(membership)) and membership.region_id == region_id


def coordinates_event(membership, event) -> bool:
    """Edit, delete, see the registrations and mark attendance of ``event``: the coordinator for every
    event, a regional coordinator for the events of their own region (not the common ones, ``region``
    empty)."""
    if not is_active_membership(membership) or membership.consortium_id != event.consortium_id:
        return False
    if acts_as_coordinator(membership):
        return True
    return event.region_id is not None and coordinates_region(membership, event.region_id)


@rules.predicate
def manages_event(user, event) -> bool:
    """Object = Event: ``coordinates_event`` for the user's membership in the event's consortium."""
    return event is not None and coordinates_event(membership_for(user, event.consortium_id), event)


may_create_event = is_active_membership & (acts_as_coordinator | (acts_as_regional_coordinator & has_region))


may_edit_programs = is_active_membership & acts_as_coordinator


rules.add_perm("programs.manage_event", manages_event)


rules.add_rule("programs.view_recruitment", acts_as_secretariat)


rules.add_rule("programs.recommend_company", acts_as_recommender)


rules.add_rule("programs.view_own_selection", acts_as_company)


rules.add_rule("programs.apply_for_diagnosis", acts_as_company)


rules.add_rule("programs.edit_programs", may_edit_programs)
