"""The same POST twice gives one row and no 500: a matching need and a vendor's answer, sent one after the
other (everywhere) and at the same moment from two clients (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dxcommunity.idempotency import new_key
from matching.models import MatchingRequest, MatchingStatusChange, VendorResponse
from tests.concurrency import logged_in_client, meet_at, on_postgres, post_together
from tests.matching.factories import need


def url(name, **kwargs):
    return reverse(name, kwargs={"consortium_slug": "dx", **kwargs})


def need_post(cast, key):
    return {
        "company": cast.company.pk,
        "title": "受発注のデジタル化",
        "description": "FAX受注をなくしたい",
        "category": "core_business",
        "source": "session",
        "idempotency_key": key,
    }


def test_need_posted_twice_in_a_row_is_one_need(cast, client):
    client.force_login(cast.coordinator)
    assert 'name="idempotency_key"' in client.get(url("matching:request_create")).content.decode()
    data = need_post(cast, new_key())
    first = client.post(url("matching:request_create"), data)
    second = client.post(url("matching:request_create"), data)
    created = MatchingRequest.objects.get()
    detail = url("matching:request_detail", pk=created.pk)
    assert (first.status_code, first.url) == (302, detail)
    assert (second.status_code, second.url) == (302, detail)
    assert MatchingStatusChange.objects.filter(request=created).count() == 1


def test_two_needs_from_two_forms_are_two_needs(cast, client):
    client.force_login(cast.coordinator)
    for _i in range(2):
        client.post(url("matching:request_create"), need_post(cast, new_key()))
    assert MatchingRequest.objects.count() == 2


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_need_posted_twice_at_once_is_one_need(cast):
    with meet_at(MatchingRequest, "full_clean"):
        responses = post_together(
            logged_in_client(cast.coordinator),
            logged_in_client(cast.coordinator),
            url=url("matching:request_create"),
            data=need_post(cast, new_key()),
        )
    assert [r.status_code for r in responses] == [302, 302]
    created = MatchingRequest.objects.get()
    assert {r.url for r in responses} == {url("matching:request_detail", pk=created.pk)}
    assert MatchingStatusChange.objects.filter(request=created).count() == 1


def answer_post(key):
    return {"action": "answer", "answer": "question", "message": "詳細を伺えますか", "idempotency_key": key}


def test_vendor_answer_posted_twice_in_a_row_is_one_answer(cast, client):
    request = need(cast, vendors=[cast.vendor])
    client.force_login(cast.vendor_user)
    detail = url("matching:request_detail", pk=request.pk)
    data = answer_post(new_key())
    assert [client.post(detail, data).status_code for _i in range(2)] == [302, 302]
    assert VendorResponse.objects.filter(request=request).count() == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_vendor_answer_posted_twice_at_once_is_one_answer(cast):
    request = need(cast, vendors=[cast.vendor])
    with meet_at(VendorResponse, "full_clean"):
        responses = post_together(
            logged_in_client(cast.vendor_user),
            logged_in_client(cast.vendor_user),
            url=url("matching:request_detail", pk=request.pk),
            data=answer_post(new_key()),
        )
    assert [r.status_code for r in responses] == [302, 302]
    assert VendorResponse.objects.filter(request=request).count() == 1
