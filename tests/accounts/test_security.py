"""Accounts security: TOTP required for coordinators and the admin, admin changes audited, login rate
limit, session expiry, email verification and password reset."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import translation

from dxcommunity.tenancy.models import MemberOrganization, Membership
from tests.conftest import PASSWORD, TOTP_SECRET, add_member, give_totp, make_user

pytestmark = pytest.mark.django_db
Role = Membership.Role
User = get_user_model()


def _dashboard(slug="dx"):
    return reverse("companies:home", kwargs={"consortium_slug": slug})


def _code(secret=TOTP_SECRET, offset=0):
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD + offset))


# ------------------------------------------------------------------------------------------------- MFA


def test_coordinator_without_totp_is_sent_to_the_activation_page(cast, login):
    Authenticator.objects.filter(user=cast.coordinator).delete()
    client = login(cast.coordinator)
    for url in (_dashboard(), reverse("members:index", kwargs={"consortium_slug": "dx"})):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"), follow=True)
    assert page.status_code == 200
    assert "二要素認証" in page.content.decode()


def test_regional_coordinator_needs_totp_too_and_others_do_not(cast, login):
    regional = make_user("regional@example.com")
    add_member(cast.consortium, regional, Role.REGIONAL_COORDINATOR, region=cast.ibaraki)
    assert login(regional).get(_dashboard()).status_code == 302
    give_totp(regional)
    assert login(regional).get(_dashboard()).status_code == 200
    for user in (cast.itc, cast.bank_user, cast.company_user):
        assert login(user).get(_dashboard()).status_code == 200


def test_coordinator_login_asks_for_the_totp_code(cast, client):
    response = client.post(reverse("account_login"), {"login": cast.coordinator.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not logged in before the second factor
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    done = client.post(reverse("mfa_authenticate"), {"code": _code()})
    assert done.status_code == 302
    assert int(client.session["_auth_user_id"]) == cast.coordinator.pk
    assert client.get(_dashboard()).status_code == 200


def test_coordinator_activates_totp_through_allauth(cast, client):
    """First login of a coordinator without TOTP: password, then the activation page, then the app."""
    Authenticator.objects.filter(user=cast.coordinator).delete()
    client.post(reverse("account_login"), {"login": cast.coordinator.email, "password": PASSWORD})
    assert client.get(_dashboard())["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password once more before an authenticator is added.
    reauth = client.get(reverse("mfa_activate_totp"))
    assert reauth["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reauth["Location"], {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=cast.coordinator, type=Authenticator.Type.TOTP).exists()
    assert client.get(_dashboard()).status_code == 200


def test_mfa_is_offered_to_everyone(cast, login):
    page = login(cast.bank_user).get(reverse("mfa_index"))
    assert page.status_code == 200


# ----------------------------------------------------------------------------------------------- admin


def _staff(email="admin@example.com", *, superuser=True, totp=True):
    user = make_user(email)
    user.is_staff = True
    user.is_superuser = superuser
    user.save()
    if totp:
        give_totp(user)
    return user


def test_admin_anonymous_goes_to_the_allauth_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"].startswith(reverse("account_login") + "?next=")


def test_admin_refuses_non_staff(cast, client):
    client.force_login(cast.coordinator)  # a coordinator with TOTP, but not staff
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403
    assert client.get(reverse("admin:dxcommunity_consortium_changelist")).status_code in (302, 403)
    assert client.get(reverse("admin:dxcommunity_consortium_changelist"), follow=True).status_code == 403


def test_admin_sends_staff_without_totp_to_the_activation_page(client):
    client.force_login(_staff(totp=False))
    response = client.get(reverse("admin:index"), follow=True)
    assert (reverse("mfa_activate_totp"), 302) in response.redirect_chain


def test_admin_login_form_is_not_the_django_one(client):
    _staff()
    response = client.post(reverse("admin:login"), {"username": "admin@example.com", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302


def test_admin_change_is_audited_with_the_admin_user(cast, client):
    admin_user = _staff()
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    org = cast.bank
    response = client.post(
        reverse("admin:dxcommunity_memberorganization_change", args=[org.pk]),
        {
            "consortium": cast.consortium.pk,
            "name": "常陽銀行（本店）",
            "kind": MemberOrganization.Kind.BANK,
            "region": cast.ibaraki.pk,
            "role_description": "メインバンク",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org.refresh_from_db()
    assert org.name == "常陽銀行（本店）"
    latest = org.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == admin_user
    assert latest.name == "常陽銀行（本店）"


# ------------------------------------------------------------------------------------- login and session


def test_login_rate_limit_refuses_even_the_right_password(cast, client):
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": cast.itc.email, "password": "wrong-password"})
        assert response.status_code == 200
    response = client.post(url, {"login": cast.itc.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    with translation.override("ja"):
        message = translation.gettext("Too many failed login attempts. Try again later.")
    assert message in response.content.decode()


def test_login_sets_a_session_that_expires(cast, client, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    response = client.post(reverse("account_login"), {"login": cast.itc.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 8 * 60 * 60
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie


def test_expired_session_is_logged_out(cast, client):
    client.post(reverse("account_login"), {"login": cast.itc.email, "password": PASSWORD})
    assert client.get(_dashboard()).status_code == 200
    session = client.session
    session.set_expiry(-1)  # as if 8 h had passed
    session.save()
    response = client.get(_dashboard())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unverified_email_cannot_log_in(cast, client):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=cast.itc).update(verified=False)
    response = client.post(reverse("account_login"), {"login": cast.itc.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")


def test_password_reset_mails_a_link_that_sets_a_new_password(cast, client):
    response = client.post(reverse("account_reset_password"), {"email": cast.itc.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [cast.itc.email]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(form_url, {"password1": "new-kaizen-2022", "password2": "new-kaizen-2022"})
    assert done.status_code == 302
    cast.itc.refresh_from_db()
    assert cast.itc.check_password("new-kaizen-2022")
    # The link cannot be used twice.
    again = client.post(form_url, {"password1": "other-kaizen-2022", "password2": "other-kaizen-2022"})
    cast.itc.refresh_from_db()
    assert cast.itc.check_password("new-kaizen-2022")
    assert again.status_code in (200, 302)
