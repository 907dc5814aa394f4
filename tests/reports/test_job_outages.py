"""Jobs survive a Redis that is killed and a worker that is SIGKILLed: every job ends ready, none twice.

Each test starts its own ``redis-server`` on a free local port (no persistence: killing it loses every
message in it, the worst case) and real Celery workers against it and the PostgreSQL test database, so
the shared Redis is never touched. Runs with REDIS_URL set (the ``celery_worker`` tests, as in CI) on
PostgreSQL, with ``redis-server`` installed::

    REDIS_URL=redis://127.0.0.1:6379/15 DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxcommunity \\
        .venv/bin/pytest tests/reports/test_job_outages.py -m celery_worker

Each test prints what each job ended as (status, render attempts).
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from reports.models import GeneratedDocument
from tests.accompaniment.factories import enroll, fill_plan, log_first_session
from tests.reports.test_celery_worker import REDIS_URL, REPO, _database_url

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (the celery_worker tests) to run real workers"),
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs redis-server to start a private one"
    ),
]

Status = GeneratedDocument.Status
DONE = (Status.READY, Status.FAILED)


class PrivateRedis:
    """A redis-server of this test only, on a free port; ``kill`` is SIGKILL (no persistence)."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


def _reset_pools(app) -> None:
    # The app caches its connection and producer pools per broker URL.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(transactional_db, tmp_path, settings):
    """A private Redis (started) as the broker of this process, eager mode off; killed at the end."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker subprocess cannot see the in-memory SQLite test database")
    from dxcommunity.celery import app

    server = PrivateRedis(tmp_path)
    server.start()
    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = server.url
    app.conf.task_default_queue = "celery"  # the worker's and beat's default: the server is ours alone
    _reset_pools(app)
    yield server
    app.conf.update(saved)
    _reset_pools(app)
    server.kill()


def _worker(server: PrivateRedis, settings, *args: str, **env_extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDIS_URL": server.url,
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **env_extra,
    }
    for key in ("DXC_TEST_RENDER_DELAY", "DXC_RENDER_CLAIM_TIMEOUT"):
        if key not in env_extra:
            env.pop(key, None)
    celery = str(Path(sys.executable).with_name("celery"))
    return subprocess.Popen(
        [celery, "-A", "dxcommunity", "worker", "-P", "solo", "-l", "warning", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: an embedded beat goes down with it
    )


def _stop(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.terminate()
    try:
        output = worker.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        output = ""
    try:
        os.killpg(worker.pid, signal.SIGKILL)  # whatever of its group is left (beat)
    except ProcessLookupError:
        pass
    if worker.poll() is None:
        output += worker.communicate()[0]
    return output


def _wait_done(docs: list[GeneratedDocument], worker: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        states = list(
            GeneratedDocument.objects.filter(pk__in=[d.pk for d in docs]).values_list("status", flat=True)
        )
        if all(s in DONE for s in states):
            return
        if worker.poll() is not None:
            pytest.fail(f"worker exited with {worker.returncode}:\n{worker.communicate()[0]}")
        time.sleep(0.5)


def _report(title: str, docs: list[GeneratedDocument], capsys, notes: dict[int, str]) -> None:
    with capsys.disabled():
        print(f"\n{title}")
        for doc in GeneratedDocument.objects.filter(pk__in=[d.pk for d in docs]).order_by("pk"):
            print(
                f"  job {doc.pk} {doc.kind} ({notes.get(doc.pk, '')}): ended {doc.status}, "
                f"render attempts {doc.attempts}{', ' + doc.error if doc.error else ''}"
            )


def _request(client, cast, kind: str, company=None) -> GeneratedDocument:
    company = company or cast.company
    response = client.post(reverse("documents:request", args=["dx"]), {"kind": kind, "company": company.pk})
    assert response.status_code == 302, response.status_code
    return GeneratedDocument.objects.order_by("-pk").first()


def test_redis_killed_requests_still_succeed_and_every_job_ends_ready_once(
    cast, login, private_redis, settings, tmp_path, capsys
):
    track = enroll(cast)
    fill_plan(cast)
    log_first_session(cast, track)
    client = login(cast.company_user)
    notes: dict[int, str] = {}

    # Redis up, no worker yet: the messages wait in Redis ...
    before = [_request(client, cast, kind) for kind in ("dx_plan", "progress_report")]
    assert all(d.enqueued_at is not None for d in before)
    assert private_redis.client().llen("celery") == 2
    notes.update(dict.fromkeys((d.pk for d in before), "sent, then Redis was killed"))
    # ... and are lost with it.
    private_redis.kill()
    # The same document again while it is queued is that document (its lost message is the sweep's).
    _request(client, cast, "dx_plan")
    assert GeneratedDocument.objects.count() == 2
    # Other documents requested while Redis is down: the request succeeds, the row waits for the queue.
    enroll(cast, cast.other_company)
    itc = Client()
    itc.force_login(cast.itc)
    during = [_request(itc, cast, kind, cast.other_company) for kind in ("dx_plan", "progress_report")]
    notes.update(dict.fromkeys((d.pk for d in during), "requested while Redis was down"))
    for doc in during:
        doc.refresh_from_db()
        assert (doc.status, doc.enqueued_at) == (Status.QUEUED, None)
    page = itc.get(reverse("plan:detail", args=["dx", cast.other_company.pk])).content.decode()
    assert "キュー待ち" in page

    # Redis is back, empty. A worker with beat (as make worker runs it) sweeps every second.
    private_redis.start()
    docs = before + during
    worker = _worker(
        private_redis,
        settings,
        "-B",
        "-s",
        str(tmp_path / "beat-schedule"),
        DXC_DOCUMENT_SWEEP_INTERVAL="1",
        DXC_DOCUMENT_REQUEUE_AFTER="3",
    )
    try:
        _wait_done(docs, worker)
    finally:
        output = _stop(worker)
    _report("Redis killed with 2 jobs in it, 2 jobs requested while it was down:", docs, capsys, notes)
    ended = list(
        GeneratedDocument.objects.filter(pk__in=[d.pk for d in docs]).values_list("status", "attempts")
    )
    assert ended == [(Status.READY, 1)] * len(docs), output
    for doc in GeneratedDocument.objects.filter(pk__in=[d.pk for d in docs]):
        assert Path(doc.file.path).read_bytes().startswith(b"%PDF")


def test_worker_killed_mid_render_the_sweep_reclaims_it_and_it_ends_ready_once(
    cast, login, private_redis, settings, monkeypatch, capsys
):
    from dxcommunity.celery import app

    enroll(cast)
    fill_plan(cast)
    client = login(cast.company_user)
    doc = _request(client, cast, "dx_plan")
    slot = Path(settings.MEDIA_ROOT) / "documents" / str(doc.consortium_id) / "dx_plan"
    final = slot / f"dx_plan-{doc.pk}.pdf"

    first = _worker(private_redis, settings, DXC_TEST_RENDER_DELAY="30")
    second = None
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not list(slot.glob(".*.part")):
            if first.poll() is not None:
                pytest.fail(f"worker exited early:\n{first.communicate()[0]}")
            time.sleep(0.2)
        assert list(slot.glob(".*.part")), "the first worker never started writing"
        # The new worker starts while the first one is busy (its message is taken: the queue is empty).
        second = _worker(private_redis, settings)
        os.kill(first.pid, signal.SIGKILL)  # mid-render: half of the PDF is in the temporary file
        first.wait(timeout=10)
    except BaseException:
        if second is not None:
            _stop(second)
        raise
    finally:
        _stop(first)
    doc.refresh_from_db()
    assert (doc.status, doc.attempts) == (Status.RENDERING, 1) and not final.exists()
    # Its message is unacknowledged in Redis until the visibility timeout (time limit + 90 s).
    assert private_redis.client().hlen("unacked") == 1

    # The claim counts as stale after 2 s here instead of the hard time limit + 60 s.
    monkeypatch.setenv("DXC_RENDER_CLAIM_TIMEOUT", "2")
    try:
        time.sleep(2.2)
        out = io.StringIO()
        call_command("sweep_documents", stdout=out)
        assert f"document {doc.pk}: reclaimed" in out.getvalue(), out.getvalue()
        _wait_done([doc], second)
        doc.refresh_from_db()
        assert (doc.status, doc.attempts) == (Status.READY, 2), doc.error
        # Later the dead worker's message comes back (visibility timeout shortened here): it renders nothing.
        with app.connection_for_write(transport_options={"visibility_timeout": 0}) as conn:
            conn.default_channel.qos.restore_visible(num=100)
        broker = private_redis.client()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (broker.llen("celery") or broker.hlen("unacked")):
            time.sleep(0.2)
        assert broker.llen("celery") == 0 and broker.hlen("unacked") == 0
        call_command("sweep_documents", stdout=io.StringIO())
    finally:
        output = _stop(second)
    _report(
        "worker SIGKILLed mid-render, a new worker, the sweep:", [doc], capsys, {doc.pk: "killed mid-render"}
    )
    doc.refresh_from_db()
    assert (doc.status, doc.attempts) == (Status.READY, 2), output  # the killed claim + one full render
    assert final.read_bytes().startswith(b"%PDF") and final.read_bytes().rstrip().endswith(b"%%EOF")
    assert list(slot.glob(".*.part")) == []
