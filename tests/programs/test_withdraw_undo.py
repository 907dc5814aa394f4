"""「取り下げる」 asks once and can be undone: the list links to a confirmation page (GET says what happens,
POST withdraws), 「取下げを取り消す」 puts the application back in the status it had; audited; who may."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dxcommunity.tenancy.models import Membership
from programs.models import CompanyApplication
from programs.recruitment import services
from tests.conftest import add_member, give_totp, make_user

pytestmark = pytest.mark.django_db
Status = CompanyApplication.Status


def _app(cast, name, **extra):
    return services.application_submit(
        program=cast.program,
        data={
            "company_name": name,
            "applicant_name": "代表",
            "email": f"{abs(hash(name)) % 10**8}@example.jp",
            "region": cast.ibaraki,
            "privacy_consent": True,
            **extra,
        },
        send_confirmation=False,
    )


def _withdraw_url(cast, app):
    return reverse("recruitment:application_withdraw", args=["dx", cast.program.pk, app.pk])


def _restore_url(cast, app):
    return reverse("recruitment:application_action", args=["dx", cast.program.pk, app.pk, "restore"])


def test_the_list_has_no_red_withdraw_button_only_a_link(cast, login):
    app = _app(cast, "水戸建設")
    html = login(cast.coordinator).get(reverse("recruitment:application_list", args=["dx", cast.program.pk]))
    html = html.content.decode()
    assert f'href="{_withdraw_url(cast, app)}"' in html
    assert not re.search(r'<form[^>]+action="[^"]*/withdraw/"', html)
    assert "onsubmit" not in html


def test_get_asks_and_changes_nothing_post_withdraws(cast, login):
    app = _app(cast, "水戸建設")
    client = login(cast.coordinator)
    page = client.get(_withdraw_url(cast, app))
    html = page.content.decode()
    assert page.status_code == 200
    assert "水戸建設" in html and "定員に数えられず" in html and "取下げを取り消す" in html
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
    assert client.post(_withdraw_url(cast, app)).status_code == 302
    app.refresh_from_db()
    assert (app.status, app.withdrawn_from) == (Status.WITHDRAWN, Status.RECEIVED)


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.INVITED, Status.WAITLISTED])
def test_restore_puts_the_application_back(cast, login, status):
    app = _app(cast, "日立製作工房")
    CompanyApplication.objects.filter(pk=app.pk).update(status=status)
    client = login(cast.coordinator)
    client.post(_withdraw_url(cast, app))
    list_html = client.get(reverse("recruitment:application_list", args=["dx", cast.program.pk])).content
    assert _restore_url(cast, app) in list_html.decode()
    response = client.post(_restore_url(cast, app), follow=True)
    assert "取下げを取り消しました" in response.content.decode()
    app.refresh_from_db()
    assert (app.status, app.withdrawn_from) == (status, "")


def test_restore_of_a_received_application_waitlists_it_when_the_place_was_taken(cast, login):
    cast.program.capacity = 1
    cast.program.save()
    first = _app(cast, "水戸建設")
    second = _app(cast, "日立製作工房")
    assert second.status == Status.WAITLISTED
    client = login(cast.coordinator)
    client.post(_withdraw_url(cast, first))
    client.post(reverse("recruitment:application_action", args=["dx", cast.program.pk, second.pk, "promote"]))
    client.post(_restore_url(cast, first))
    first.refresh_from_db()
    assert first.status == Status.WAITLISTED


def test_a_merged_duplicate_comes_back_as_a_duplicate(cast, login):
    original = _app(cast, "水戸建設株式会社")
    dup = _app(cast, "水戸建設（株）")
    assert dup.status == Status.DUPLICATE
    client = login(cast.coordinator)
    client.post(reverse("recruitment:application_action", args=["dx", cast.program.pk, dup.pk, "merge"]))
    client.post(_restore_url(cast, dup))
    dup.refresh_from_db()
    assert (dup.status, dup.duplicate_of_id) == (Status.DUPLICATE, original.pk)


def test_withdraw_and_restore_are_audited_with_the_coordinator(cast, login):
    app = _app(cast, "水戸建設")
    client = login(cast.coordinator)
    client.post(_withdraw_url(cast, app))
    client.post(_restore_url(cast, app))
    rows = list(app.history.order_by("-history_date", "-history_id")[:2])
    assert [(r.status, r.history_user_id) for r in reversed(rows)] == [
        (Status.WITHDRAWN, cast.coordinator.pk),
        (Status.RECEIVED, cast.coordinator.pk),
    ]


def test_restore_refuses_an_application_that_is_not_withdrawn(cast, login):
    app = _app(cast, "水戸建設")
    response = login(cast.coordinator).post(_restore_url(cast, app), follow=True)
    assert "この操作はできません" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.RECEIVED


def test_who_may_withdraw_and_restore(cast, login):
    app = _app(cast, "水戸建設")
    services.application_withdraw(application=app, actor=cast.coordinator)
    for user in (cast.itc, cast.bank_user, cast.company_user):
        client = login(user)
        assert client.post(_restore_url(cast, app)).status_code == 403
        assert client.get(_withdraw_url(cast, app)).status_code == 403
    nagano = make_user("regional-nagano@example.com")
    add_member(cast.consortium, nagano, Membership.Role.REGIONAL_COORDINATOR, region=cast.nagano)
    give_totp(nagano)
    assert login(nagano).post(_restore_url(cast, app)).status_code == 404
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN
    ibaraki = make_user("regional-ibaraki@example.com")
    add_member(cast.consortium, ibaraki, Membership.Role.REGIONAL_COORDINATOR, region=cast.ibaraki)
    give_totp(ibaraki)
    assert login(ibaraki).post(_restore_url(cast, app)).status_code == 302
    app.refresh_from_db()
    assert app.status == Status.RECEIVED
