"""Generated documents survive a broker that is down, lost messages and dead workers (in process).

The broker-down tests point Celery at a closed local port, so the publish fails the way it does when
Redis is stopped (kombu OperationalError, connection refused). Rendering is replaced by a counter that
returns a tiny PDF: these tests are about who renders what how often, not about the PDF.
The same with a real Redis that is killed and a real worker that is SIGKILLed: test_job_outages.py.
"""

from __future__ import annotations

import datetime as dt
import io
import socket
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reports.documents import rendering
from reports.documents.services import document_retry, document_sweep
from reports.models import GeneratedDocument
from reports.tasks import claim_timeout, render_document
from tests.accompaniment.factories import enroll

Status = GeneratedDocument.Status
REPO = Path(__file__).resolve().parents[2]
FAKE_PDF = b"%PDF-1.4\n% test\n%%EOF\n"


def url(name, *args):
    return reverse(f"documents:{name}", args=["dx", *args])


@pytest.fixture
def renders(monkeypatch):
    """Replace the PDF rendering by a fake; returns the list of document ids rendered, in order."""
    calls: list[int] = []

    def fake(*, document):
        calls.append(document.pk)
        return FAKE_PDF

    monkeypatch.setattr(rendering, "document_render", fake)
    return calls


def _reset_pools(app) -> None:
    # The app caches its connection and producer pools per broker URL.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """Celery not eager, its broker a local port where nothing listens (like a stopped Redis)."""
    from dxcommunity.celery import app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    _reset_pools(app)
    yield
    app.conf.update(saved)
    _reset_pools(app)


def _age(doc: GeneratedDocument, seconds: float, **fields) -> None:
    """Make the document's last change (and any ``fields``) ``seconds`` old."""
    GeneratedDocument.objects.filter(pk=doc.pk).update(
        updated_at=timezone.now() - dt.timedelta(seconds=seconds), **fields
    )


def _doc(cast, **fields) -> GeneratedDocument:
    return GeneratedDocument.objects.create(
        consortium=cast.consortium,
        kind="dx_plan",
        company=cast.company,
        requested_by=cast.company_user,
        **fields,
    )


def test_request_succeeds_while_the_broker_is_down_and_the_sweep_sends_it_later(
    cast, login, broker_down, renders, django_capture_on_commit_callbacks
):
    from dxcommunity.celery import app

    enroll(cast)
    client = login(cast.company_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("request"), {"kind": "dx_plan", "company": cast.company.pk})
    assert len(callbacks) == 1  # the publish ran (and failed) after commit
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "処理キューに接続できないため" in page and "キュー待ち" in page
    with django_capture_on_commit_callbacks(execute=True):
        htmx = client.post(
            url("request"),
            {"kind": "progress_report", "company": cast.company.pk},
            HTTP_HX_REQUEST="true",
        )
    assert htmx.status_code == 200 and "キュー待ち" in htmx.content.decode()
    docs = list(GeneratedDocument.objects.order_by("pk"))
    assert [(d.status, d.enqueued_at) for d in docs] == [(Status.QUEUED, None)] * 2

    # A sweep while the broker is still down changes nothing and raises nothing.
    result = document_sweep(requeue_after=0)
    assert result.requeued == [] and sorted(result.unsent) == [d.pk for d in docs]
    assert GeneratedDocument.objects.filter(status=Status.QUEUED, enqueued_at=None).count() == 2

    # The broker is back (eager here: the message renders in process): every job ends ready, once.
    app.conf.task_always_eager = True
    result = document_sweep(requeue_after=0)
    assert sorted(result.requeued) == [d.pk for d in docs]
    assert sorted(renders) == [d.pk for d in docs]
    assert [(d.status, d.attempts) for d in GeneratedDocument.objects.order_by("pk")] == [
        (Status.READY, 1)
    ] * 2
    assert document_sweep(requeue_after=0).counts() == {
        "requeued": 0,
        "reclaimed": 0,
        "given_up": 0,
        "unsent": 0,
    }


def test_sweep_resends_queued_documents_only_after_the_requeue_delay(cast, renders, settings):
    settings.DOCUMENT_REQUEUE_AFTER = 300
    fresh = _doc(cast, enqueued_at=timezone.now())
    lost = _doc(cast)
    _age(lost, 301, enqueued_at=timezone.now() - dt.timedelta(seconds=301))
    never_sent = _doc(cast)
    _age(never_sent, 301)
    result = document_sweep()
    assert sorted(result.requeued) == sorted([lost.pk, never_sent.pk]) and result.unsent == []
    assert sorted(renders) == sorted([lost.pk, never_sent.pk])
    fresh.refresh_from_db()
    assert fresh.status == Status.QUEUED and fresh.attempts == 0


