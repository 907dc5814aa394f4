"""Reads for programs: who may see which company.

Visibility is a rule over relations, not a role flag (STYLE.md): a bank user sees the companies the
bank is linked to (main bank, recommender, or assistant on the accompaniment track).
All functions expect the tenant scope to be active (``ConsortiumMiddleware`` does it for requests).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Company, Membership

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
            Q(region=membership.region_id) | Q(track__leader=membership.user_id)
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
