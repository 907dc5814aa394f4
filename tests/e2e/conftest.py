"""End-to-end fixtures: Playwright driving the system's headless Chromium against pytest-django's live server.

Fixtures:
    browser   session-scoped Chromium (/usr/bin/chromium, headless)
    page      a fresh browser context per test (locale ja-JP, 1280×900), closed afterwards
Helpers:
    login_as(page, live_server, email, password, totp_secret=None)   logs in through the real allauth
        login form (and its TOTP step when the account has an authenticator)
    totp_code(secret)   the current TOTP code of a base32 secret

A test that uses ``live_server`` gets a transactional database (pytest-django), so rows created by
fixtures such as ``cast`` are committed and visible to the server thread.

Chromium missing: with ``CI`` set the tests fail with the reason (a CI run must not pass silently without
its browser tests); locally they are skipped with the reason and the install command.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in this thread; Django's ORM then refuses to run in it
# ("You cannot call this from an async context") although every call here is synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/e2e/ is an e2e test (``-m "not e2e"`` deselects them)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"end-to-end tests need {reason} (CI is set, so this is an error, not a skip)")
    pytest.skip(f"{reason}; install it with: make test (as root) or apt-get install chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium for the whole test session."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Chromium at {CHROMIUM}, which is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package, which is not installed (pip install -e '.[dev]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        _unavailable(f"a Chromium that starts ({shutil.which('chromium') or CHROMIUM}: {exc})")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A page in a new browser context (Japanese locale, desktop viewport); closed after the test."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def totp_code(secret: str) -> str:
    """The current 6-digit TOTP code for a base32 ``secret`` (allauth.mfa's own algorithm and settings)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def login_as(page, live_server, email: str, password: str, *, totp_secret: str | None = None) -> None:
    """Log in through allauth's login page (fields ``login`` and ``password``) and wait to leave it.

    When allauth asks for the second factor (``/accounts/2fa/authenticate/``, field ``code``), the current
    code for ``totp_secret`` is entered. Raises AssertionError with the page's error text when the login
    is refused, or when a code is asked for and no ``totp_secret`` was given.
    """
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit]").first.click()
    if "/accounts/login/" in page.url:
        raise AssertionError(f"login as {email} failed: {_errors(page) or page.url}")
    if "/accounts/2fa/authenticate/" in page.url:
        if totp_secret is None:
            raise AssertionError(f"login as {email} asks for a TOTP code; pass totp_secret")
        form = page.locator("form").filter(has=page.locator("input[name=code]"))
        form.locator("input[name=code]").fill(totp_code(totp_secret))
        with page.expect_navigation():
            form.locator("button[type=submit]").first.click()
        if "/accounts/2fa/authenticate/" in page.url:
            raise AssertionError(f"TOTP code for {email} refused: {_errors(page) or page.url}")


def _errors(page) -> str:
    return " / ".join(page.locator(".errorlist, .alert, [role=alert]").all_inner_texts())
