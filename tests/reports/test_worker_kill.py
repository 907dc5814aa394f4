"""A worker killed mid-render leaves no half file, and the job completes when the message comes back.

Runs only with REDIS_URL and PostgreSQL, like test_celery_worker.py (same fixture)::

    REDIS_URL=redis://127.0.0.1:6379/15 DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxcommunity \
        .venv/bin/pytest tests/reports/test_worker_kill.py -m celery_worker

The first worker gets ``DXC_TEST_RENDER_DELAY`` (test-only: the task sleeps after writing half of the
temporary file) and is SIGKILLed while sleeping. Its message stays unacknowledged in Redis (acks_late);
Redis gives it back after the transport's ``visibility_timeout`` (the hard time limit + 90 s), which the test
shortens by restoring unacked messages through a connection with a 1 s visibility timeout — the same
kombu code path a worker runs. The second worker, with ``DXC_RENDER_CLAIM_TIMEOUT=2`` (test-only), sees
the dead worker's 'rendering' claim as stale, reclaims it and finishes the PDF.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from reports.models import GeneratedDocument
from tests.accompaniment.factories import enroll, fill_plan
from tests.reports.test_celery_worker import REDIS_URL, REPO, _database_url, worker_queue  # noqa: F401

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis broker) to run a real Celery worker"),
]


def _worker(queue: str, settings, **env_extra: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT), **env_extra}
    for key in ("DXC_TEST_RENDER_DELAY", "DXC_RENDER_CLAIM_TIMEOUT"):
        if key not in env_extra:
            env.pop(key, None)
    celery = str(Path(sys.executable).with_name("celery"))
    return subprocess.Popen(
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
            queue,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.terminate()
    try:
        return worker.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        worker.kill()
        return worker.communicate()[0]


def test_worker_killed_mid_render_leaves_no_half_file_and_the_job_completes(
    transactional_db,
    cast,
    login,
    worker_queue,  # noqa: F811 - the fixture imported above
    settings,
):
    from dxcommunity.celery import app

    enroll(cast)
    fill_plan(cast)
    client = login(cast.company_user)
    client.post(reverse("documents:request", args=["dx"]), {"kind": "dx_plan", "company": cast.company.pk})
    doc = GeneratedDocument.objects.get()
    slot = Path(settings.MEDIA_ROOT) / "documents" / str(doc.consortium_id) / "dx_plan"
    final = slot / f"dx_plan-{doc.pk}.pdf"

    first = _worker(worker_queue, settings, DXC_TEST_RENDER_DELAY="30")
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not list(slot.glob(".*.part")):
            if first.poll() is not None:
                pytest.fail(f"worker exited early:\n{first.communicate()[0]}")
            time.sleep(0.2)
        parts = list(slot.glob(".*.part"))
        assert parts, "the first worker never started writing"
        os.kill(first.pid, signal.SIGKILL)  # mid-render: half of the PDF is in the temporary file
        first.wait(timeout=10)
    finally:
        _stop(first)
    doc.refresh_from_db()
    assert doc.status == GeneratedDocument.Status.RENDERING and doc.attempts == 1
    assert not final.exists(), "a half file at the final path"
    assert parts[0].exists() and 0 < parts[0].stat().st_size

    # Redis gives the unacked message back (visibility timeout shortened for the test).
    time.sleep(2.5)  # also makes the dead worker's claim older than DXC_RENDER_CLAIM_TIMEOUT
    with app.connection_for_write(transport_options={"visibility_timeout": 1}) as conn:
        conn.default_channel.qos.restore_visible(num=100)

    second = _worker(worker_queue, settings, DXC_RENDER_CLAIM_TIMEOUT="2")
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            doc.refresh_from_db()
            if doc.status in (GeneratedDocument.Status.READY, GeneratedDocument.Status.FAILED):
                break
            if second.poll() is not None:
                pytest.fail(f"second worker exited:\n{second.communicate()[0]}")
            time.sleep(0.5)
    finally:
        output = _stop(second)
    assert doc.status == GeneratedDocument.Status.READY, f"{doc.status}: {doc.error}\n{output}"
    assert doc.attempts == 2  # the killed run and the redelivered one
    assert (
        final.is_file()
        and final.read_bytes().startswith(b"%PDF")
        and final.read_bytes().rstrip().endswith(b"%%EOF")
    )
    assert list(slot.glob(".*.part")) == []  # the dead worker's temporary file is cleaned up
