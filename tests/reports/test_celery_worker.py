"""The real thing: a Celery worker subprocess renders the PDF through Redis and PostgreSQL.

Runs only with REDIS_URL set and on PostgreSQL (the worker must see the rows this test commits; the
SQLite test database lives in memory). Example::

    REDIS_URL=redis://127.0.0.1:6379/15 DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxcommunity \
        .venv/bin/pytest tests/reports -m celery_worker
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse

from reports.models import GeneratedDocument
from tests.accompaniment.factories import enroll, fill_plan

REDIS_URL = os.environ.get("REDIS_URL", "")
REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis broker) to run a real Celery worker"),
]


def _database_url() -> str:
    """postgres:// URL of the pytest test database, built from the live connection's settings."""
    s = connection.settings_dict
    auth = quote(s.get("USER") or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def worker_queue(settings):
    """A queue of this test only (so that no other worker on the same Redis takes our task), eager off."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker subprocess cannot see the in-memory SQLite test database")
    from dxcommunity.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.conf.task_default_queue = queue
    yield queue
    app.conf.update(saved)


def test_real_worker_renders_the_plan(transactional_db, cast, login, worker_queue, settings):
    import redis

    assert settings.CELERY_BROKER_URL == REDIS_URL
    enroll(cast)
    fill_plan(cast)
    client = login(cast.company_user)
    response = client.post(
        reverse("documents:request", args=["dx"]), {"kind": "dx_plan", "company": cast.company.pk}
    )
    assert response.status_code == 302
    doc = GeneratedDocument.objects.get()
    # Not eager: nothing rendered yet, and the message waits in the Redis list of our queue.
    assert doc.status == GeneratedDocument.Status.QUEUED
    broker = redis.Redis.from_url(REDIS_URL)
    assert broker.llen(worker_queue) == 1

    env = {**os.environ, "DATABASE_URL": _database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    celery = str(Path(sys.executable).with_name("celery"))
    worker = subprocess.Popen(
        [
            celery,
            "-A",
            "dxcommunity",
            "worker",
            "-P",
            "solo",
            "--concurrency",
            "1",
            "-l",
            "warning",
            "-Q",
            worker_queue,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            doc.refresh_from_db()
            if doc.status in (GeneratedDocument.Status.READY, GeneratedDocument.Status.FAILED):
                break
            if worker.poll() is not None:
                pytest.fail(f"worker exited with {worker.returncode}:\n{worker.stdout.read()}")
            time.sleep(0.5)
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert doc.status == GeneratedDocument.Status.READY, f"{doc.status}: {doc.error}\n{output}"
    assert broker.llen(worker_queue) == 0
    assert doc.attempts == 1
    path = Path(doc.file.path)
    assert path.is_file()
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "テスト精密工業株式会社" in text and "DX推進計画書" in text
    download = client.get(reverse("documents:download", args=["dx", doc.pk]))
    assert download.status_code == 200
