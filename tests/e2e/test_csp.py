"""The Content-Security-Policy in a real browser: no page breaks it, and 取り下げる (once an inline onsubmit
confirm) asks on a confirmation page before it withdraws, with a way back."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from programs.models import CompanyApplication
from tests.conftest import PASSWORD
from tests.e2e.conftest import login_as
from tests.programs.test_permission_matrix_recruitment import open_program
from tests.programs.test_recruitment_views import form_data

pytestmark = pytest.mark.e2e

SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def test_pages_raise_no_csp_violation_and_withdraw_asks_first(cast, live_server, page, client):
    Authenticator.objects.filter(user=cast.coordinator, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(cast.coordinator, SECRET)
    open_program(cast.program)
    client.post(
        reverse("public:apply", kwargs={"tenant_slug": "dx", "program_pk": cast.program.pk}), form_data(cast)
    )
    application = CompanyApplication.objects.get()

    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    login_as(page, live_server, cast.coordinator.email, PASSWORD, totp_secret=SECRET)
    program = {"consortium_slug": "dx", "program_pk": cast.program.pk}
    for url in (
        reverse("companies:home", kwargs={"consortium_slug": "dx"}),
        reverse("audit:index", kwargs={"consortium_slug": "dx"}),
        reverse("recruitment:selection", kwargs=program),
        reverse("recruitment:application_list", kwargs=program),
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")

    page.get_by_role("link", name="取り下げる…").click()
    page.wait_for_load_state("networkidle")
    application.refresh_from_db()
    assert "取り下げ" in page.content()  # the confirmation page says what will happen
    assert application.status != CompanyApplication.Status.WITHDRAWN
    with page.expect_navigation():
        page.locator("main form button[type=submit]", has_text="取り下げる").click()
    application.refresh_from_db()
    assert application.status == CompanyApplication.Status.WITHDRAWN
    with page.expect_navigation():
        page.get_by_role("button", name="取下げを取り消す").click()  # the way back
    application.refresh_from_db()
    assert application.status != CompanyApplication.Status.WITHDRAWN
    assert violations == []
