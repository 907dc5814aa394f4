"""Reads for programs: who may see which company.

Visibility is a rule over relations, not a role flag (STYLE.md): a bank user sees the companies the
bank is linked to (main bank, recommender, or assistant on the accompaniment track).
All functions expect the tenant scope to be active (``ConsortiumMiddleware`` does it for requests).
"""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from dxcommunity import access, registry
from dxcommunity.access import rules as access_rules
from dxcommunity.tenancy.models import Company, Membership
from programs.models import (
    CompanyApplication,
    Event,
    Participation,
    Program,
    SelfDiagnosisApplication,
    SeminarRegistration,
)

# 応募 that are not an application of their own: the same company again (重複), withdrawn (取下げ),
# ineligible (対象外).
APPLICATION_NOT_COUNTED: tuple[str, ...] = (
    CompanyApplication.Status.DUPLICATE,
    CompanyApplication.Status.WITHDRAWN,
    CompanyApplication.Status.REJECTED,
)


def program_current(*, consortium) -> Program | None:
    """The consortium's current program: an open one (not 事業完了) of the latest fiscal year, else the
    latest program (None if there is none). Several may be open at once: pages that start work let the
    user choose (``programs_open``)."""
    return (
        Program.objects.filter(consortium=consortium)
        .order_by(F("closed_at").asc(nulls_first=True), "-fiscal_year", "-pk")
        .first()
    )


def programs_open(*, consortium) -> QuerySet[Program]:
    """The consortium's programs that are not closed (事業完了), latest fiscal year first."""
    return Program.objects.filter(consortium=consortium, closed_at__isnull=True).order_by(
        "-fiscal_year", "name"
    )


def events_visible_to(*, membership: Membership, program: Program | None) -> QuerySet[Event]:
    """Events of ``program`` in date order.

    Members-only events (キックオフ連絡会, 構成員報告会) are hidden from company members and vendors
    (``selectors_program.sees_members_only``).
    """
    from programs.events.selectors import sees_members_only

    if program is None:
        return Event.objects.none()
    qs = Event.objects.filter(consortium=membership.consortium, program=program).order_by("starts_at")
    if not sees_members_only(membership=membership):
        qs = qs.filter(members_only=False)
    return qs.select_related("program", "region")


def event_get_visible(*, membership: Membership, pk: int, perm: str | None = None, user=None) -> Event:
    """One event of the membership's consortium that it may see; ``Http404`` otherwise (members-only
    events for company members and vendors). ``perm`` (e.g. ``programs.manage_event``): refused means
    ``PermissionDenied`` (403); ``user``: the acting user. See ``access.object_get_for``."""
    from programs.events.selectors import sees_members_only

    qs = Event.objects.select_related("program", "region")
    if not sees_members_only(membership=membership):
        qs = qs.filter(members_only=False)
    return access.object_get_for(membership, qs, pk=pk, company_field=None, perm=perm, user=user)


