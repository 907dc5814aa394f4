import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from diagnosis.models import IndexItem
from tests.conftest import give_totp
from tests.diagnosis.factories import submitted_diagnosis

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "x")
    give_totp(user)  # the admin requires TOTP (dxcommunity.accounts.admin_site)
    client.force_login(user)
    return client


def test_admin_pages_load(cast, admin_client_):
    diagnosis = submitted_diagnosis(cast)
    item = IndexItem.objects.get(code="4-2")
    for url in (
        reverse("admin:diagnosis_indexitem_changelist"),
        reverse("admin:diagnosis_indexitem_change", args=[item.pk]),
        reverse("admin:diagnosis_indexedition_changelist"),
        reverse("admin:diagnosis_maturitylevel_changelist"),
        reverse("admin:diagnosis_diagnosis_changelist"),
        reverse("admin:diagnosis_diagnosis_change", args=[diagnosis.pk]),
        reverse("admin:diagnosis_advisorsession_changelist"),
    ):
        assert admin_client_.get(url).status_code == 200, url


def test_coordinator_corrects_an_item_text_in_the_admin(cast, admin_client_):
    item = IndexItem.objects.get(code="4-2")
    response = admin_client_.post(
        reverse("admin:diagnosis_indexitem_change", args=[item.pk]),
        {
            "title": "KPI",
            "title_status": "verified",
            "question": "確認した設問文",
            "question_status": "verified",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.question, item.question_status) == ("確認した設問文", "verified")
