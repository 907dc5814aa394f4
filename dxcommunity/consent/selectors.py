"""Reads for company consent: who can see a company's diagnosis and plan (and why), its shares, the access
log and the bank comments on the company page. Derived from ``dxcommunity.access``; expect the tenant
scope."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dxcommunity import access
from dxcommunity.access import rules as access_rules
from dxcommunity.consent.models import AccessLog, CompanyComment, CompanyShare
from dxcommunity.tenancy.models import Company, MemberOrganization, Membership
from dxcommunity.ui.names import person_name

Role = Membership.Role


def company_viewers(*, company: Company, subject: str) -> list[dict]:
    """Who can see the company's ``subject`` (``CompanyShare.Subject``), derived from ``dxcommunity.access``.

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
        row["people"].append(person_name(m.user))
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
    if access_rules.acts_as_coordinator(membership):
        return str(_("全体まとめ（事務局）"))
    if access_rules.acts_as_regional_coordinator(membership):
        return str(_("地域まとめ"))
    if access_rules.acts_as_itc(membership):
        return str(_("担当ITコーディネータ"))
    if access_rules.acts_as_bank(membership):
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
    if access_rules.reads_every_comment(membership, company):
        return qs
    if access_rules.reads_own_bank_comments(membership, company):
        return qs.filter(organization=membership.organization_id)
    return qs.none()
