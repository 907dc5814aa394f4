"""Named permissions for the accompaniment track (django-rules). Object = Company.

| perm                          | who                                                                  |
| ----------------------------- | -------------------------------------------------------------------- |
| accompaniment.enroll          | coordinator, regional coordinator of the company's region            |
| accompaniment.view_track      | whoever sees the company in full (``dxcommunity.access``): coordinator, |
|                               | regional coordinator, assigned ITC (leader / advisor), company       |
|                               | members, bank staff of a linked bank (read only)                     |
| accompaniment.view_plan       | as view_track, plus organizations the company shared its plan with   |
| accompaniment.log_session     | the track's ITC leader, coordinator                                  |
| accompaniment.edit_plan       | company members, the track's ITC leader, coordinator                 |
| accompaniment.approve_plan    | company members                                                      |
| accompaniment.update_homework | as edit_plan                                                         |

On a SessionAttachment: ``accompaniment.view_attachment`` (as view_track, on its session's company) and
``accompaniment.delete_attachment`` (its uploader while they may log the session, or a coordinator).
Object-free rules on the acting membership: ``edit_session_template`` (coordinator), ``view_alerts`` and
``see_survey_respondents`` (coordinators), ``answer_surveys`` (company members).

Views fetch the object through ``dxcommunity.access.object_get_for`` (via the ``*_get_visible`` /
``company_get_for_*`` selectors) and then ask these rules: not allowed to view → 404, allowed to view but
not to change → 403.
"""

from __future__ import annotations

import rules

from dxcommunity import access
from dxcommunity.access.rules import (
    acts_as_company,
    acts_as_coordinator,
    acts_as_secretariat,
    is_coordinator_for_company,
    is_member_of_company,
    membership_for,
    sees_company_in_full,
)
from dxcommunity.consent.models import CompanyShare
from dxcommunity.tenancy.models import Membership

Role = Membership.Role


def _track_of(company):
    """The company's track that the page looks at (``company.current_track``, set by
    ``selectors.track_for_company``), else its latest track; None without one."""
    from django.db.models import F

    from accompaniment.models import AccompanimentTrack

    track = getattr(company, "current_track", None)
    if track is not None:
        return track
    return (
        AccompanimentTrack.objects.filter(company=company)
        .order_by(F("program__closed_at").asc(nulls_first=True), "-program__fiscal_year", "-pk")
        .first()
    )


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
def sees_plan(user, company) -> bool:
    """The company's plan is visible: the company in full, or the plan shared with the user's org."""
    if company is None:
        return False
    return access.can_see_subject(
        membership=membership_for(user, company.consortium_id),
        company=company,
        subject=CompanyShare.Subject.PLAN,
    )


@rules.predicate
def is_uploader_still_logging(user, attachment) -> bool:
    """Object = SessionAttachment: its uploader, while they may still log the session."""
    if attachment is None or attachment.uploaded_by_id != getattr(user, "pk", None):
        return False
    return user.has_perm("accompaniment.log_session", attachment.session.track.company)


@rules.predicate
def sees_attachment_track(user, attachment) -> bool:
    """Object = SessionAttachment: the user sees its session's track (``accompaniment.view_track``)."""
    return attachment is not None and bool(sees_company_in_full(user, attachment.session.track.company))


@rules.predicate
def coordinates_attachment_company(user, attachment) -> bool:
    return attachment is not None and bool(is_coordinator_for_company(user, attachment.session.track.company))


can_edit = is_coordinator_for_company | is_track_leader | is_member_of_company

rules.add_perm("accompaniment.enroll", is_coordinator_for_company)
rules.add_perm("accompaniment.view_track", sees_company_in_full)
rules.add_perm("accompaniment.view_plan", sees_plan)
rules.add_perm("accompaniment.log_session", is_coordinator_for_company | is_track_leader)
rules.add_perm("accompaniment.edit_plan", can_edit)
rules.add_perm("accompaniment.update_homework", can_edit)
rules.add_perm("accompaniment.approve_plan", is_member_of_company)
# Object = SessionAttachment: see it (with its session log); delete (and restore) it.
rules.add_perm("accompaniment.view_attachment", sees_attachment_track)
rules.add_perm("accompaniment.delete_attachment", is_uploader_still_logging | coordinates_attachment_company)

# Object-free rules, on the acting membership (consortium-wide pages).
rules.add_rule("accompaniment.edit_session_template", acts_as_coordinator)
rules.add_rule("accompaniment.view_alerts", acts_as_secretariat)
rules.add_rule("accompaniment.answer_surveys", acts_as_company)
rules.add_rule("accompaniment.see_survey_respondents", acts_as_secretariat)
