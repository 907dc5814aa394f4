"""Smoke test in a real browser: log in through the login page and land on the consortium's dashboard."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from tests.conftest import PASSWORD
from tests.e2e.conftest import login_as

pytestmark = pytest.mark.e2e

SMOKE_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32, this test's authenticator


@pytest.fixture
def coordinator(cast):
    """cast.coordinator with an authenticator app (TOTP) of a known secret: coordinators need one."""
    Authenticator.objects.filter(user=cast.coordinator, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(cast.coordinator, SMOKE_TOTP_SECRET)
    return cast.coordinator


def test_coordinator_logs_in_and_sees_the_dashboard(cast, coordinator, live_server, page, tmp_path):
    from playwright.sync_api import expect

    login_as(page, live_server, coordinator.email, PASSWORD, totp_secret=SMOKE_TOTP_SECRET)

    # home redirects a member of one consortium to its dashboard (programs:dashboard).
    assert page.url == f"{live_server.url}/c/{cast.consortium.slug}/"
    expect(page.locator("header .tenant")).to_have_text(cast.consortium.name)
    assert page.title().endswith(f"| {cast.consortium.name} | dxcommunity")
    screenshot = tmp_path / "dashboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000


def test_wrong_password_stays_on_the_login_page(cast, coordinator, live_server, page):
    with pytest.raises(AssertionError, match="login as coordinator@example.com failed"):
        login_as(page, live_server, coordinator.email, "not-the-password", totp_secret=SMOKE_TOTP_SECRET)

    assert "/accounts/login/" in page.url
    page.goto(f"{live_server.url}/c/{cast.consortium.slug}/")
    assert "/accounts/login/" in page.url


def test_wrong_totp_code_does_not_log_in(cast, coordinator, live_server, page):
    with pytest.raises(AssertionError, match="TOTP code for coordinator@example.com refused"):
        login_as(
            page, live_server, coordinator.email, PASSWORD, totp_secret="MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
        )

    page.goto(f"{live_server.url}/c/{cast.consortium.slug}/")
    assert "/c/" not in page.url
