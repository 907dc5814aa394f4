"""Reads for generated documents. A document is visible exactly when its company's plan is."""

from __future__ import annotations

from django.http import Http404

from accompaniment.selectors import company_get_for_track
from programs.models import Company, Membership

from .models import GeneratedDocument


def document_get_visible(*, membership: Membership, pk: int) -> GeneratedDocument:
    """One document whose company's track and plan the membership may see; Http404 otherwise."""
    doc = (
        GeneratedDocument.objects.filter(consortium=membership.consortium, pk=pk)
        .select_related("company")
        .first()
    )
    if doc is None:
        raise Http404("No such document.")
    company_get_for_track(membership=membership, company_pk=doc.company_id)
    return doc


def documents_for_company(*, company: Company, kind: str, limit: int = 5) -> list[GeneratedDocument]:
    """The company's latest documents of ``kind`` (newest first, at most ``limit``)."""
    return list(
        GeneratedDocument.objects.filter(
            consortium_id=company.consortium_id, company=company, kind=kind
        ).order_by("-created_at", "-pk")[:limit]
    )
