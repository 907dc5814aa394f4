"""Celery tasks of reports. Tasks take ids, load the row, activate the tenant scope, call one service."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import F, Q
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from . import rendering
from .models import GeneratedDocument, document_upload_to

logger = logging.getLogger(__name__)
Status = GeneratedDocument.Status


def _stale_before() -> dt.datetime:
    """A 'rendering' claim older than the hard time limit belongs to a worker that died."""
    return timezone.now() - dt.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) + 60)


@shared_task(acks_late=True, ignore_result=True)
def render_document(document_id: int) -> str:
    """Render GeneratedDocument ``document_id`` to PDF and store it; returns the final status.

    Safe to run twice (redelivery after a lost worker, a double click on retry, a duplicate message):
    the run first *claims* the row with one conditional UPDATE (queued/failed → rendering, or a
    rendering claim older than the hard time limit); a second run finds nothing to claim and returns
    the current status without touching it. The file goes to a fixed slot per document
    (``documents/<consortium>/<kind>/<kind>-<id>.pdf``) that a re-render overwrites, and the row is
    marked ready / failed only while it is still in the rendering state this run claimed.
    On any exception the row is marked failed with the error text; the retry button re-queues it.
    """
    with scopes_disabled():
        doc = GeneratedDocument.objects.select_related("consortium").filter(pk=document_id).first()
    if doc is None:
        logger.warning("render_document: no document %s", document_id)
        return "missing"
    with scope(consortium=doc.consortium):
        now = timezone.now()
        claimed = (
            GeneratedDocument.objects.filter(consortium=doc.consortium, pk=doc.pk)
            .filter(
                Q(status__in=[Status.QUEUED, Status.FAILED])
                | Q(status=Status.RENDERING, updated_at__lt=_stale_before())
            )
            .update(status=Status.RENDERING, error="", updated_at=now, attempts=F("attempts") + 1)
        )
        if not claimed:
            doc.refresh_from_db(fields=["status"])
            logger.info("render_document: %s already %s, nothing to do", doc.pk, doc.status)
            return doc.status
        mine = GeneratedDocument.objects.filter(consortium=doc.consortium, pk=doc.pk, status=Status.RENDERING)
        try:
            doc = GeneratedDocument.objects.select_related("company", "diagnosis", "diagnosis__edition").get(
                consortium=doc.consortium, pk=doc.pk
            )
            pdf = rendering.document_render(document=doc)
            filename = f"{doc.kind}-{doc.pk}.pdf"
            storage = doc.file.storage
            target = document_upload_to(doc, filename)
            if storage.exists(target):
                storage.delete(target)  # the fixed slot: a re-render replaces the earlier file
            name = storage.save(target, ContentFile(pdf))
        except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with its reason
            logger.exception("render_document: %s failed", doc.pk)
            mine.update(
                status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], updated_at=timezone.now()
            )
            return Status.FAILED
        mine.update(status=Status.READY, file=name, error="", updated_at=timezone.now())
        return Status.READY
