"""Reads for programs: who may see which company.

Visibility is a rule over relations, not a role flag (STYLE.md): a bank user sees the companies the
bank is linked to (main bank, recommender, or assistant on the accompaniment track).
All functions expect the tenant scope to be active (``ConsortiumMiddleware`` does it for requests).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import Company, Event, Membership, Program, SelfDiagnosisApplication, SeminarRegistration

Role = Membership.Role


def companies_visible_to(*, membership: Membership) -> QuerySet[Company]:
    """Companies of the membership's consortium that its user may list (at least at stage level).

    coordinator: all; regional coordinator: its region; ITC: its region plus companies it advises or leads;
    bank staff: companies linked to its bank; association/agency staff: companies it recommended;
    company member: its own company; vendor: none (vendors see matching requests only).
    """
    qs = Company.objects.filter(consortium=membership.consortium)
    role = membership.role
    if role == Role.COORDINATOR:
        return qs
    if role == Role.REGIONAL_COORDINATOR:
        return qs.filter(region=membership.region_id)
    if role == Role.ITC:
        return qs.filter(
            Q(region=membership.region_id)
            | Q(track__leader=membership.user_id)
            | Q(advisor_sessions__advisor=membership.user_id)
        ).distinct()
    if role == Role.BANK_STAFF:
        org = membership.organization_id
        if org is None:
            return qs.none()
        return qs.filter(Q(main_bank=org) | Q(recommended_by=org) | Q(track__bank=org)).distinct()
    if role == Role.ASSOCIATION_STAFF:
        if membership.organization_id is None:
            return qs.none()
        return qs.filter(recommended_by=membership.organization_id)
    if role == Role.COMPANY_MEMBER:
        return qs.filter(pk=membership.company_id)
    return qs.none()


def company_get_visible(*, membership: Membership, pk: int) -> Company:
    """One company the membership may see; ``Http404`` for missing, other tenant and not visible alike."""
    company = (
        companies_visible_to(membership=membership)
        .select_related("region", "main_bank", "recommended_by", "program")
        .filter(pk=pk)
        .first()
    )
    if company is None:
        raise Http404("No such company.")
    return company


def program_current(*, consortium) -> Program | None:
    """The consortium's current program: the one with the latest fiscal year (None if there is none)."""
    return Program.objects.filter(consortium=consortium).order_by("-fiscal_year", "-pk").first()


def events_visible_to(*, membership: Membership, program: Program | None) -> QuerySet[Event]:
    """Events of ``program`` in date order.

    Members-only events (キックオフ連絡会, 構成員報告会) are hidden from company members.
    """
    if program is None:
        return Event.objects.none()
    qs = Event.objects.filter(consortium=membership.consortium, program=program).order_by("starts_at")
    if membership.role == Role.COMPANY_MEMBER:
        qs = qs.filter(members_only=False)
    return qs


def event_get_visible(*, membership: Membership, pk: int) -> Event:
    """One event of the membership's consortium that it may see; ``Http404`` otherwise."""
    qs = Event.objects.filter(consortium=membership.consortium, pk=pk)
    if membership.role == Role.COMPANY_MEMBER:
        qs = qs.filter(members_only=False)
    event = qs.select_related("program").first()
    if event is None:
        raise Http404("No such event.")
    return event


def company_stage_counts(*, companies: QuerySet[Company]) -> list[dict]:
    """The funnel: ``[{"stage": value, "label": str, "count": int}]``.

    In ``Company.Stage`` order, zeros included.
    """
    counts = dict(companies.order_by().values_list("stage").annotate(n=Count("pk")))
    return [
        {"stage": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Company.Stage.choices
    ]


def company_region_counts(*, companies: QuerySet[Company]) -> list[dict]:
    """``[{"region": str, "region_id": int, "count": int}]`` by region name."""
    rows = (
        companies.order_by()
        .values("region_id", "region__name")
        .annotate(n=Count("pk"))
        .order_by("region__name")
    )
    return [{"region": r["region__name"], "region_id": r["region_id"], "count": r["n"]} for r in rows]


def companies_with_progress(*, companies: QuerySet[Company]) -> QuerySet[Company]:
    """``companies`` with region/bank loaded and annotated.

    ``sessions_held``: int, held accompaniment sessions (0 without a track).
    """
    return companies.select_related("region", "main_bank", "recommended_by").annotate(
        sessions_held=Count("track__sessions", filter=Q(track__sessions__status="held"), distinct=True)
    )


def applications_recent(*, consortium, limit: int = 10) -> QuerySet[SelfDiagnosisApplication]:
    """The latest 自己診断申し込み of the consortium, newest first."""
    return (
        SelfDiagnosisApplication.objects.filter(consortium=consortium)
        .select_related("company", "region")
        .order_by("-created_at")[:limit]
    )


def company_journey(*, company: Company) -> dict:
    """What a company has done so far: ``{"registrations", "application", "diagnoses", "track", "plan"}``.

    Reads the other apps' models directly (their selectors may not exist yet); missing rows are None/[].
    """
    from accompaniment.models import AccompanimentTrack, DxPlan
    from diagnosis.models import Diagnosis

    track = AccompanimentTrack.objects.filter(company=company).first()
    return {
        "registrations": list(
            SeminarRegistration.objects.filter(company=company)
            .select_related("event")
            .order_by("event__starts_at")
        ),
        "application": SelfDiagnosisApplication.objects.filter(company=company)
        .order_by("-created_at")
        .first(),
        "diagnoses": list(Diagnosis.objects.filter(company=company).order_by("-created_at")),
        "track": track,
        "sessions_held": track.sessions.filter(status="held").count() if track else 0,
        "plan": DxPlan.objects.filter(company=company).first(),
    }


def event_ids_registered(*, consortium, email: str) -> set[int]:
    """Ids of the consortium's events that ``email`` is registered for."""
    if not email:
        return set()
    return set(
        SeminarRegistration.objects.filter(consortium=consortium, email__iexact=email).values_list(
            "event_id", flat=True
        )
    )


def application_for(*, program: Program, company: Company) -> SelfDiagnosisApplication | None:
    """The company's 自己診断申し込み for the program, if any."""
    return SelfDiagnosisApplication.objects.filter(program=program, company=company).first()


def application_count(*, program: Program) -> int:
    """Number of 自己診断申し込み for the program (応募社数; ``program.capacity`` is 募集社数)."""
    return SelfDiagnosisApplication.objects.filter(program=program).count()
