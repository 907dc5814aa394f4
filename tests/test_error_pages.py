"""Error pages in production mode (DEBUG off): our own 404/403 in the site layout, no technical page."""

from __future__ import annotations


def test_not_visible_company_is_our_404_page(cast, login, settings):
    settings.DEBUG = False
    response = login(cast.other_bank_user).get(f"/c/{cast.consortium.slug}/companies/{cast.company.pk}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "ページが見つかりません" in body
    assert "URLconf" not in body  # not Django's technical 404


def test_forbidden_change_is_our_403_page(cast, login, settings):
    settings.DEBUG = False
    # The company's bank sees the plan but may not edit it.
    from tests.accompaniment.factories import enroll

    enroll(cast)
    response = login(cast.bank_user).get(
        f"/c/{cast.consortium.slug}/accompaniment/companies/{cast.company.pk}/plan/edit/"
    )
    assert response.status_code == 403
    assert "この操作は許可されていません" in response.content.decode()
