"""「無効にする」 asks once and can be undone: GET shows what happens, POST deactivates, 「有効に戻す」
re-activates; both changes are in the membership's history with the acting user; who may undo."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dxcommunity.tenancy.models import Membership
from tests.conftest import add_member, give_totp, make_user

pytestmark = pytest.mark.django_db
Role = Membership.Role


def _url(name, membership):
    return reverse(f"members:{name}", kwargs={"consortium_slug": "dx", "pk": membership.pk})


def _itc_membership(cast):
    return Membership.objects.get(consortium=cast.consortium, user=cast.itc)


def test_the_members_page_links_to_a_confirmation_instead_of_posting(cast, login):
    target = _itc_membership(cast)
    html = login(cast.coordinator).get(reverse("members:index", args=["dx"])).content.decode()
    assert f'href="{_url("deactivate", target)}"' in html
    assert not re.search(r'<form[^>]+action="[^"]*/deactivate/"', html)


def test_get_asks_and_changes_nothing_post_deactivates(cast, login):
    client = login(cast.coordinator)
    target = _itc_membership(cast)
    page = client.get(_url("deactivate", target))
    html = page.content.decode()
    assert page.status_code == 200
    assert "開けなくなります" in html and "有効に戻す" in html and cast.itc.email in html
    assert 'method="post"' in html
    target.refresh_from_db()
    assert target.is_active
    response = client.post(_url("deactivate", target))
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    # No active membership any more: the consortium is "missing" for the user.
    assert login(cast.itc).get(reverse("companies:home", args=["dx"])).status_code == 404


def test_reactivate_gives_the_same_access_back_and_both_are_audited(cast, login):
    client = login(cast.coordinator)
    target = _itc_membership(cast)
    client.post(_url("deactivate", target))
    page = client.get(reverse("members:index", args=["dx"])).content.decode()
    assert _url("reactivate", target) in page and "有効に戻す" in page
    assert client.post(_url("reactivate", target)).status_code == 302
    target.refresh_from_db()
    assert target.is_active and target.role == Role.ITC and target.organization == cast.itc_org
    assert login(cast.itc).get(reverse("companies:home", args=["dx"])).status_code == 200
    history = list(target.history.order_by("history_date", "history_id"))
    changes = [(h.is_active, h.history_user_id, h.history_type) for h in history[-2:]]
    assert changes == [(False, cast.coordinator.pk, "~"), (True, cast.coordinator.pk, "~")]


def test_who_may_undo(cast, login):
    target = _itc_membership(cast)
    target.is_active = False
    target.save()
    # Members other than coordinators: the page does not exist for them (404), nothing changes.
    for user in (cast.bank_user, cast.company_user, cast.vendor_user):
        assert login(user).post(_url("reactivate", target)).status_code == 404
    # A regional coordinator of another region does not see the 茨城 ITC.
    nagano = make_user("regional-nagano@example.com")
    add_member(cast.consortium, nagano, Role.REGIONAL_COORDINATOR, region=cast.nagano)
    give_totp(nagano)
    assert login(nagano).post(_url("reactivate", target)).status_code == 404
    target.refresh_from_db()
    assert not target.is_active
    # The regional coordinator of 茨城 may.
    ibaraki = make_user("regional-ibaraki@example.com")
    add_member(cast.consortium, ibaraki, Role.REGIONAL_COORDINATOR, region=cast.ibaraki)
    give_totp(ibaraki)
    assert login(ibaraki).post(_url("reactivate", target)).status_code == 302
    target.refresh_from_db()
    assert target.is_active


def test_nobody_is_asked_to_deactivate_themselves(cast, login):
    own = Membership.objects.get(consortium=cast.consortium, user=cast.coordinator)
    client = login(cast.coordinator)
    assert client.get(_url("deactivate", own)).status_code == 403
    assert client.post(_url("deactivate", own)).status_code == 403
    own.refresh_from_db()
    assert own.is_active


def test_a_company_executive_may_not_deactivate_a_colleague(cast, login):
    colleague = make_user("colleague@example.com")
    membership = add_member(cast.consortium, colleague, Role.COMPANY_MEMBER, company=cast.company)
    client = login(cast.company_user)
    assert client.get(_url("deactivate", membership)).status_code == 403
    assert client.post(_url("deactivate", membership)).status_code == 403
    membership.refresh_from_db()
    assert membership.is_active
