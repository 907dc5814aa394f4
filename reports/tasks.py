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

from reports.documents import rendering
from reports.models import GeneratedDocument, document_upload_to

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


def stale_before() -> dt.datetime:
    """The instant before which a queued or rendering document is stuck: now − ``claim_timeout()``."""
    return timezone.now() - dt.timedelta(seconds=claim_timeout())


def max_attempts() -> int:
    """Claims a document gets before the sweep gives it up as failed (setting DOCUMENT_MAX_ATTEMPTS)."""
    return int(getattr(settings, "DOCUMENT_MAX_ATTEMPTS", 3))


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

    Safe to run twice, and never twice at once (redelivery after a lost worker, a message the sweep sent
    again, a double click on retry): the run first *claims* the row with one conditional UPDATE
    (queued → rendering, or a rendering claim older than ``claim_timeout()`` — the hard time limit
    + 60 s, so its worker is dead — while attempts < ``max_attempts()``), which bumps ``attempts``; a
    second run finds nothing to claim and returns the current status without touching it (a ready or
    failed document is never rendered again by a stray message: retry re-queues it first). The file goes
    to a fixed slot per document (``documents/<consortium>/<kind>/<kind>-<id>.pdf``) that a re-render
    overwrites, and the row is marked ready / failed only while it still holds this run's claim
    (rendering with the attempts value this run set), so a run whose claim was taken over writes nothing.
    The file is written to a temporary file and renamed into the slot: a worker killed mid-render leaves
    no half file at the final path and the row 'rendering'; the sweep (``services.document_sweep``) or
    the redelivered message reclaims it once the claim is stale.
    On any exception the row is marked failed with the error text; the retry button re-queues it.
    """
    with scopes_disabled():
        doc = GeneratedDocument.objects.select_related("consortium").filter(pk=document_id).first()
    if doc is None:
        logger.warning("render_document: no document %s", document_id)
        return "missing"
    with scope(consortium=doc.consortium):
        now = timezone.now()
        claimable = Q(status=Status.QUEUED) | Q(
            status=Status.RENDERING, updated_at__lt=stale_before(), attempts__lt=max_attempts()
        )
        row = GeneratedDocument.objects.filter(consortium=doc.consortium, pk=doc.pk)
        claimed = row.filter(claimable).update(
            status=Status.RENDERING, error="", updated_at=now, attempts=F("attempts") + 1
        )
        if not claimed:
            doc.refresh_from_db(fields=["status"])
            logger.info("render_document: %s already %s, nothing to do", doc.pk, doc.status)
            return doc.status
        attempt = row.values_list("attempts", flat=True).get()
        mine = row.filter(status=Status.RENDERING, attempts=attempt)
        logger.info("render_document: %s claimed (attempt %s)", doc.pk, attempt)
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
        if not mine.update(status=Status.READY, file=name, error="", updated_at=timezone.now()):
            logger.warning("render_document: %s attempt %s was taken over, result dropped", doc.pk, attempt)
            return row.values_list("status", flat=True).get()
        return Status.READY


@shared_task(ignore_result=True)
def sweep_documents() -> dict[str, int]:
    """Celery beat's periodic sweep of generated documents (``services.document_sweep``); returns the
    counts ``{"requeued": n, "reclaimed": n, "given_up": n, "unsent": n}``. Safe to run twice at once:
    every change in the sweep is a conditional UPDATE."""
    from reports.documents.services import document_sweep

    result = document_sweep()
    counts = result.counts()
    if any(counts.values()):
        logger.info("sweep_documents: %s", counts)
    return counts