def test_sweep_reclaims_renders_of_dead_workers_and_gives_up_after_max_attempts(cast, renders, settings):
    settings.DOCUMENT_MAX_ATTEMPTS = 3
    running = _doc(cast, status=Status.RENDERING, attempts=1)
    _age(running, claim_timeout() - 30)  # within the time limit: its worker may still be at it
    dead = _doc(cast, status=Status.RENDERING, attempts=1)
    _age(dead, claim_timeout() + 1)
    hopeless = _doc(cast, status=Status.RENDERING, attempts=3)
    _age(hopeless, claim_timeout() + 1)

    result = document_sweep()
    assert result.reclaimed == [dead.pk] and result.given_up == [hopeless.pk]
    assert renders == [dead.pk]
    ended = {d.pk: (d.status, d.attempts) for d in GeneratedDocument.objects.all()}
    assert ended == {
        running.pk: (Status.RENDERING, 1),
        dead.pk: (Status.READY, 2),
        hopeless.pk: (Status.FAILED, 3),
    }
    assert GeneratedDocument.objects.get(pk=hopeless.pk).error.startswith("TimeLimitExceeded")


def test_a_message_delivered_twice_renders_once_and_never_revives_a_finished_document(cast, renders):
    doc = _doc(cast)
    assert render_document(doc.pk) == Status.READY
    assert render_document(doc.pk) == Status.READY  # the duplicate finds nothing to claim
    assert renders == [doc.pk]
    failed = _doc(cast, status=Status.FAILED, error="RuntimeError: x", attempts=1)
    assert render_document(failed.pk) == Status.FAILED  # a stray message: retry re-queues first
    assert renders == [doc.pk]
    doc.refresh_from_db()
    assert doc.attempts == 1


def test_a_run_whose_claim_was_taken_over_writes_nothing(cast, monkeypatch):
    doc = _doc(cast)

    def slow(*, document):
        # While this run renders, its claim is taken over (as after a sweep and another worker's claim).
        GeneratedDocument.objects.filter(pk=document.pk).update(attempts=7)
        return FAKE_PDF

    monkeypatch.setattr(rendering, "document_render", slow)
    assert render_document(doc.pk) == Status.RENDERING
    doc.refresh_from_db()
    assert (doc.status, doc.attempts, doc.file.name) == (Status.RENDERING, 7, "")


def test_a_stuck_document_can_be_retried_a_running_one_not(
    cast, login, renders, django_capture_on_commit_callbacks
):
    enroll(cast)
    client = login(cast.company_user)
    doc = _doc(cast, status=Status.RENDERING, attempts=1)
    _age(doc, claim_timeout() - 30)
    html = client.get(url("status", doc.pk)).content.decode()
    assert "作成中" in html and "再実行" not in html
    with pytest.raises(ValidationError):
        document_retry(document=doc, user=cast.company_user)
    client.post(url("retry", doc.pk))
    doc.refresh_from_db()
    assert doc.status == Status.RENDERING and renders == []

    _age(doc, claim_timeout() + 1)  # its worker was killed: 作成中 past the hard time limit
    html = client.get(url("status", doc.pk)).content.decode()
    assert "作成中" in html and "制限時間を過ぎても完了していません" in html and "再実行" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("retry", doc.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    doc.refresh_from_db()
    assert (doc.status, doc.attempts) == (Status.READY, 2) and renders == [doc.pk]

    queued = _doc(cast, enqueued_at=timezone.now())
    with pytest.raises(ValidationError):
        document_retry(document=queued, user=cast.company_user)
    _age(queued, claim_timeout() + 1)
    queued.refresh_from_db()
    assert document_retry(document=queued, user=cast.company_user).status == Status.QUEUED
    with pytest.raises(ValidationError):  # a double click re-queues once
        document_retry(document=queued, user=cast.company_user)


def test_retry_of_a_stuck_document_is_refused_to_those_who_may_not_see_it(cast, renders):
    doc = _doc(cast, status=Status.RENDERING, attempts=1)
    _age(doc, claim_timeout() + 1)
    with pytest.raises(PermissionDenied):
        document_retry(document=doc, user=cast.other_bank_user)
    doc.refresh_from_db()
    assert doc.status == Status.RENDERING


def test_sweep_documents_command_prints_what_it_did(cast, renders):
    lost = _doc(cast)
    _age(lost, 10)
    out = io.StringIO()
    call_command("sweep_documents", "--requeue-after", "5", stdout=out)
    assert f"document {lost.pk}: requeued" in out.getvalue() and "requeued 1" in out.getvalue()
    assert GeneratedDocument.objects.get(pk=lost.pk).status == Status.READY


def test_beat_runs_the_sweep_and_the_broker_gives_messages_back_just_after_the_time_limit():
    from dxcommunity.celery import app

    schedule = django_settings.CELERY_BEAT_SCHEDULE["reports-sweep-documents"]
    assert schedule["task"] == "reports.tasks.sweep_documents" and schedule["task"] in app.tasks
    assert schedule["schedule"] <= 60
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert claim_timeout() < visibility <= django_settings.CELERY_TASK_TIME_LIMIT + 120
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    # make worker and the compose worker run beat (-B) in the worker.
    makefile = (REPO / "Makefile").read_text()
    assert "celery -A dxcommunity worker -B" in makefile
    assert '"worker", "-B"' in (REPO / "docker-compose.yml").read_text()
