"""Reads for the accompaniment track. Every lookup starts from the tenant and the visibility selectors.

"Missing", "other tenant" and "not visible to you" are the same ``Http404``. The tenant scope must be
active (``ConsortiumMiddleware`` does it for requests).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404

from programs.models import Company, Membership
from programs.selectors import company_get_visible

from .models import AccompanimentSession, AccompanimentTrack, DxPlan, Homework


def company_get_for_track(*, membership: Membership, company_pk: int) -> Company:
    """The company if the membership may see its accompaniment (perm ``accompaniment.view_track``).

    Raises Http404 for missing / other tenant / not visible / not allowed to view the track alike.
    """
    company = company_get_visible(membership=membership, pk=company_pk)
    if not membership.user.has_perm("accompaniment.view_track", company):
        raise Http404("No such company.")
    return company


def company_get_for_plan(*, membership: Membership, company_pk: int) -> Company:
    """The company if the membership may see its DX推進計画書 (perm ``accompaniment.view_plan``: the track's
    viewers plus organizations the company shared its plan with). Http404 otherwise, as above."""
    company = company_get_visible(membership=membership, pk=company_pk)
    if not membership.user.has_perm("accompaniment.view_plan", company):
        raise Http404("No such company.")
    return company


def track_for_company(*, company: Company) -> AccompanimentTrack | None:
    """The company's track with leader, bank and its sessions (logs, attendances, homework) prefetched."""
    return (
        AccompanimentTrack.objects.filter(consortium_id=company.consortium_id, company=company)
        .select_related("leader", "bank", "program")
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=AccompanimentSession.objects.order_by("number")
                .select_related("log", "log__author")
                .prefetch_related("attendances", "homework"),
            )
        )
        .first()
    )


def plan_for_company(*, company: Company) -> DxPlan | None:
    """The company's DxPlan or None (created by ``track_enroll``)."""
    return DxPlan.objects.filter(consortium_id=company.consortium_id, company=company).first()


def session_get_visible(*, membership: Membership, pk: int) -> AccompanimentSession:
    """One session whose company the membership may see the track of; Http404 otherwise."""
    session = (
        AccompanimentSession.objects.filter(consortium=membership.consortium, pk=pk)
        .select_related("track", "track__company", "track__leader", "track__bank")
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    company_get_for_track(membership=membership, company_pk=session.track.company_id)
    return session


def homework_get_visible(*, membership: Membership, pk: int) -> Homework:
    """One homework item whose company the membership may see the track of; Http404 otherwise."""
    item = (
        Homework.objects.filter(consortium=membership.consortium, pk=pk)
        .select_related("session", "session__track", "session__track__company")
        .first()
    )
    if item is None:
        raise Http404("No such homework.")
    company_get_for_track(membership=membership, company_pk=item.session.track.company_id)
    return item


@dataclass(frozen=True)
class TrackTeam:
    """Names (姓 名) of the people usually at a session: the assisting bank's staff, the company's
    executives (経営者) and other members (担当者)."""

    bank_staff: list[str]
    executives: list[str]
    staff: list[str]


def track_team(*, track: AccompanimentTrack) -> TrackTeam:
    """The usual attendees of the track's sessions, from active memberships of its consortium."""
    from .templatetags.people import person_name

    members = Membership.objects.filter(consortium_id=track.consortium_id, is_active=True).select_related(
        "user"
    )
    bank = [
        person_name(m.user)
        for m in members.filter(role=Membership.Role.BANK_STAFF, organization=track.bank_id)
    ]
    company = list(members.filter(role=Membership.Role.COMPANY_MEMBER, company=track.company_id))
    return TrackTeam(
        bank_staff=bank if track.bank_id else [],
        executives=[person_name(m.user) for m in company if m.is_executive],
        staff=[person_name(m.user) for m in company if not m.is_executive],
    )


@dataclass(frozen=True)
class TrackProgress:
    """Counts for panels and reports: sessions held of total, homework done of total, plan completeness %."""

    sessions_held: int
    sessions_total: int
    homework_done: int
    homework_total: int
    plan_completeness: int
    plan_status: str


def track_progress(*, track: AccompanimentTrack) -> TrackProgress:
    """Progress of one track (uses prefetched sessions when present)."""
    sessions = list(track.sessions.all())
    homework = list(Homework.objects.filter(consortium_id=track.consortium_id, session__track=track))
    plan = plan_for_company(company=track.company)
    return TrackProgress(
        sessions_held=sum(1 for s in sessions if s.status == AccompanimentSession.Status.HELD),
        sessions_total=len(sessions),
        homework_done=sum(1 for h in homework if h.done),
        homework_total=len(homework),
        plan_completeness=plan.completeness if plan else 0,
        plan_status=plan.status if plan else "",
    )
