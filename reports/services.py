"""Writes for generated documents: request one, retry a failed one. Rendering is in ``reports.tasks``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.models import Company

from .models import GeneratedDocument


def _queue(document: GeneratedDocument) -> None:
    from .tasks import render_document

    # After commit: the worker must find the row (and a rolled back request queues nothing).
    transaction.on_commit(lambda: render_document.delay(document.pk))


# Who may see (and so request) a document of each kind: whoever may see what it renders (programs.access).
VIEW_PERM = {
    GeneratedDocument.Kind.DX_PLAN: "accompaniment.view_plan",
    GeneratedDocument.Kind.PROGRESS_REPORT: "accompaniment.view_track",
    "diagnosis_result": "diagnosis.view_company_diagnosis",
    "advice": "diagnosis.view_company_diagnosis",
}


# Kinds that render one diagnosis of the company (the request names it).
DIAGNOSIS_KINDS = frozenset({GeneratedDocument.Kind.DIAGNOSIS_RESULT, GeneratedDocument.Kind.ADVICE})


def _check_diagnosis(*, kind: str, company: Company, diagnosis: Any) -> None:
    """A diagnosis document needs a submitted diagnosis of this company (and its advice for ``advice``)."""
    from diagnosis.models import AdvisorSession

    if diagnosis is None or diagnosis.company_id != company.pk:
        raise ValidationError({"diagnosis": _("自己診断を指定してください。")})
    if not diagnosis.is_locked:
        raise ValidationError({"diagnosis": _("提出済みの自己診断のみPDFを作成できます。")})
    if (
        kind == GeneratedDocument.Kind.ADVICE
        and not AdvisorSession.objects.filter(diagnosis=diagnosis).exists()
    ):
        raise ValidationError({"diagnosis": _("DX診断アドバイスが記録されていません。")})


@transaction.atomic
def document_request(
    *, kind: str, company: Company, user: Any, diagnosis: Any | None = None
) -> GeneratedDocument:
    """Create a queued GeneratedDocument of ``kind`` (GeneratedDocument.Kind value) for ``company`` and queue
    ``reports.tasks.render_document`` after commit.

    Raises PermissionDenied unless the user may see what the document renders (``VIEW_PERM``: the plan
    for a DX推進計画書, the track for a progress report, the company's diagnosis for a diagnosis result /
    advice); ValidationError (``kind``) for an unknown kind or when the company has no DX plan yet (not
    enrolled); (``diagnosis``) for a diagnosis kind without a submitted ``diagnosis`` of the company (or,
    for ``advice``, without a recorded DX診断アドバイス).
    """
    if not user.has_perm(VIEW_PERM.get(kind, "accompaniment.view_track"), company):
        raise PermissionDenied
    if kind not in GeneratedDocument.Kind.values:
        raise ValidationError({"kind": _("帳票の種類が正しくありません。")})
    if kind in DIAGNOSIS_KINDS:
        _check_diagnosis(kind=kind, company=company, diagnosis=diagnosis)
    else:
        from accompaniment.models import DxPlan

        diagnosis = None
        if not DxPlan.objects.filter(consortium_id=company.consortium_id, company=company).exists():
            raise ValidationError({"kind": _("伴走支援に登録された企業のみ作成できます。")})
    doc = GeneratedDocument(
        consortium_id=company.consortium_id,
        kind=kind,
        company=company,
        diagnosis=diagnosis,
        requested_by=user,
    )
    doc.full_clean()
    doc.save()
    _queue(doc)
    return doc


@transaction.atomic
def document_retry(*, document: GeneratedDocument, user: Any) -> GeneratedDocument:
    """Re-queue a failed document (status failed → queued, error cleared).

    Raises PermissionDenied unless the user may see what it renders (``VIEW_PERM``); ValidationError when
    the document is not failed (a queued/rendering one is already on its way, a ready one is done).
    """
    if document.kind == GeneratedDocument.Kind.RESULTS_REPORT:
        from programs.rules import membership_for

        from .selectors import results_documents_visible_to

        membership = membership_for(user, document.consortium_id)
        if (
            membership is None
            or not results_documents_visible_to(membership=membership).filter(pk=document.pk).exists()
        ):
            raise PermissionDenied
    elif not user.has_perm(VIEW_PERM.get(document.kind, "accompaniment.view_track"), document.company):
        raise PermissionDenied
    updated = GeneratedDocument.objects.filter(
        consortium_id=document.consortium_id, pk=document.pk, status=GeneratedDocument.Status.FAILED
    ).update(status=GeneratedDocument.Status.QUEUED, error="", updated_at=timezone.now())
    if not updated:
        raise ValidationError(_("失敗した帳票のみ再実行できます。"))
    document.refresh_from_db()
    _queue(document)
    return document


@transaction.atomic
def results_document_request(
    *, membership: Any, program: Any | None = None, fiscal_year: int | None = None
) -> GeneratedDocument:
    """Queue a 実績報告書 PDF (GeneratedDocument kind ``results_report``, no company) for one program or for
    every program of ``fiscal_year`` (int, starting year), requested by ``membership.user``; rendered by
    ``reports.tasks.render_document`` after commit. A regional coordinator's report covers its region only
    (``reports.selectors.results_companies_for_document``).

    Raises PermissionDenied unless the membership is the coordinator or a regional coordinator;
    ValidationError (``scope``) unless exactly one of program / fiscal_year is given, the program is of the
    membership's consortium, and the fiscal year has a program.
    """
    from programs.models import Membership, Program

    if membership is None or membership.role not in (
        Membership.Role.COORDINATOR,
        Membership.Role.REGIONAL_COORDINATOR,
    ):
        raise PermissionDenied
    if (program is None) == (fiscal_year is None):
        raise ValidationError({"scope": _("事業または年度を1つ選んでください。")})
    if program is not None and program.consortium_id != membership.consortium_id:
        raise ValidationError({"scope": _("事業または年度を1つ選んでください。")})
    if (
        fiscal_year is not None
        and not Program.objects.filter(
            consortium_id=membership.consortium_id, fiscal_year=fiscal_year
        ).exists()
    ):
        raise ValidationError({"scope": _("この年度の事業はありません。")})
    doc = GeneratedDocument(
        consortium_id=membership.consortium_id,
        kind=GeneratedDocument.Kind.RESULTS_REPORT,
        program=program,
        fiscal_year=fiscal_year if program is None else None,
        requested_by=membership.user,
    )
    doc.full_clean()
    doc.save()
    _queue(doc)
    return doc
