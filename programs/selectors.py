"""Reads for programs: who may see which company.

Visibility is a rule over relations, not a role flag (STYLE.md): a bank user sees the companies the
bank is linked to (main bank, recommender, or assistant on the accompaniment track).
All functions expect the tenant scope to be active (``ConsortiumMiddleware`` does it for requests).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from . import access, rules
from .models import (
    AccessLog,
    Company,
    CompanyComment,
    CompanyShare,
    Event,
    MemberOrganization,
    Membership,
    Program,
    SelfDiagnosisApplication,
    SeminarRegistration,
)

Role = Membership.Role


def companies_visible_to(*, membership: Membership) -> QuerySet[Company]:
    """Companies of the membership's consortium that its user may list: STAGE level or more.

    The rules live in ``programs.access`` (the one mechanism): coordinator all; regional coordinator its
    region; ITC its region (stage level) plus the companies it is assigned to; bank staff the companies
    linked to its bank; association staff those it recommended; vendor those with a matching request
    addressed to it; company member its own; anyone the company shared a subject with.
    """
    return access.companies_visible_to(membership=membership)


def companies_fully_visible_to(*, membership: Membership) -> QuerySet[Company]:
    """Companies the membership sees in full (FULL_READ or more; see ``programs.access``)."""
    return access.companies_fully_visible_to(membership=membership)


def company_get_visible(*, membership: Membership, pk: int, perm: str | None = None, user=None) -> Company:
    """One company the membership sees at STAGE level or more; ``Http404`` for missing, other tenant and
    not visible alike. Pages that show more than the stage use ``company_get_fully_visible``.

    ``perm`` (a rule on Company, e.g. ``programs.view_consent``): refused means ``PermissionDenied`` (403);
    ``user``: the acting user (``request.user``). See ``access.object_get_for``.
    """
    return access.object_get_for(
        membership,
        Company.objects.select_related("region", "main_bank", "recommended_by", "program"),
        pk=pk,
        perm=perm,
        user=user,
    )


def company_get_fully_visible(*, membership: Membership, pk: int) -> Company:
    """One company the membership sees in full (FULL_READ or more); ``Http404`` otherwise (also when it
    sees only the stage: the full pages do not exist for it)."""
    company = company_get_visible(membership=membership, pk=pk)
    if access.company_access(membership=membership, company=company) < access.AccessLevel.FULL_READ:
        raise Http404("No such company.")
    return company


def program_current(*, consortium) -> Program | None:
    """The consortium's current program: the one with the latest fiscal year (None if there is none)."""
    return Program.objects.filter(consortium=consortium).order_by("-fiscal_year", "-pk").first()


def events_visible_to(*, membership: Membership, program: Program | None) -> QuerySet[Event]:
    """Events of ``program`` in date order.

    Members-only events (キックオフ連絡会, 構成員報告会) are hidden from company members and vendors
    (``selectors_program.sees_members_only``).
    """
    from .selectors_program import sees_members_only

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
    from .selectors_program import sees_members_only

    qs = Event.objects.select_related("program", "region")
    if not sees_members_only(membership=membership):
        qs = qs.filter(members_only=False)
    return access.object_get_for(membership, qs, pk=pk, company_field=None, perm=perm, user=user)


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


def applications_recent(*, membership: Membership, limit: int = 10) -> QuerySet[SelfDiagnosisApplication]:
    """The latest 自己診断申し込み the membership may read, newest first, at most ``limit`` rows.

    The coordinator sees the whole consortium's; a regional coordinator those filed in its region (the
    申し込み地域, as on its application list); any other role none (the applicants' names and messages are
    for 事務局).
    """
    qs = SelfDiagnosisApplication.objects.filter(consortium=membership.consortium_id)
    if rules.acts_as_regional_coordinator(membership):
        qs = qs.filter(region=membership.region_id)
    elif not rules.acts_as_coordinator(membership):
        qs = qs.none()
    return qs.select_related("company", "region").order_by("-created_at")[:limit]


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
    """応募社数 of the program (``program.capacity`` is 募集社数): the 応募 (CompanyApplication) that are not
    duplicates, withdrawn or rejected, plus the companies that applied only through the 自己診断申し込み
    of an account holder. Two queries."""
    from .models import CompanyApplication

    live = CompanyApplication.objects.filter(program=program).exclude(
        status__in=[
            CompanyApplication.Status.DUPLICATE,
            CompanyApplication.Status.WITHDRAWN,
            CompanyApplication.Status.REJECTED,
        ]
    )
    applied_companies = live.filter(company__isnull=False).values("company")
    self_only = (
        SelfDiagnosisApplication.objects.filter(program=program)
        .exclude(company__in=applied_companies)
        .count()
    )
    return live.count() + self_only


