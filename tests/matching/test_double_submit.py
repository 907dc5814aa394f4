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


def test_new_solution_posted_twice_is_one_solution(cast, client):
    """The 「ソリューションの登録」 form sent twice (double click, resend) creates one solution."""
    from matching.models import Solution
    from tests.matching.test_solutions import post_solution

    client.force_login(cast.vendor_user)
    assert 'name="idempotency_key"' in client.get(url("matching:solution_create")).content.decode()
    key = new_key()
    first = post_solution(client, idempotency_key=key)
    second = post_solution(client, idempotency_key=key)
    created = Solution.objects.get()
    detail = url("matching:solution_detail", pk=created.pk)
    assert (first.status_code, first.url) == (second.status_code, second.url) == (302, detail)
    post_solution(client, idempotency_key=new_key())  # another form: another solution
    assert Solution.objects.count() == 2


def test_new_case_posted_twice_is_one_case(cast, client):
    """The 導入事例 form sent twice creates one case example; the edit form carries no key."""
    from matching.models import SolutionCase
    from tests.matching.test_solutions import solution

    s = solution(cast, "日報アプリ", item_codes=["4"])
    client.force_login(cast.vendor_user)
    create = url("matching:case_create", pk=s.pk)
    assert 'name="idempotency_key"' in client.get(create).content.decode()
    data = {"title": "建設業A社の日報電子化", "result": "月20時間削減", "idempotency_key": new_key()}
    assert client.post(create, data).status_code == client.post(create, data).status_code == 302
    case = SolutionCase.objects.get()
    edit = url("matching:case_edit", pk=s.pk, case_pk=case.pk)
    assert 'name="idempotency_key"' not in client.get(edit).content.decode()
