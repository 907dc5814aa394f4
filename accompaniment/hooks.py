"""What accompaniment tells the lower layers (``dxcommunity.registry``), registered in its ``ready``.

- access: the track's leader (伴走支援リーダ) is assigned to the company, the track's assisting bank is
linked;
- the company page: the accompaniment panel, the link to a shared DX推進計画書, the track and plan on the
  company's home; the coordinator's home: the number of track alerts;
- copying a program to the next fiscal year: the session template goes with it;
- the company's history page: tracks, plans and surveys (``accompaniment.history``), and for the
  re-diagnosis comparison the sessions that named an item (``diagnosis.sessions_by_item``,
  ``accompaniment.items``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accompaniment.models import AccompanimentTrack, DxPlan
from dxcommunity import registry


def _tracks(company, memo: dict[str, Any]) -> list[tuple[int | None, int | None]]:
    """(leader id, bank id) of each of the company's tracks (every program year), loaded once per
    ``memo``; [] without one."""
    if "tracks" not in memo:
        memo["tracks"] = list(
            AccompanimentTrack.objects.filter(
                consortium_id=company.consortium_id, company=company
            ).values_list("leader_id", "bank_id")
        )
    return memo["tracks"]


def assigned_users(company, memo: dict[str, Any]) -> set[int]:
    """The ids of the leaders of the company's tracks (one query, shared with ``linked_banks``)."""
    return {leader for leader, _bank in _tracks(company, memo) if leader}


def linked_banks(company, memo: dict[str, Any]) -> set[int]:
    """The assisting banks (組織 id) of the company's tracks."""
    return {bank for _leader, bank in _tracks(company, memo) if bank}


def assigned_users_q(user_id: int) -> Q:
    """Companies whose track ``user_id`` leads (Q on Company)."""
    return Q(pk__in=AccompanimentTrack.objects.filter(leader=user_id).values("company"))


def linked_banks_q(org_id: int) -> Q:
    """Companies whose track the bank ``org_id`` assists (Q on Company)."""
    return Q(pk__in=AccompanimentTrack.objects.filter(bank=org_id).values("company"))


def journey(*, company, participation=None) -> dict[str, Any]:
    """``{"track": AccompanimentTrack | None, "sessions_held": int, "plan": DxPlan | None, "plan_percent":
    int | None}`` of the participation (None: the company's current one) for its home; ``plan_percent`` is
    the plan page's 記入率 (``plan_completeness``)."""
    from accompaniment.selectors import plan_completeness

    if participation is None:
        from programs.participations.selectors import participation_current

        participation = participation_current(company=company)
    track = AccompanimentTrack.objects.filter(participation=participation).first() if participation else None
    plan = DxPlan.objects.filter(participation=participation).first() if participation else None
    return {
        "track": track,
        "sessions_held": track.sessions.filter(status="held").count() if track else 0,
        "plan": plan,
        "plan_percent": plan_completeness(plan=plan)["percent"] if plan else None,
    }


def shared_link(*, consortium_slug: str, company, membership, facts) -> dict[str, str] | None:
    """The link to the company's DX推進計画書 when it shares its plan with the viewer, else None."""
    from accompaniment.selectors import plan_for_company
    from dxcommunity.access import Subject, can_see_subject

    if not can_see_subject(membership=membership, company=company, subject=Subject.PLAN, facts=facts):
        return None
    if plan_for_company(company=company) is None:
        return None
    return {
        "label": _("DX推進計画書"),
        "url": reverse("plan:detail", kwargs={"consortium_slug": consortium_slug, "company_pk": company.pk}),
    }


def coordinator_home(*, membership) -> dict[str, Any]:
    """``{"track_alert_count": int}`` for the coordinator's home."""
    from accompaniment.selectors import track_alerts

    return {"track_alert_count": len(track_alerts(membership=membership))}


def program_copy(*, source, target) -> None:
    """``programs.copy``: the source program's session template (themes, order, roles) for ``target``."""
    import copy

    from accompaniment.models import SessionTemplate

    tpl = SessionTemplate.objects.filter(consortium_id=source.consortium_id, program=source).first()
    if tpl is not None:
        SessionTemplate.objects.create(
            consortium_id=target.consortium_id, program=target, sessions=copy.deepcopy(tpl.sessions)
        )


def program_copy_preview(*, program) -> list:
    """``programs.copy_preview``: the session template, with its number of sessions (None: none)."""
    from accompaniment.models import SessionTemplate
    from programs.events.selectors import CopyItem

    tpl = SessionTemplate.objects.filter(consortium_id=program.consortium_id, program=program).first()
    n = len(tpl.sessions) if tpl is not None else 0
    detail = ngettext("全%(n)d回", "全%(n)d回", n) % {"n": n} if n else None
    return [CopyItem(label=_("伴走支援テンプレート"), detail=detail)]


def register() -> None:
    """Register the providers above (idempotent)."""
    from accompaniment import history, items, panels

    registry.provide("access.assigned_users", assigned_users)
    registry.provide("access.linked_banks", linked_banks)
    registry.provide("access.assigned_users_q", assigned_users_q)
    registry.provide("access.linked_banks_q", linked_banks_q)
    registry.provide("companies.journey", journey)
    registry.provide("companies.shared_link", shared_link)
    registry.provide("companies.panel", panels.company_panel)
    registry.provide("companies.history", history.company_history)
    registry.provide("diagnosis.sessions_by_item", items.sessions_by_item_hook)
    registry.provide("home.coordinator", coordinator_home)
    registry.provide("programs.copy", program_copy)
    registry.provide("programs.copy_preview", program_copy_preview)
    _guard_closed_programs()


def _guard_closed_programs() -> None:
    """Tracks, sessions, plans and surveys of a closed program are read-only (``programs.closing``)."""
    from accompaniment import models as m
    from programs.closing import guard_register

    for model in (m.AccompanimentTrack, m.SessionTemplate, m.SatisfactionResponse):
        guard_register(model, lambda row: row.program_id)
    for model in (m.AccompanimentSession,):
        guard_register(model, lambda s: s.track.program_id)
    for model in (m.SessionLog, m.Attendance, m.Homework, m.SessionAttachment, m.SessionLogComment):
        guard_register(model, lambda row: row.session.track.program_id)
    guard_register(m.DxPlan, lambda p: p.participation.program_id)
    for model in (m.PlanKpi, m.RoadmapItem, m.PlanVersion):
        guard_register(model, lambda row: row.plan.participation.program_id)
