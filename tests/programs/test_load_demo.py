"""manage.py load_demo: the FY2022 demo, idempotent."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_scopes import scopes_disabled

from programs.models import Company, Consortium, Membership

pytestmark = pytest.mark.django_db

EMAILS = {
    "coordinator@example.jp": "coordinator",
    "itc-ibaraki@example.jp": "itc",
    "itc-nagano@example.jp": "itc",
    "bank-joyo@example.jp": "bank_staff",
    "bank-82@example.jp": "bank_staff",
    "association@example.jp": "association_staff",
    "vendor@example.jp": "vendor",
    "company-a@example.jp": "company_member",
    "company-b@example.jp": "company_member",
    "company-c@example.jp": "company_member",
    "company-d@example.jp": "company_member",
    "company-e@example.jp": "company_member",
}


def row_counts() -> dict[str, int]:
    with scopes_disabled():
        return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


def test_load_demo_is_idempotent_and_creates_users(client):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    first = row_counts()
    call_command("load_demo", stdout=open("/dev/null", "w"))
    # Every model, history tables included: a second run writes nothing.
    assert row_counts() == first
    consortium = Consortium.objects.get(slug="ibaraki-nagano")
    for email, role in EMAILS.items():
        user = get_user_model().objects.get(email=email)
        assert user.check_password("dx-demo-2022")
        assert user.emailaddress_set.filter(email=email, verified=True, primary=True).exists()
        assert Membership.objects.get(consortium=consortium, user=user).role == role
    stages = dict(Company.objects.filter(consortium=consortium).values_list("name", "stage"))
    assert stages == {
        "かすみ精密工業株式会社": "plan_completed",
        "那珂川建設株式会社": "accompaniment",
        "安曇野フードテック株式会社": "diagnosed",
        "千曲トレーディング株式会社": "matching",
        "筑波フロンティア株式会社": "registered",
    }
    company_a = Company.objects.get(name="かすみ精密工業株式会社")
    assert company_a.track.sessions.filter(status="held").count() == 10
    assert company_a.dx_plan.completeness == 100
    assert company_a.diagnoses.get().answers.count() == 35
    # Logging in through allauth with the demo password works and lands on the dashboard.
    response = client.post(
        "/accounts/login/", {"login": "bank-joyo@example.jp", "password": "dx-demo-2022"}, follow=True
    )
    body = response.content.decode()
    assert "那珂川建設株式会社" in body
    assert "千曲トレーディング株式会社" not in body
