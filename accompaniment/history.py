"""The accompaniment part of the company's history page (``companies:history``, hook ``companies.history``):
every track with its sessions held, every DX推進計画書 with its status, and the 満足度 answers."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from rules import test_rule

from accompaniment.models import AccompanimentSession, AccompanimentTrack, DxPlan
from accompaniment.survey.services import responses_visible_to
from dxcommunity.access.rules import acts_as_itc, acts_as_secretariat

HELD = AccompanimentSession.Status.HELD


def company_history_context(*, company: Any, membership: Any, full: bool, **_: Any) -> dict[str, Any]:
    """Context of templates/accompaniment/_history.html; {} hides the part (a viewer below FULL_READ:
    ``accompaniment.view_track`` is FULL_READ on the company).

    Keys: ``tracks`` ([AccompanimentTrack] oldest program first, with ``held`` and ``total`` session
    counts annotated, leader, bank and program loaded), ``plans`` ([DxPlan] with the participation's
    program), ``surveys`` ([SatisfactionResponse] newest first, or None when the viewer may not read
    surveys: coordinators, regional coordinators of the region, the ITC leading that year's track),
    ``show_respondent`` (``accompaniment.see_survey_respondents``: coordinators). Three queries.
    """
    if not full:
        return {}
    consortium_id = company.consortium_id
    tracks = list(
        AccompanimentTrack.objects.filter(consortium_id=consortium_id, company=company)
        .select_related("program", "leader", "bank")
        .annotate(held=Count("sessions", filter=Q(sessions__status=HELD)), total=Count("sessions"))
        .order_by("program__fiscal_year", "program__name", "pk")
    )
    plans = list(
        DxPlan.objects.filter(consortium_id=consortium_id, company=company)
        .select_related("participation__program")
        .order_by("participation__program__fiscal_year", "participation__program__name", "pk")
    )
    surveys = None
    if (acts_as_secretariat | acts_as_itc)(membership):
        surveys = list(
            responses_visible_to(membership=membership).filter(company=company).order_by("-created_at", "-pk")
        )
    return {
        "tracks": tracks,
        "plans": plans,
        "surveys": surveys,
        "show_respondent": test_rule("accompaniment.see_survey_respondents", membership),
    }


def company_history(**kwargs: Any) -> tuple[str, str, dict[str, Any]] | None:
    """The part for the history page (hook ``companies.history``): ``("accompaniment", template name,
    context)``, or None when ``company_history_context`` hides it."""
    context = company_history_context(**kwargs)
    return ("accompaniment", "accompaniment/_history.html", context) if context else None
