"""The tenant guard: django-scopes on every tenant model, and ConsortiumMiddleware on every tenant URL.

These tests run with ``no_scope_disable`` so that the autouse ``scopes_disabled`` of tests/conftest.py
is off and the guard is live, as it is in a request, a task or a management command.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from dxcommunity.tenancy.middleware import ConsortiumMiddleware
from dxcommunity.tenancy.models import Company, Membership, Region

pytestmark = pytest.mark.no_scope_disable


@pytest.fixture
def tenants(request):
    """The shared ``cast``, built with scopes disabled (its setup queries scoped models)."""
    with scopes_disabled():
        return request.getfixturevalue("cast")


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(lambda: Company.objects.filter(name="テスト精密工業株式会社"), id="filter"),
        pytest.param(lambda: Company.objects.all(), id="all"),
        pytest.param(lambda: Company.objects.get(name="テスト精密工業株式会社"), id="get"),
        pytest.param(lambda: Company.objects.count(), id="count"),
        pytest.param(lambda: list(Company.objects.order_by("name")), id="order_by"),
        # django-scopes lets these through by itself; close_exists_gap() closes them at startup.
        pytest.param(lambda: Company.objects.exists(), id="exists"),
        pytest.param(lambda: Company.objects.exclude(name=""), id="exclude"),
        pytest.param(lambda: Company.objects.in_bulk(), id="in_bulk"),
        pytest.param(lambda: Company.objects.distinct(), id="distinct"),
        pytest.param(lambda: Company.objects.select_related("region"), id="select_related"),
        pytest.param(lambda: Company.objects.using("default").exists(), id="using-exists"),
    ],
)
def test_outside_a_scope_tenant_queries_raise(tenants, query):
    with pytest.raises(ScopeError):
        query()


def test_outside_a_scope_related_managers_raise_too(tenants):
    with pytest.raises(ScopeError):
        tenants.ibaraki.companies.count()
    with pytest.raises(ScopeError):
        tenants.ibaraki.companies.exists()


def test_inside_a_scope_only_that_consortiums_rows_are_returned(tenants):
    with scope(consortium=tenants.consortium):
        names = set(Company.objects.values_list("name", flat=True))
        assert names == {"テスト精密工業株式会社", "信州テスト建設株式会社"}
        assert not Company.objects.filter(pk=tenants.stranger_company.pk).exists()
        assert Company.objects.exclude(pk=tenants.company.pk).count() == 1
        assert set(Region.objects.values_list("key", flat=True)) == {"ibaraki", "nagano"}

    with scope(consortium=tenants.other):
        assert list(Company.objects.values_list("name", flat=True)) == ["他地域商事株式会社"]
        assert Company.objects.filter(pk=tenants.company.pk).exists() is False


def test_the_scope_ends_with_its_block(tenants):
    with scope(consortium=tenants.consortium):
        assert Company.objects.count() == 2
    with pytest.raises(ScopeError):
        Company.objects.count()


def _call_middleware(*, path, user):
    """Run ConsortiumMiddleware on ``path``; the inner view records what the scope lets it see."""
    seen = {}

    def view(request):
        seen["consortium"] = request.consortium
        seen["membership"] = request.membership
        seen["companies"] = set(Company.objects.values_list("name", flat=True))
        return HttpResponse("ok")

    request = RequestFactory().get(path)
    request.user = user
    request.session = SessionStore()
    response = ConsortiumMiddleware(view)(request)
    return response, seen, request


def test_middleware_activates_the_tenant_scope_for_a_member(tenants):
    response, seen, request = _call_middleware(path="/c/dx/companies/", user=tenants.coordinator)

    assert response.status_code == 200
    assert seen["consortium"] == tenants.consortium
    assert seen["membership"].role == Membership.Role.COORDINATOR
    assert seen["companies"] == {"テスト精密工業株式会社", "信州テスト建設株式会社"}
    assert request.session["last_consortium"] == "dx"
    # The scope does not outlive the request.
    with pytest.raises(ScopeError):
        Company.objects.count()


def test_middleware_gives_404_to_a_user_of_another_consortium(tenants, client):
    client.force_login(tenants.stranger_coordinator)

    for path in ("/c/dx/", "/c/dx/companies/", f"/c/dx/companies/{tenants.company.pk}/"):
        assert client.get(path).status_code == 404, path


def test_middleware_gives_404_for_an_unknown_consortium(tenants, client):
    client.force_login(tenants.coordinator)

    assert client.get("/c/no-such-consortium/").status_code == 404


def test_middleware_gives_404_after_the_membership_is_deactivated(tenants, client):
    with scopes_disabled():
        Membership.objects.filter(user=tenants.itc).update(is_active=False)
    client.force_login(tenants.itc)

    assert client.get("/c/dx/companies/").status_code == 404


def test_middleware_sends_anonymous_users_to_login(tenants, client):
    response = client.get("/c/dx/companies/?q=1")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/c/dx/companies/%3Fq%3D1"


def test_stranger_cannot_reach_our_company_through_their_own_tenant(tenants, client):
    client.force_login(tenants.stranger_coordinator)

    response = client.get(f"/c/other/companies/{tenants.company.pk}/")

    assert response.status_code == 404
