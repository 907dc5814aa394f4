"""State shared by every process: rate limits in the shared cache, the client IP behind our proxies, wrong
TOTP codes counted per user, https links behind the TLS proxy."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from dxcommunity.http import client_ip
from dxcommunity.tenancy.models import Membership
from programs.recruitment import services as recruitment
from tests.conftest import PASSWORD, give_totp

pytestmark = pytest.mark.django_db

OFFICE = "203.0.113.7"  # one office behind one address
PROXY = "10.0.0.2"  # our reverse proxy, as gunicorn sees it


# --------------------------------------------------------------------------------------------------- cache


def test_without_redis_the_cache_is_the_database_table_that_migrate_created(settings):
    assert settings.CACHE_TABLE in connection.introspection.table_names()
    assert isinstance(caches["default"], DatabaseCache)


def test_a_rate_limit_count_is_seen_by_another_process(settings):
    """Another process = another cache object on the same store (LocMemCache, the old default, is not)."""
    from django.core.cache import CacheHandler

    for _ in range(3):
        recruitment.rate_limit_exceeded(key="shared-test", limit=3, window=60)
    other_process = CacheHandler(settings.CACHES)["default"]
    assert other_process.get("ratelimit:shared-test") == 3


# ---------------------------------------------------------------------------------------------- client IP


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_x_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(REMOTE_ADDR=OFFICE, HTTP_X_FORWARDED_FOR="198.51.100.1")) == OFFICE


def test_with_one_trusted_proxy_the_last_forwarded_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    forged_then_real = f"198.51.100.1, {OFFICE}"
    assert client_ip(_request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged_then_real)) == OFFICE
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged_then_real)) == "198.51.100.1"


def test_a_short_or_garbled_header_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OFFICE)) == PROXY
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-ip")) == PROXY


def _wrong_logins(client, email, n, **meta):
    for _ in range(n):
        client.post(reverse("account_login"), {"login": email, "password": "wrong"}, **meta)


def test_login_ip_limit_counts_the_client_behind_the_proxy(cast, client, settings):
    """Behind one proxy, a forged X-Forwarded-For entry does not give a fresh per-IP count."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    for i in range(3):
        _wrong_logins(
            client, cast.itc.email, 1, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, {OFFICE}"
        )
    refused = client.post(
        reverse("account_login"),
        {"login": cast.bank_user.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {OFFICE}",
    )
    assert "_auth_user_id" not in client.session and refused.status_code == 200
    # Another client behind the same proxy is not affected.
    other = client.post(
        reverse("account_login"),
        {"login": cast.bank_user.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert other.status_code == 302 and int(client.session["_auth_user_id"]) == cast.bank_user.pk


def test_public_form_limit_is_per_client_behind_the_proxy(cast, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    limit, window = recruitment.PUBLIC_FORM_RATE
    request = _request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OFFICE)
    for _ in range(limit):
        assert not recruitment.rate_limit_exceeded(
            key=f"public_apply:{client_ip(request)}", limit=limit, window=window
        )
    assert recruitment.rate_limit_exceeded(
        key=f"public_apply:{client_ip(request)}", limit=limit, window=window
    )
    other = _request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert not recruitment.rate_limit_exceeded(
        key=f"public_apply:{client_ip(other)}", limit=limit, window=window
    )


# ------------------------------------------------------------------------------------ TOTP codes per user


def _password_step(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, REMOTE_ADDR=OFFICE
    )
    assert response["Location"] == reverse("mfa_authenticate")


def test_one_users_wrong_codes_do_not_lock_out_a_colleague_at_the_same_address(cast):
    """Twelve wrong codes from the office: that user is refused, a colleague at the same IP logs in."""
    typo_user, colleague = cast.coordinator, cast.itc
    give_totp(colleague)
    first = Client()
    _password_step(first, typo_user)
    for _ in range(12):
        first.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR=OFFICE)

    second = Client()
    _password_step(second, colleague)
    from tests.accounts.test_security import _code

    done = second.post(reverse("mfa_authenticate"), {"code": _code()}, REMOTE_ADDR=OFFICE)
    assert done.status_code == 302 and int(second.session["_auth_user_id"]) == colleague.pk


def test_wrong_codes_are_still_limited_per_user(cast):
    from tests.accounts.test_security import _code

    client = Client()
    _password_step(client, cast.coordinator)
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"}, REMOTE_ADDR=OFFICE)
    refused = client.post(reverse("mfa_authenticate"), {"code": _code()}, REMOTE_ADDR="198.51.100.30")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session


# ------------------------------------------------------------------------------------ https behind the proxy


def test_password_reset_link_is_https_behind_the_tls_proxy(cast, client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
    EmailAddress.objects.filter(user=cast.itc).update(verified=True)
    client.post(reverse("account_reset_password"), {"email": cast.itc.email}, HTTP_X_FORWARDED_PROTO="https")
    links = re.findall(r"https?://\S+", mail.outbox[-1].body)
    assert links and all(link.startswith("https://") for link in links), links


def test_invitation_link_is_https_behind_the_tls_proxy(cast, login, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = login(cast.coordinator)
    response = client.post(
        reverse("members:index", kwargs={"consortium_slug": "dx"}),
        {"email": "new-vendor@example.com", "role": Membership.Role.VENDOR, "organization": cast.vendor.pk},
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_HOST="testserver",  # as the proxy forwards it
    )
    assert response.status_code == 302
    assert mail.outbox[-1].body.count("https://testserver/invitations/") == 1
