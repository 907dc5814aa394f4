"""The accompaniment panel of the company page (companies:detail)."""

from __future__ import annotations

from typing import Any

from accompaniment.selectors import track_for_company, track_progress
from dxcommunity.tenancy.models import Company, Membership
from programs.models import STAGE_ORDER, Participation


def company_panel_context(*, company: Company, membership: Membership, participation=None) -> dict[str, Any]:
    """Context for templates/accompaniment/_company_panel.html; {} hides the panel.

    Keys: ``acc_company``, ``acc_can_enroll`` (coordinator, not enrolled, stage ≥ 自己診断提出) or
    ``acc_track`` + ``acc_progress`` (TrackProgress: sessions held x/10, plan completeness %) for users
    who may see the track. Keys are prefixed so that they do not clash with the company page's context.
    """
    user = membership.user
    if participation is None:
        from programs.participations.selectors import participation_current

        participation = participation_current(company=company)
    program = participation.program if participation else None
    track = track_for_company(company=company, program=program) if participation else None
    if track is None:
        if participation is None or participation.program.is_closed:
            return {}
        diagnosed = participation.stage_index >= STAGE_ORDER.index(Participation.Stage.DIAGNOSED)
        if diagnosed and user.has_perm("accompaniment.enroll", company):
            return {"acc_company": company, "acc_can_enroll": True}
        return {}
    if not user.has_perm("accompaniment.view_track", company):
        return {}
    return {"acc_company": company, "acc_track": track, "acc_progress": track_progress(track=track)}


def company_panel(*, company, membership, participation=None) -> tuple[str, str, dict[str, Any]] | None:
    """The panel for the company page (hook ``companies.panel``): ``("accompaniment", template name,
    context)``, or None
    when ``company_panel_context`` hides it."""
    context = company_panel_context(company=company, membership=membership, participation=participation)
    return ("accompaniment", "accompaniment/_company_panel.html", context) if context else None
