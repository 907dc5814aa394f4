"""Reads for generated documents.

A document is visible exactly when what it renders is (``programs.access``): a DX推進計画書 PDF with the
company's plan (perm ``accompaniment.view_plan``, shares included), a progress report with the track
(``accompaniment.view_track``), a diagnosis result / advice PDF with the company's diagnosis
(``diagnosis.view_company_diagnosis``). Missing, other tenant and not visible are the same ``Http404``.
"""

from __future__ import annotations

from django.http import Http404

from accompaniment.selectors import company_get_for_plan, company_get_for_track
from programs.models import Company, Membership
from programs.selectors import company_get_visible

from .models import GeneratedDocument

# PDFs of the self-diagnosis (result, advice): visible with the company's diagnosis (shares included).
DIAGNOSIS_KINDS = frozenset(k for k in ("diagnosis_result", "advice") if k in GeneratedDocument.Kind.values)


def document_get_visible(*, membership: Membership, pk: int) -> GeneratedDocument:
    """One document the membership may see (see the module docstring); Http404 otherwise."""
    doc = (
        GeneratedDocument.objects.filter(consortium=membership.consortium, pk=pk)
        .select_related("company")
        .first()
    )
    if doc is None:
        raise Http404("No such document.")
    company_get_for_document(membership=membership, company_pk=doc.company_id, kind=doc.kind)
    return doc


def company_get_for_document(*, membership: Membership, company_pk: int, kind: str) -> Company:
    """The company if the membership may see its documents of ``kind``; Http404 otherwise (or unknown)."""
    if kind == GeneratedDocument.Kind.DX_PLAN:
        return company_get_for_plan(membership=membership, company_pk=company_pk)
    if kind == GeneratedDocument.Kind.PROGRESS_REPORT:
        return company_get_for_track(membership=membership, company_pk=company_pk)
    if kind in DIAGNOSIS_KINDS:
        company = company_get_visible(membership=membership, pk=company_pk)
        if not membership.user.has_perm("diagnosis.view_company_diagnosis", company):
            raise Http404("No such company.")
        return company
    raise Http404("No such document kind.")


def documents_for_company(*, company: Company, kind: str, limit: int = 5) -> list[GeneratedDocument]:
    """The company's latest documents of ``kind`` (newest first, at most ``limit``)."""
    return list(
        GeneratedDocument.objects.filter(
            consortium_id=company.consortium_id, company=company, kind=kind
        ).order_by("-created_at", "-pk")[:limit]
    )
