"""Recruitment and selection: reads (応募一覧, 重複, 補欠, 推薦, 支援企業選出検討会, 選出結果).

All functions expect the tenant scope to be active. Who may call what is checked in the views with
``services_recruitment.coordinator_may_manage`` and the membership's role; the querysets here are already
limited to what the membership may see (a regional coordinator: its region; an organization: its own
recommendations).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from dxcommunity import registry
from dxcommunity.access import rules as access_rules
from dxcommunity.tenancy.models import Membership, Region
from programs.models import CompanyApplication, Event, Program, SelectionDecision

Status = CompanyApplication.Status
Decision = SelectionDecision.Decision
# Rows of the selection meeting: applications still in the running.
BOARD_STATUSES = (Status.RECEIVED, Status.INVITED, Status.WAITLISTED)


def is_coordinator(membership: Membership | None) -> bool:
    """Coordinator or regional coordinator."""
    return bool(access_rules.acts_as_secretariat(membership))


def is_recommender(membership: Membership | None) -> bool:
    """Bank or association staff with an organization (may recommend companies)."""
    return bool(access_rules.acts_as_recommender(membership))


# ------------------------------------------------------------------------------------------ public form


def public_program_get(*, tenant_slug: str, program_pk: int) -> Program:
    """The program ``program_pk`` of the consortium ``tenant_slug`` (scope must be active); Http404 when
    the consortium or the program is unknown or the program belongs to another consortium."""
    program = (
        Program.objects.filter(consortium__slug=tenant_slug, pk=program_pk)
        .select_related("consortium")
        .first()
    )
    if program is None:
        raise Http404("No such program.")
    return program


def public_form_is_open(*, program: Program, today: dt.date) -> bool:
    """The public form accepts applications: ``public_application_open`` and ``today`` (JST date) within
    ``recruitment_from``..``recruitment_until`` (both inclusive; a missing bound does not limit)."""
    if not program.public_application_open:
        return False
    if program.recruitment_from and today < program.recruitment_from:
        return False
    return not (program.recruitment_until and today > program.recruitment_until)


# ------------------------------------------------------------------------------------------ coordinators


def program_get(*, membership: Membership, pk: int) -> Program:
    """A program of the membership's consortium; Http404 for missing and other tenant alike."""
    program = Program.objects.filter(consortium=membership.consortium_id, pk=pk).first()
    if program is None:
        raise Http404("No such program.")
    return program


def applications_visible_to(*, membership: Membership, program: Program) -> QuerySet[CompanyApplication]:
    """The program's applications for a coordinator (all) or regional coordinator (its region); none for
    anyone else. Oldest first, region / recommender / company loaded."""
    qs = CompanyApplication.objects.filter(consortium=membership.consortium_id, program=program)
    if access_rules.acts_as_regional_coordinator(membership):
        qs = qs.filter(region=membership.region_id)
    elif not access_rules.acts_as_coordinator(membership):
        qs = qs.none()
    return qs.select_related(
        "region", "recommended_by", "recommended_by_user", "company", "duplicate_of"
    ).order_by("created_at", "pk")


