"""Stage-level viewers on the full pages: the region's ITC without an assignment, the recommending
association and an addressed vendor see the company page's header and stage only and get 404 on its
diagnosis, track, session log, plan and PDFs. Assigning the ITC as DX診断アドバイザー opens them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from diagnosis.models import AdvisorSession
from dxcommunity.tenancy.models import Membership
from tests.conftest import add_member, make_user

pytestmark = pytest.mark.django_db


def full_pages(o):
    return [
        reverse("diagnosis:result", args=["dx", o.diagnosis.pk]),
        reverse("diagnosis:advice", args=["dx", o.diagnosis.pk]),
        reverse("accompaniment:track", args=["dx", o.company.pk]),
        reverse("accompaniment:session_log", args=["dx", o.session.pk]),
        reverse("plan:detail", args=["dx", o.company.pk]),
        reverse("documents:download", args=["dx", o.plan_pdf.pk]),
        reverse("documents:status", args=["dx", o.report_pdf.pk]),
    ]


@pytest.fixture
def itc2(world):
    """A second ITC of 茨城, not assigned to cast.company (its track leader is cast.itc)."""
    user = make_user("itc2@example.com", "常総 二郎")
    add_member(world.consortium, user, Membership.Role.ITC, organization=world.itc_org, region=world.ibaraki)
    return user


@pytest.mark.parametrize("who", ["itc2", "association_user", "vendor_user"])
def test_stage_level_viewers_see_the_header_and_get_404_on_the_full_pages(world, itc2, login, who):
    user = itc2 if who == "itc2" else getattr(world, who)
    client = login(user)
    page = client.get(reverse("companies:detail", args=["dx", world.company.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert world.company.name in html and "ステージ" in html
    assert 'id="diagnosis-panel"' not in html and "常陽銀行" not in html  # no panels, no main bank
    for url in full_pages(world.own):
        assert client.get(url).status_code == 404, url


def test_assigning_the_advisor_opens_the_full_pages_and_lets_it_advise(world, itc2, login):
    coordinator = login(world.coordinator)
    response = coordinator.post(
        reverse("diagnosis:result", args=["dx", world.own.diagnosis.pk]), {"advisor": itc2.pk}
    )
    assert response.status_code == 302
    client = login(itc2)
    for url in full_pages(world.own):
        assert client.get(url).status_code == 200, url
    response = client.post(
        reverse("diagnosis:advice", args=["dx", world.own.diagnosis.pk]),
        {
            "held_on": "2022-08-10",
            "mode": "online",
            "advice": "まずは日報から",
            # The advice form's version as loaded now (0 while no advice is recorded).
            "version": str(
                getattr(AdvisorSession.objects.filter(diagnosis=world.own.diagnosis).first(), "version", 0)
            ),
        },
    )
    assert response.status_code == 302
    assert AdvisorSession.objects.get(diagnosis=world.own.diagnosis).advisor == itc2
    # The track leader who is not the advisor may not record the advice (visible, not allowed → 403).
    assert (
        login(world.itc).get(reverse("diagnosis:advice", args=["dx", world.own.diagnosis.pk])).status_code
        == 403
    )


def test_assign_refuses_a_non_itc_and_another_tenants_itc(world, login):
    stranger_itc = make_user("stranger-itc@example.com", "他所 ITC")
    add_member(world.other, stranger_itc, Membership.Role.ITC)
    url = reverse("diagnosis:result", args=["dx", world.own.diagnosis.pk])
    client = login(world.coordinator)
    for bad in (stranger_itc.pk, world.bank_user.pk, 999999):
        response = client.post(url, {"advisor": bad})
        assert response.status_code == 200
        assert response.context["assign_form"].errors["advisor"]
    world.own.diagnosis.refresh_from_db()
    assert world.own.diagnosis.advisor_id is None


@pytest.mark.parametrize("who", ["itc", "company_user"])
def test_only_coordinators_assign(world, login, who):
    url = reverse("diagnosis:result", args=["dx", world.own.diagnosis.pk])
    assert login(getattr(world, who)).post(url, {"advisor": world.itc.pk}).status_code == 403
    html = login(getattr(world, who)).get(url).content.decode()
    assert "アドバイザーを割り当て" not in html


def test_assign_button_on_the_result_page(world, login):
    html = (
        login(world.coordinator).get(reverse("diagnosis:result", args=["dx", world.own.diagnosis.pk])).content
    )
    html = html.decode()
    assert 'name="advisor"' in html and "アドバイザーを割り当て" in html and "伴走 一郎" in html
