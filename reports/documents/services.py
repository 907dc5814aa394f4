"""Writes for generated documents: request one, retry a failed or stuck one, send the render message,
sweep the ones whose message or worker was lost. Rendering is in ``reports.tasks``.

The document row is the record of the job: a request commits the row and only then hands a message to
the broker. When the broker is down the request still succeeds, the row stays queued with no
``enqueued_at`` (the page says it waits for the queue) and the periodic sweep sends it later.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from rules import test_rule

from dxcommunity.tenancy.models import Company
from reports.models import GeneratedDocument

logger = logging.getLogger(__name__)
Status = GeneratedDocument.Status


def document_send(*, document: GeneratedDocument) -> bool:
    """Hand the render message of ``document`` to the broker; True when it was accepted.

    A broker that is down or unreachable is not an error of the caller: the failure is logged, False is
    returned and the row stays queued for ``document_sweep``. On success the row's ``enqueued_at`` is set
    (one UPDATE, only while the row is still queued; ``document.enqueued_at`` too). Without REDIS_URL
    (eager mode) the render runs here, in process. The publish gives up after one quick retry (settings
    CELERY_TASK_PUBLISH_RETRY_POLICY, CELERY_BROKER_TRANSPORT_OPTIONS socket timeouts).
    """
    from reports.tasks import render_document

    try:
        render_document.apply_async((document.pk,))
    except Exception:  # noqa: BLE001 - whatever the broker raises, the row waits and the sweep resends it
        logger.warning(
            "document_send: broker unreachable, document %s waits for the sweep", document.pk, exc_info=True
        )
        return False
    now = timezone.now()
    with scopes_disabled():
        GeneratedDocument.objects.filter(pk=document.pk, status=Status.QUEUED).update(enqueued_at=now)
    document.enqueued_at = now
    return True


def _queue(document: GeneratedDocument) -> None:
    # After commit: the worker must find the row (and a rolled back request queues nothing).
    transaction.on_commit(lambda: document_send(document=document))


# Who may see (and so request) a document of each kind: whoever may see what it renders (dxcommunity.access).
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
    *, kind: str, company: Company, user: Any, diagnosis: Any | None = None, program: Any | None = None
) -> GeneratedDocument:
    """Create a queued GeneratedDocument of ``kind`` (GeneratedDocument.Kind value) for ``company`` and queue
    ``reports.tasks.render_document`` after commit.

    Raises PermissionDenied unless the user may see what the document renders (``VIEW_PERM``: the plan
    for a DX推進計画書, the track for a progress report, the company's diagnosis for a diagnosis result /
    advice); ValidationError (``kind``) for an unknown kind or when the company has no DX plan yet (not
    enrolled); (``diagnosis``) for a diagnosis kind without a submitted ``diagnosis`` of the company (or,
    for ``advice``, without a recorded DX診断アドバイス).

    A double click (or two people at once) while the same document is still queued returns that queued
    row instead of a second one: it has not started, so it renders the data as it is when it does. The
    company row is locked first so that two requests at once cannot both create one. A document already
    rendering, or stuck (see ``GeneratedDocument.stuck``), does not count: a new request makes a new row.

    A DX推進計画書 or progress report is of one participation: the company's in ``program`` (None: its
    current participation); the document records that program.
    """
    if not user.has_perm(VIEW_PERM.get(kind, "accompaniment.view_track"), company):
        raise PermissionDenied
    if kind not in GeneratedDocument.Kind.values:
        raise ValidationError({"kind": _("帳票の種類が正しくありません。")})
    if kind in DIAGNOSIS_KINDS:
        _check_diagnosis(kind=kind, company=company, diagnosis=diagnosis)
    else:
        from accompaniment.models import DxPlan
        from programs.participations.selectors import participation_current

        diagnosis = None
        participation = participation_current(company=company, program=program)
        if (
            participation is None
            or not DxPlan.objects.filter(
                consortium_id=company.consortium_id, participation=participation
            ).exists()
        ):
            raise ValidationError({"kind": _("伴走支援に登録された企業のみ作成できます。")})
        program = participation.program
    Company.objects.select_for_update().filter(pk=company.pk).first()
    row: dict[str, Any] = {
        "consortium_id": company.consortium_id,
        "kind": kind,
        "company": company,
        "diagnosis": diagnosis,
    }
    if kind not in DIAGNOSIS_KINDS:
        row["program"] = program
    return _queued_or_new(row, requested_by=user)


def _queued_or_new(document: dict[str, Any], *, requested_by: Any) -> GeneratedDocument:
    """The latest still-queued, not stuck GeneratedDocument with the fields ``document`` (consortium_id,
    kind, what it is of, and ``requested_by`` when only the requester's own counts), else a new one of
    them requested by ``requested_by``, validated, saved and queued after commit. The caller holds the
    lock that serializes such requests."""
    pending = (
        GeneratedDocument.objects.filter(**document, status=GeneratedDocument.Status.QUEUED)
        .order_by("-pk")
        .first()
    )
    if pending is not None and not pending.stuck:
        return pending
    doc = GeneratedDocument(**{**document, "requested_by": requested_by})
    doc.full_clean()
    doc.save()
    _queue(doc)
    return doc


@transaction.atomic
def document_retry(*, document: GeneratedDocument, user: Any) -> GeneratedDocument:
    """Re-queue a failed document, or one stuck queued / rendering for longer than a render may take
    (``GeneratedDocument.stuck``: ``reports.tasks.claim_timeout()`` seconds, the hard time limit + 60 s,
    since its last status change; its worker is dead or its message lost): status → queued, error
    cleared, the render message sent after commit. One conditional UPDATE, so a double click re-queues
    once; a render still running within its time limit is never taken from its worker. Logged with the
    acting user (generated documents are files, not audited records).

    Raises PermissionDenied unless the user may see what it renders (``VIEW_PERM``); ValidationError when
    the document is neither failed nor stuck (a queued/rendering one is on its way, a ready one is done).
    """
    from reports.tasks import stale_before

    if document.kind == GeneratedDocument.Kind.RESULTS_REPORT:
        from dxcommunity.access.rules import membership_for
        from reports.documents.selectors import results_documents_visible_to

        membership = membership_for(user, document.consortium_id)
        if (
            membership is None
            or not results_documents_visible_to(membership=membership).filter(pk=document.pk).exists()
        ):
            raise PermissionDenied
    elif not user.has_perm(VIEW_PERM.get(document.kind, "accompaniment.view_track"), document.company):
        raise PermissionDenied
    previous = document.status
    updated = (
        GeneratedDocument.objects.filter(consortium_id=document.consortium_id, pk=document.pk)
        .filter(
            Q(status=Status.FAILED)
            | Q(status__in=[Status.QUEUED, Status.RENDERING], updated_at__lt=stale_before())
        )
        .update(status=Status.QUEUED, error="", updated_at=timezone.now(), enqueued_at=None)
    )
    if not updated:
        raise ValidationError(_("失敗した帳票、または制限時間を過ぎても完了しない帳票のみ再実行できます。"))
    logger.info(
        "document_retry: user %s re-queued document %s (was %s, attempts %s)",
        getattr(user, "pk", None),
        document.pk,
        previous,
        document.attempts,
    )
    document.refresh_from_db()
    _queue(document)
    return document


@dataclass
class SweepResult:
    """What one sweep did, as document ids: ``requeued`` (queued, its message sent again), ``reclaimed``
    (a dead worker's render put back to queued, and sent unless in ``unsent``), ``given_up`` (rendering
    past the time limit after ``max_attempts()`` claims: marked failed), ``unsent`` (due, but the broker
    was down again: still waiting for the queue)."""

    requeued: list[int] = field(default_factory=list)
    reclaimed: list[int] = field(default_factory=list)
    given_up: list[int] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in ("requeued", "reclaimed", "given_up", "unsent")}


def document_sweep(*, requeue_after: float | None = None, now: dt.datetime | None = None) -> SweepResult:
    """Recover generated documents whose message or worker was lost, in every consortium.

    - ``rendering`` with a claim older than ``reports.tasks.claim_timeout()`` (its worker died: no render
      outlives the hard time limit): back to queued and sent again, or, after ``max_attempts()`` claims,
      marked failed (the user may retry it);
    - ``queued`` whose message was sent (``enqueued_at``), or that was created while the broker was down,
      more than ``requeue_after`` seconds ago (default setting DOCUMENT_REQUEUE_AFTER, 300): sent again.

    Every change is a conditional UPDATE on the state just read, so two sweeps at once (beat and the
    management command) send a document once, and a duplicate message is harmless anyway: the render
    claims the row once (``reports.tasks.render_document``). Run by Celery beat
    (``reports.tasks.sweep_documents``) and by ``manage.py sweep_documents``. Returns a ``SweepResult``.
    """
    from reports.tasks import claim_timeout, max_attempts

    now = now or timezone.now()
    if requeue_after is None:
        requeue_after = float(getattr(settings, "DOCUMENT_REQUEUE_AFTER", 300))
    stale = now - dt.timedelta(seconds=claim_timeout())
    result = SweepResult()
    with scopes_disabled():
        docs = GeneratedDocument.objects.all()
        for pk, attempts in docs.filter(status=Status.RENDERING, updated_at__lt=stale).values_list(
            "pk", "attempts"
        ):
            row = docs.filter(pk=pk, status=Status.RENDERING, updated_at__lt=stale, attempts=attempts)
            if attempts >= max_attempts():
                error = f"TimeLimitExceeded: not finished within {claim_timeout():.0f} s, {attempts} attempts"
                if row.update(status=Status.FAILED, error=error, updated_at=now):
                    result.given_up.append(pk)
            elif row.update(status=Status.QUEUED, updated_at=now, enqueued_at=now):
                result.reclaimed.append(pk)
        due = now - dt.timedelta(seconds=requeue_after)
        waiting = docs.annotate(sent=Coalesce("enqueued_at", "updated_at")).filter(
            status=Status.QUEUED, sent__lt=due
        )
        for pk, enqueued_at in waiting.values_list("pk", "enqueued_at"):
            if docs.filter(pk=pk, status=Status.QUEUED, enqueued_at=enqueued_at).update(enqueued_at=now):
                result.requeued.append(pk)
        for pk in [*result.reclaimed, *result.requeued]:
            document = docs.get(pk=pk)
            if not document_send(document=document):
                docs.filter(pk=pk, status=Status.QUEUED, enqueued_at=now).update(enqueued_at=None)
                result.unsent.append(pk)
    result.requeued = [pk for pk in result.requeued if pk not in result.unsent]
    return result


@transaction.atomic
def results_document_request(
    *, membership: Any, program: Any | None = None, fiscal_year: int | None = None
) -> GeneratedDocument:
    """Queue a 実績報告書 PDF (GeneratedDocument kind ``results_report``, no company) for one program or for
    every program of ``fiscal_year`` (int, starting year), requested by ``membership.user``; rendered by
    ``reports.tasks.render_document`` after commit. A regional coordinator's report covers its region only
    (``reports.documents.selectors.results_companies_for_document``).

    Raises PermissionDenied unless the membership is the coordinator or a regional coordinator;
    ValidationError (``scope``) unless exactly one of program / fiscal_year is given, the program is of the
    membership's consortium, and the fiscal year has a program. While the same user's report of the same
    scope is still queued (not stuck), that row is returned instead of a second one.
    """
    from dxcommunity.tenancy.models import Membership
    from programs.models import Program

    if not test_rule("reports.request_results", membership):
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
    # A double click while this user's report of the same scope is still queued returns that one (the
    # report covers what the requester may see, so only the same requester's counts; their membership row
    # is locked so that two requests at once make one).
    Membership.objects.select_for_update().filter(pk=membership.pk).first()
    return _queued_or_new(
        {
            "consortium_id": membership.consortium_id,
            "kind": GeneratedDocument.Kind.RESULTS_REPORT,
            "program": program,
            "fiscal_year": fiscal_year if program is None else None,
            "requested_by": membership.user,  # the report covers what its requester sees
        },
        requested_by=membership.user,
    )
