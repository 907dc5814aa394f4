"""Two writers on the same solution of the tool database: the second never silently overwrites the first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dxcommunity.concurrency import EditConflict
from dxcommunity.tenancy.models import Membership
from matching.models import Solution
from matching.solutions.services import solution_save
from tests.matching.factories import solution
from tests.two_writers import browser, form_version


def body(**overrides):
    return {
        "name": "受発注クラウド",
        "category": "core_business",
        "description": "",
        "price_min": "",
        "price_max": "",
        "item_codes": "",
        "is_published": "on",
    } | overrides


def test_solution_second_writer_sees_the_conflict_and_the_first_save_is_kept(cast):
    mine = solution(cast, "自社ツール")
    vendor, coordinator = browser(cast.vendor_user), browser(cast.coordinator)
    edit = reverse("matching:solution_edit", args=["dx", mine.pk])
    v_vendor, v_coordinator = form_version(vendor.get(edit)), form_version(coordinator.get(edit))
    assert vendor.post(edit, body(description="ベンダーの説明", version=v_vendor)).status_code == 302
    typed = body(description="事務局の説明", keywords="事務局のキーワード", vendor=cast.vendor.pk)
    response = coordinator.post(edit, typed | {"version": v_coordinator})
    assert response.status_code == 409
    html = response.content.decode()
    assert "ほかの人が先に保存しました" in html
    assert "ベンダーの説明" in html and "事務局の説明" in html and "事務局のキーワード" in html
    stored = Solution.objects.get(pk=mine.pk)
    assert stored.description == "ベンダーの説明" and stored.keywords == ""
    assert form_version(response) == str(stored.version)


def test_solution_save_checks_the_version(cast):
    mine = solution(cast, "自社ツール")
    member = Membership.objects.get(user=cast.vendor_user, consortium=cast.consortium)
    loaded = Solution.objects.get(pk=mine.pk).version
    solution_save(membership=member, data={"description": "一人目"}, solution=mine, version=loaded)
    stale = Solution.objects.get(pk=mine.pk)
    with pytest.raises(EditConflict):
        solution_save(membership=member, data={"description": "二人目"}, solution=stale, version=loaded)
    assert Solution.objects.get(pk=mine.pk).description == "一人目"
