"""Reads for generated documents.

A document is visible exactly when what it renders is (``dxcommunity.access``): a DX推進計画書 PDF with the
company's plan (perm ``accompaniment.view_plan``, shares included), a progress report with the track
(``accompaniment.view_track``), a diagnosis result / advice PDF with the company's diagnosis
(``diagnosis.view_company_diagnosis``). Missing, other tenant and not visible are the same ``Http404``.

The 実績報告書 (``results_report``, no company) is a coordinator's document: the consortium coordinator sees
every one; a regional coordinator (地域まとめ) those requested by a regional coordinator of the same region,
which are rendered with that region's companies only (``results_companies_for_document``); nobody else.
"""

from __future__ import annotations

from django.http import Http404
from rules import test_rule

from accompaniment.selectors import company_get_for_plan, company_get_for_track
from dxcommunity.access import company_get_visible
from dxcommunity.tenancy.models import Company, Membership
from reports.models import GeneratedDocument

# PDFs of the self-diagnosis (result, advice): visible with the company's diagnosis (shares included).
DIAGNOSIS_KINDS = frozenset(k for k in ("diagnosis_result", "advice") if k in GeneratedDocument.Kind.values)


def document_get_visible(*, membership: Membership, pk: int) -> GeneratedDocument:
    """One document the membership may see (see the module docstring); Http404 otherwise."""
    doc = (
        GeneratedDocument.objects.filter(consortium=membership.consortium, pk=pk)
        .select_related("company", "program")
        .first()
    )
    if doc is None:
        raise Http404("No such document.")
    if doc.kind == GeneratedDocument.Kind.RESULTS_REPORT:
        if not results_documents_visible_to(membership=membership).filter(pk=doc.pk).exists():
            raise Http404("No such document.")
        return doc
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


def documents_for_diagnosis(*, diagnosis) -> dict[str, list[GeneratedDocument]]:
    """The diagnosis's latest PDFs by kind (one query; five per kind at most)."""
    docs = GeneratedDocument.objects.filter(
        consortium_id=diagnosis.consortium_id,
        diagnosis=diagnosis,
        kind__in=[GeneratedDocument.Kind.DIAGNOSIS_RESULT, GeneratedDocument.Kind.ADVICE],
    ).order_by("-created_at", "-pk")[:20]
    by_kind: dict[str, list[GeneratedDocument]] = {"diagnosis_result": [], "advice": []}
    for doc in docs:
        if len(by_kind[doc.kind]) < 5:
            by_kind[doc.kind].append(doc)
    return by_kind


# --- 実績報告書 (program-level documents) -----------------------------------------------------------

Role = Membership.Role


def results_companies_for(*, membership: Membership):
    """The companies a results report of this membership covers: None (all) for the coordinator, the
    region's companies (``dxcommunity.access.companies_fully_visible_to``) for a regional coordinator.
    Raises Http404 for every other role (the results report is not theirs to see)."""
    from dxcommunity.access import companies_fully_visible_to

    if not test_rule("reports.view_results", membership):
        raise Http404("No results report for this role.")
    if test_rule("reports.view_every_result", membership):
        return None
    return companies_fully_visible_to(membership=membership)


def _regional_requesters(*, consortium_id: int, region_id: int | None):
    return Membership.objects.filter(
        consortium_id=consortium_id, role=Role.REGIONAL_COORDINATOR, region_id=region_id, is_active=True
    ).values("user")


def results_documents_visible_to(*, membership: Membership):
    """Results-report documents the membership may see (see the module docstring), newest first."""
    docs = GeneratedDocument.objects.filter(
        consortium=membership.consortium_id, kind=GeneratedDocument.Kind.RESULTS_REPORT
    ).order_by("-created_at", "-pk")
    if not test_rule("reports.view_results", membership):
        return docs.none()
    if test_rule("reports.view_every_result", membership):
        return docs
    if membership.region_id is None:
        return docs.none()
    return docs.filter(
        requested_by__in=_regional_requesters(
            consortium_id=membership.consortium_id, region_id=membership.region_id
        )
    )


def results_companies_for_document(*, document: GeneratedDocument):
    """The companies a results-report document covers: None (every company) unless the requester is a
    regional coordinator of the consortium, then its region's companies (none without a region)."""
    if document.requested_by_id is None:
        return None
    regional = Membership.objects.filter(
        consortium_id=document.consortium_id,
        user_id=document.requested_by_id,
        role=Role.REGIONAL_COORDINATOR,
        is_active=True,
    ).first()
    if regional is None:
        return None
    if regional.region_id is None:
        return Company.objects.none()
    return Company.objects.filter(consortium_id=document.consortium_id, region_id=regional.region_id)


def results_documents_for_scope(
    *, membership: Membership, program_id: int | None, fiscal_year: int | None, limit: int = 5
) -> list[GeneratedDocument]:
    """The latest results-report documents of one scope (program or fiscal year) the membership sees."""
    docs = results_documents_visible_to(membership=membership)
    if program_id is not None:
        docs = docs.filter(program_id=program_id)
    else:
        docs = docs.filter(program__isnull=True, fiscal_year=fiscal_year)
    return list(docs[:limit])
