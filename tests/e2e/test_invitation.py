"""Accounts in Chromium: the coordinator invites a company's 担当者 on the members page;
the link from the email creates the account and joins the consortium; the same link again is refused."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from dxcommunity.tenancy.models import Membership
from tests.conftest import PASSWORD, TOTP_SECRET
from tests.e2e.conftest import login_as

pytestmark = pytest.mark.e2e


def test_invite_then_join_through_the_link(cast, live_server, page, settings):
    from playwright.sync_api import expect

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    login_as(page, live_server, cast.coordinator.email, PASSWORD, totp_secret=TOTP_SECRET)
    page.goto(f"{live_server.url}/c/dx/members/")
    form = page.locator("#invite-form")
    form.locator("input[name=email]").fill("tantou@example.com")
    form.locator("select[name=role]").select_option("company_member")
    form.locator("select[name=company]").select_option(label=cast.company.name)
    page.get_by_role("button", name="招待する").click()
    expect(page.locator("#pending-invitations")).to_contain_text("tantou@example.com")
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)

    page.context.clear_cookies()
    page.goto(link)
    page.fill("input[name=last_name]", "精密")
    page.fill("input[name=first_name]", "花子")
    page.fill("input[name=password1]", "kaizen-2022-ok")
    page.fill("input[name=password2]", "kaizen-2022-ok")
    page.get_by_role("button", name="登録して参加する").click()
    expect(page.locator(".messages")).to_contain_text("参加しました")
    assert page.url == f"{live_server.url}/c/dx/"
    assert Membership.objects.get(user__email="tantou@example.com").company == cast.company

    page.context.clear_cookies()
    page.goto(link)
    expect(page.locator("#refusal")).to_contain_text("既に使用されています")