def application_get_for_manager(*, membership: Membership, program: Program, pk: int) -> CompanyApplication:
    """One application of ``program`` the coordinator may act on; Http404 when it is missing, of another
    program or tenant, or outside a regional coordinator's region."""
    application = (
        applications_visible_to(membership=membership, program=program)
        .select_related("program", "program__consortium")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404("No such application.")
    return application


def waitlist_positions(*, program: Program) -> dict[int, int]:
    """{application id: 1-based waitlist position} over the program's waitlisted applications, in order of
    ``created_at`` (all regions: the position is the program's, whoever looks)."""
    ids = (
        CompanyApplication.objects.filter(
            consortium=program.consortium_id, program=program, status=Status.WAITLISTED
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    return {pk: i for i, pk in enumerate(ids, start=1)}


def waitlist_next(*, program: Program) -> CompanyApplication | None:
    """The first waitlisted application of the program (the one to suggest when a place frees)."""
    return (
        CompanyApplication.objects.filter(
            consortium=program.consortium_id, program=program, status=Status.WAITLISTED
        )
        .order_by("created_at", "pk")
        .first()
    )


def application_counts(*, program: Program) -> dict[str, Any]:
    """Counts for the list header: ``{"by_status": {status: n}, "live": received + invited, "capacity",
    "free": places left (None without a capacity)}``. One query."""
    by_status = dict(
        CompanyApplication.objects.filter(consortium=program.consortium_id, program=program)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    live = by_status.get(Status.RECEIVED, 0) + by_status.get(Status.INVITED, 0)
    return {
        "by_status": by_status,
        "live": live,
        "capacity": program.capacity,
        "free": max(program.capacity - live, 0) if program.capacity else None,
    }


def duplicate_groups(*, applications: list[CompanyApplication]) -> list[dict[str, Any]]:
    """Duplicates grouped under their original: ``[{"original": app, "duplicates": [app, …]}]`` for every
    original (among ``applications``) that has at least one application with status ``duplicate``."""
    by_pk = {a.pk: a for a in applications}
    groups: dict[int, dict[str, Any]] = {}
    for a in applications:
        if a.status == Status.DUPLICATE and a.duplicate_of_id:
            original = by_pk.get(a.duplicate_of_id) or a.duplicate_of
            groups.setdefault(original.pk, {"original": original, "duplicates": []})["duplicates"].append(a)
    return list(groups.values())


# ------------------------------------------------------------------------------------------ recommenders


def recommendations_of(*, membership: Membership) -> QuerySet[CompanyApplication]:
    """The applications recommended by the membership's OWN organization (never another's), newest first;
    none for a membership without an organization."""
    if not membership.organization_id:
        return CompanyApplication.objects.none()
    return (
        CompanyApplication.objects.filter(
            consortium=membership.consortium_id, recommended_by=membership.organization_id
        )
        .select_related("program", "region", "recommended_by_user")
        .order_by("-created_at", "-pk")
    )


# ------------------------------------------------------------------------------------------ selection board


def selection_meetings(*, program: Program) -> list[Event]:
    """The program's 支援企業選出検討会 events, in date order."""
    return list(
        Event.objects.filter(
            consortium=program.consortium_id, program=program, kind=Event.Kind.SELECTION_MEETING
        ).order_by("starts_at")
    )


def selection_board(*, membership: Membership, program: Program) -> dict[str, Any]:
    """Everything the 支援企業選出検討会 page shows, in a constant number of queries (7, whatever the number
    of applicants).

    Returns ``{"rows": [{"application", "company", "decision": SelectionDecision | None, "diagnosis":
    Diagnosis | None, "means": {group key: {"current", "target"}}, "advised": bool, "waitlist_position":
    int | None}], "summary": {"counts": {decision: n}, "by_region": [{"region", decision: n…}],
    "capacity": int, "selected": accompaniment + matching}, "meetings": [Event]}``.
    Rows: applications received / invited / waitlisted (regional coordinator: its region), by region then
    date of application.
    """
    applications = list(
        applications_visible_to(membership=membership, program=program)
        .filter(status__in=BOARD_STATUSES)
        .order_by("region__key", "created_at", "pk")
    )
    company_ids = [a.company_id for a in applications if a.company_id]
    decisions = {
        d.company_id: d
        for d in SelectionDecision.objects.filter(
            consortium=program.consortium_id, program=program, company__in=company_ids
        ).select_related("meeting", "decided_by", "conditions_confirmed_by")
    }
    summaries = registry.ask_one(
        "selection.diagnosis_summaries",
        company_ids=company_ids,
        consortium_id=program.consortium_id,
        default={"diagnoses": {}, "means": {}, "advised": set()},
    )
    diagnoses, means, advised = summaries["diagnoses"], summaries["means"], summaries["advised"]
    positions: dict[int, int] = {}
    waitlisted = [a for a in applications if a.status == Status.WAITLISTED]
    if waitlisted:
        positions = waitlist_positions(program=program)
    rows = []
    for a in applications:
        diagnosis = diagnoses.get(a.company_id)
        rows.append(
            {
                "application": a,
                "company": a.company,
                "decision": decisions.get(a.company_id),
                "diagnosis": diagnosis,
                "means": means.get(diagnosis.pk, {}) if diagnosis else {},
                "advised": a.company_id in advised,
                "waitlist_position": positions.get(a.pk),
            }
        )
    return {
        "rows": rows,
        "summary": selection_summary(program=program, decisions=list(decisions.values()), rows=rows),
        "meetings": selection_meetings(program=program),
    }


def selection_summary(
    *, program: Program, decisions: list[SelectionDecision], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """伴走 n / マッチング n / 不選出 n / 補欠 n vs 募集N社, overall and by region (regions of the rows)."""
    region_of = {r["company"].pk: r["application"].region for r in rows if r["company"] is not None}
    counts = Counter(d.decision for d in decisions)
    by_region: dict[int, dict[str, Any]] = {}
    for d in decisions:
        region: Region | None = region_of.get(d.company_id)
        if region is None:
            continue
        entry = by_region.setdefault(region.pk, {"region": region, "counts": Counter()})
        entry["counts"][d.decision] += 1
    return {
        "counts": {value: counts.get(value, 0) for value in Decision.values},
        "labels": dict(Decision.choices),
        "by_region": sorted(by_region.values(), key=lambda e: e["region"].key),
        "capacity": program.capacity,
        "selected": counts.get(Decision.ACCOMPANIMENT, 0) + counts.get(Decision.MATCHING, 0),
        "undecided": sum(1 for r in rows if r["decision"] is None),
    }


# ------------------------------------------------------------------------------------------ company side


def decisions_for_company_member(*, membership: Membership) -> list[SelectionDecision]:
    """The selection decisions of the member's own company, newest program first (none for other roles)."""
    if not access_rules.acts_for_own_company(membership):
        return []
    return list(
        SelectionDecision.objects.filter(consortium=membership.consortium_id, company=membership.company_id)
        .select_related("program", "conditions_confirmed_by")
        .order_by("-program__fiscal_year", "-decided_at")
    )


def decision_get_for_company_member(*, membership: Membership, pk: int) -> SelectionDecision:
    """One decision of the member's own company; Http404 otherwise."""
    for decision in decisions_for_company_member(membership=membership):
        if decision.pk == pk:
            return decision
    raise Http404("No such decision.")


def selection_status_for_company(*, company: Any, program: Any = None) -> dict[str, Any] | None:
    """For the enrolment page: ``{"decision": SelectionDecision, "confirmed": bool}`` of the company's
    decision in ``program`` (None: its newest decision), or None when it has none."""
    qs = SelectionDecision.objects.filter(consortium=company.consortium_id, company=company)
    if program is not None:
        qs = qs.filter(program=program)
    decision = qs.select_related("program").order_by("-program__fiscal_year", "-decided_at").first()
    if decision is None:
        return None
    return {"decision": decision, "confirmed": decision.conditions_confirmed_at is not None}
