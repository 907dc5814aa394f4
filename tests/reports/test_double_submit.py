"""「PDFを作成」 sent twice while the document is still queued makes one document, not two renders:
one after the other (everywhere) and at the same moment from two clients (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.documents import services
from reports.models import GeneratedDocument
from tests.accompaniment.factories import enroll, fill_plan
from tests.concurrency import logged_in_client, meet_at, on_postgres, post_together

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"documents:{name}", args=["dx", *args])


@pytest.fixture
def not_sent(monkeypatch):
    """The queue is not reached: a requested document stays queued (as while a worker is busy)."""
    monkeypatch.setattr(services, "_queue", lambda doc: None)


def request_plan(client, cast):
    return client.post(url("request"), {"kind": "dx_plan", "company": cast.company.pk})


def test_a_second_request_while_queued_returns_the_queued_document(cast, client, not_sent):
    enroll(cast)
    fill_plan(cast)
    client.force_login(cast.company_user)
    assert request_plan(client, cast).status_code == request_plan(client, cast).status_code == 302
    assert GeneratedDocument.objects.filter(kind="dx_plan", company=cast.company).count() == 1
    progress = client.post(url("request"), {"kind": "progress_report", "company": cast.company.pk})
    assert progress.status_code == 302  # another kind is another document
    assert GeneratedDocument.objects.count() == 2


@pytest.mark.parametrize("status", ["rendering", "ready", "failed"])
def test_a_document_that_is_not_waiting_any_more_does_not_absorb_a_new_request(
    cast, client, not_sent, status
):
    enroll(cast)
    fill_plan(cast)
    client.force_login(cast.company_user)
    request_plan(client, cast)
    GeneratedDocument.objects.update(status=status)
    request_plan(client, cast)
    assert GeneratedDocument.objects.count() == 2


def test_a_stuck_queued_document_does_not_absorb_a_new_request(cast, client, not_sent):
    from django.utils import timezone

    enroll(cast)
    fill_plan(cast)
    client.force_login(cast.company_user)
    request_plan(client, cast)
    GeneratedDocument.objects.update(updated_at=timezone.now() - timezone.timedelta(hours=1))
    request_plan(client, cast)
    assert GeneratedDocument.objects.count() == 2


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_make_one_document(cast, not_sent):
    enroll(cast)
    fill_plan(cast)
    with meet_at(GeneratedDocument, "full_clean"):
        responses = post_together(
            logged_in_client(cast.company_user),
            logged_in_client(cast.itc),
            url=url("request"),
            data={"kind": "dx_plan", "company": cast.company.pk},
        )
    assert [r.status_code for r in responses] == [302, 302]
    assert GeneratedDocument.objects.filter(kind="dx_plan", company=cast.company).count() == 1


def test_results_report_requested_twice_while_queued_is_one_document(cast, client, not_sent):
    """The 実績報告書 PDF: the same coordinator's second click returns the queued report; another
    coordinator's request (its report may cover another region) is its own document."""
    client.force_login(cast.coordinator)
    scope = {"scope": f"program:{cast.program.pk}"}
    for _i in range(2):
        assert client.post(reverse("results:pdf_request", args=["dx"]), scope).status_code == 302
    assert GeneratedDocument.objects.filter(kind="results_report").count() == 1
    client.force_login(cast.regional_coordinator)
    client.post(reverse("results:pdf_request", args=["dx"]), scope)
    assert GeneratedDocument.objects.filter(kind="results_report").count() == 2