def company_stage_counts(*, companies: QuerySet[Company], program: Program | None) -> list[dict]:
    """The funnel of ``program``: ``[{"stage": value, "label": str, "count": int}]``, the participations
    of ``companies`` in it by stage, in ``Participation.Stage`` order, zeros included (all zero without
    a program)."""
    counts: dict[str, int] = {}
    if program is not None:
        counts = dict(
            Participation.objects.filter(program=program, company__in=companies.values("pk"))
            .order_by()
            .values_list("stage")
            .annotate(n=Count("pk"))
        )
    return [
        {"stage": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Participation.Stage.choices
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


def companies_with_progress(
    *, companies: QuerySet[Company], program: Program | None = None
) -> QuerySet[Company]:
    """``companies`` with region/bank loaded and annotated from their participation in ``program`` (None:
    their current participation, ``participation_current``): ``stage`` (Participation.Stage value or
    None), ``program_name`` and ``sessions_held`` (int, held sessions of that participation's track, 0
    without one)."""
    from programs.participations.selectors import companies_with_stage, current_participation_subquery

    current = current_participation_subquery(program=program)
    held = (
        Participation.objects.filter(pk=OuterRef("participation_id"))
        .annotate(n=Count("track__sessions", filter=Q(track__sessions__status="held")))
        .values("n")[:1]
    )
    return (
        companies_with_stage(companies=companies, program=program)
        .select_related("region", "main_bank", "recommended_by")
        .annotate(
            participation_id=current,
            program_name=Subquery(
                Participation.objects.filter(pk=OuterRef("participation_id")).values("program__name")[:1]
            ),
            sessions_held=Coalesce(Subquery(held), 0),
        )
    )


def applications_recent(*, membership: Membership, limit: int = 10) -> QuerySet[SelfDiagnosisApplication]:
    """The latest 自己診断申し込み the membership may read, newest first, at most ``limit`` rows.

    The coordinator sees the whole consortium's; a regional coordinator those filed in its region (the
    申し込み地域, as on its application list); any other role none (the applicants' names and messages are
    for 事務局).
    """
    qs = SelfDiagnosisApplication.objects.filter(consortium=membership.consortium_id)
    if access_rules.acts_as_regional_coordinator(membership):
        qs = qs.filter(region=membership.region_id)
    elif not access_rules.acts_as_coordinator(membership):
        qs = qs.none()
    return qs.select_related("company", "region").order_by("-created_at")[:limit]


def company_journey(*, company: Company, participation: Participation | None = None) -> dict:
    """What a company has done in a participation (None: its current one, ``participation_current``):
    ``{"participation", "registrations", "application", "diagnoses", "track", "plan"}``.

    The later steps come from the journey apps (hook ``companies.journey(company=, participation=)``:
    diagnosis gives ``diagnoses``, accompaniment ``track``, ``sessions_held`` and ``plan``); missing rows
    are None/[].
    """
    from programs.participations.selectors import participation_current

    participation = participation or participation_current(company=company)
    journey: dict = {
        "participation": participation,
        "diagnoses": [],
        "track": None,
        "sessions_held": 0,
        "plan": None,
        "plan_percent": None,
    }
    journey.update(
        {
            "registrations": list(
                SeminarRegistration.objects.filter(company=company)
                .select_related("event")
                .order_by("event__starts_at")
            ),
            "application": SelfDiagnosisApplication.objects.filter(
                company=company, program=participation.program_id if participation else None
            ).first(),
        }
    )
    for found in registry.ask("companies.journey", company=company, participation=participation):
        journey.update(found)
    return journey


def application_for(*, program: Program, company: Company) -> SelfDiagnosisApplication | None:
    """The company's 自己診断申し込み for the program, if any."""
    return SelfDiagnosisApplication.objects.filter(program=program, company=company).first()


def applications_counted(*, program_ids: list[int]) -> QuerySet[CompanyApplication]:
    """The 応募 of the programs that count as an application: every ``CompanyApplication`` but the second
    one of the same company (重複), the withdrawn (取下げ) and the ineligible (対象外). 受付, 招待済 and
    補欠 count. One row = one applicant: a company applies once per program (its second 応募 is 重複)."""
    return CompanyApplication.objects.filter(program__in=program_ids).exclude(
        status__in=APPLICATION_NOT_COUNTED
    )


def self_diagnosis_only_applications(*, program_ids: list[int]) -> QuerySet[SelfDiagnosisApplication]:
    """The 自己診断申し込み of the programs from companies without a counted 応募 of the same program: an
    account holder applying through the 自己診断申し込み alone is an applicant too."""
    applied = applications_counted(program_ids=program_ids).filter(company__isnull=False)
    return SelfDiagnosisApplication.objects.filter(program__in=program_ids).exclude(
        company__in=applied.values("company")
    )


def application_count(*, program: Program) -> int:
    """応募社数 of the program (``program.capacity`` is 募集社数), in companies: the counted 応募
    (``applications_counted``) plus the companies that applied only through the 自己診断申し込み
    (``self_diagnosis_only_applications``). The home page, the dashboard and the 実績報告書 count this.
    Two queries."""
    ids = [program.pk]
    return (
        applications_counted(program_ids=ids).count()
        + self_diagnosis_only_applications(program_ids=ids).count()
    )


def company_registrations(*, company: Company) -> QuerySet[SeminarRegistration]:
    """The company's seminar and briefing registrations (every program year), oldest event first, with the
    event and its program loaded (the history page's 「セミナー」)."""
    return (
        SeminarRegistration.objects.filter(consortium=company.consortium_id, company=company)
        .select_related("event__program")
        .order_by("event__starts_at", "pk")
    )


def company_applications(*, company: Company) -> QuerySet[CompanyApplication]:
    """The company's 応募 (every program year), oldest first, with the program and the recommending
    organization loaded."""
    return (
        CompanyApplication.objects.filter(consortium=company.consortium_id, company=company)
        .select_related("program", "recommended_by")
        .order_by("created_at", "pk")
    )


def company_self_diagnosis_applications(*, company: Company) -> QuerySet[SelfDiagnosisApplication]:
    """The company's 自己診断申し込み (one per program), oldest first, with the program loaded."""
    return (
        SelfDiagnosisApplication.objects.filter(consortium=company.consortium_id, company=company)
        .select_related("program", "region")
        .order_by("created_at", "pk")
    )