# --- consent, access log, comments -------------------------------------------------------


def company_viewers(*, company: Company, subject: str) -> list[dict]:
    """Who can see the company's ``subject`` (``CompanyShare.Subject``), derived from ``programs.access``.

    Shape: ``[{"organization": MemberOrganization | None, "label": str, "reason": str,
    "people": [str], "share": CompanyShare | None}]``, one row per organization (coordinators without an
    organization form one row per role). The company's own members are left out (they always see).
    """
    facts = access.CompanyFacts(company)
    memberships = (
        Membership.objects.filter(consortium_id=company.consortium_id, is_active=True)
        .exclude(role=Role.COMPANY_MEMBER)
        .select_related("user", "organization")
        .order_by("role", "organization__name", "user__last_name", "user__first_name")
    )
    shares = {
        s.organization_id: s
        for s in CompanyShare.objects.filter(
            consortium_id=company.consortium_id, company=company, subject=subject, revoked_at__isnull=True
        )
    }
    rows: dict[tuple, dict] = {}
    for m in memberships:
        if not access.can_see_subject(membership=m, company=company, subject=subject, facts=facts):
            continue
        own = access.company_access(membership=m, company=company, facts=facts)
        shared = own < access.AccessLevel.FULL_READ
        key = ("org", m.organization_id) if m.organization_id else ("role", m.role)
        row = rows.setdefault(
            key,
            {
                "organization": m.organization,
                "label": m.organization.name if m.organization else m.get_role_display(),
                "reason": _viewer_reason(membership=m, company=company, shared=shared),
                "people": [],
                "share": shares.get(m.organization_id) if shared else None,
            },
        )
        row["people"].append(f"{m.user.last_name} {m.user.first_name}".strip() or m.user.email)
    # An organization the company shared with but whose people are not members yet still appears.
    for org_id, share in shares.items():
        if ("org", org_id) not in rows:
            rows[("org", org_id)] = {
                "organization": share.organization,
                "label": share.organization.name,
                "reason": str(_("共有")),
                "people": [],
                "share": share,
            }
    return list(rows.values())


def _viewer_reason(*, membership: Membership, company: Company, shared: bool) -> str:
    """Why a membership sees the company's diagnosis/plan, in the words of the consent page."""
    if shared:
        return str(_("共有"))
    if rules.acts_as_coordinator(membership):
        return str(_("全体まとめ（事務局）"))
    if rules.acts_as_regional_coordinator(membership):
        return str(_("地域まとめ"))
    if rules.acts_as_itc(membership):
        return str(_("担当ITコーディネータ"))
    if rules.acts_as_bank(membership):
        if membership.organization_id == company.main_bank_id:
            return str(_("メインバンク"))
        if membership.organization_id == company.recommended_by_id:
            return str(_("推薦機関"))
        return str(_("伴走支援補助"))
    return membership.get_role_display()


def share_organizations(*, company: Company) -> QuerySet[MemberOrganization]:
    """Organizations of the company's consortium it may share with (any member organization but the lead)."""
    return MemberOrganization.objects.filter(consortium_id=company.consortium_id).exclude(
        kind=MemberOrganization.Kind.LEAD
    )


def company_shares(*, company: Company) -> QuerySet[CompanyShare]:
    """The company's shares, active first, newest first."""
    return (
        CompanyShare.objects.filter(consortium_id=company.consortium_id, company=company)
        .select_related("organization", "granted_by", "revoked_by")
        .order_by(models.F("revoked_at").desc(nulls_first=True), "-created_at")
    )


def access_logs_for_company(*, company: Company, limit: int = 200) -> QuerySet[AccessLog]:
    """Bank and vendor users' views of the company's diagnosis, plan, session logs and PDFs, newest first."""
    return (
        AccessLog.objects.filter(consortium_id=company.consortium_id, company=company)
        .select_related("user", "organization")
        .order_by("-created_at", "-pk")[:limit]
    )


def company_comments_visible_to(*, membership: Membership, company: Company) -> QuerySet[CompanyComment]:
    """Comments on the company the membership may read, newest first.

    Coordinators (of the region) and the company's assigned ITCs: all; bank staff seeing the company in
    full: its own bank's; anyone else (the company itself included): none.
    """
    qs = CompanyComment.objects.filter(consortium_id=company.consortium_id, company=company).select_related(
        "author", "organization"
    )
    if rules.reads_every_comment(membership, company):
        return qs
    if rules.reads_own_bank_comments(membership, company):
        return qs.filter(organization=membership.organization_id)
    return qs.none()
