"""Celery tasks of reports. Tasks take ids, load the row, activate the tenant scope, call one service."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from pathlib import Path

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


def claim_timeout() -> float:
    """Seconds after which a 'rendering' claim belongs to a worker that died: the hard time limit + 60 s.

    ``DXC_RENDER_CLAIM_TIMEOUT`` (env, seconds) overrides it — test-only, so that the worker-kill test
    can reclaim its job within seconds instead of six minutes.
    """
    override = os.environ.get("DXC_RENDER_CLAIM_TIMEOUT")
    if override:
        return float(override)
    return getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) + 60


def _stale_before() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=claim_timeout())


def write_atomically(*, path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` with no half file ever at ``path``: a temporary file in the same
    directory (``.<name>.<random>.part``), fsync, then ``os.replace`` (atomic on one filesystem).
    A process killed midway leaves only the temporary file, which the next write of the same path removes.

    ``DXC_TEST_RENDER_DELAY`` (env, seconds; test-only): sleep after writing the first half, so that a
    test can kill the worker while the file is being written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.part"):
        stale.unlink(missing_ok=True)  # left by a killed writer
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            delay = float(os.environ.get("DXC_TEST_RENDER_DELAY") or 0)
            if delay:
                fh.write(data[: len(data) // 2])
                fh.flush()
                time.sleep(delay)
                fh.write(data[len(data) // 2 :])
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600; give the file the mode an ordinary save would (Django's upload default).
        os.chmod(tmp, getattr(settings, "FILE_UPLOAD_PERMISSIONS", None) or 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _store(*, storage, name: str, data: bytes) -> str:
    """Put ``data`` at storage name ``name`` (the document's fixed slot) and return the name. On a local
    filesystem storage the write is atomic (``write_atomically``); other storages replace the file."""
    try:
        path = storage.path(name)
    except NotImplementedError:
        if storage.exists(name):
            storage.delete(name)
        return storage.save(name, ContentFile(data))
    write_atomically(path=path, data=data)
    return name


@shared_task(acks_late=True, ignore_result=True)
def render_document(document_id: int) -> str:
    """Render GeneratedDocument ``document_id`` to PDF and store it; returns the final status.

    Safe to run twice (redelivery after a lost worker, a double click on retry, a duplicate message):
    the run first *claims* the row with one conditional UPDATE (queued/failed → rendering, or a
    rendering claim older than the hard time limit); a second run finds nothing to claim and returns
    the current status without touching it. The file goes to a fixed slot per document
    (``documents/<consortium>/<kind>/<kind>-<id>.pdf``) that a re-render overwrites, and the row is
    marked ready / failed only while it is still in the rendering state this run claimed.
    The file is written to a temporary file and renamed into the slot: a worker killed mid-render leaves
    no half file at the final path, the row stays 'rendering', and the redelivered message (acks_late +
    reject_on_worker_lost) reclaims it once the claim is older than ``claim_timeout()``.
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
            doc = GeneratedDocument.objects.select_related(
                "consortium", "company", "program", "diagnosis", "diagnosis__edition"
            ).get(consortium=doc.consortium, pk=doc.pk)
            pdf = rendering.document_render(document=doc)
            filename = f"{doc.kind}-{doc.pk}.pdf"
            # The fixed slot: a re-render replaces the earlier file.
            name = _store(storage=doc.file.storage, name=document_upload_to(doc, filename), data=pdf)
        except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with its reason
            logger.exception("render_document: %s failed", doc.pk)
            mine.update(
                status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], updated_at=timezone.now()
            )
            return Status.FAILED
        mine.update(status=Status.READY, file=name, error="", updated_at=timezone.now())
        return Status.READY
