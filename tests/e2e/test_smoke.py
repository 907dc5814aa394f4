"""Smoke test in a real browser: log in through the login page and land on the consortium's dashboard."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import login_as

pytestmark = pytest.mark.e2e


def test_coordinator_logs_in_and_sees_the_dashboard(cast, live_server, page, tmp_path):
    from playwright.sync_api import expect

    login_as(page, live_server, cast.coordinator.email, PASSWORD)

    # home redirects a member of one consortium to its dashboard (programs:dashboard).
    assert page.url == f"{live_server.url}/c/{cast.consortium.slug}/"
    expect(page.locator("header .tenant")).to_have_text(cast.consortium.name)
    assert page.title().endswith(f"| {cast.consortium.name} | dxcommunity")
    screenshot = tmp_path / "dashboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000


def test_wrong_password_stays_on_the_login_page(cast, live_server, page):
    with pytest.raises(AssertionError, match="login as coordinator@example.com failed"):
        login_as(page, live_server, cast.coordinator.email, "not-the-password")

    assert "/accounts/login/" in page.url
    page.goto(f"{live_server.url}/c/{cast.consortium.slug}/")
    assert "/accounts/login/" in page.url
