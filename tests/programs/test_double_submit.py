"""The same POST twice gives one row and no 500: a bank's comment on a company and the invitation
signup, sent one after the other (everywhere) and at the same moment from two clients (PostgreSQL)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from dxcommunity.idempotency import new_key
from programs import invitations
from programs.models import CompanyComment, Invitation, Membership
from tests.concurrency import logged_in_client, on_postgres, post_together

Role = Membership.Role
User = get_user_model()


def comment_url(cast):
    return reverse("consent:comment_add", args=["dx", cast.company.pk])


def test_bank_comment_posted_twice_in_a_row_is_one_comment(cast, client):
    client.force_login(cast.bank_user)
    data = {"body": "DX融資の相談あり", "idempotency_key": new_key()}
    first = client.post(comment_url(cast), data)
    second = client.post(comment_url(cast), data)
    page = reverse("programs:company_detail", args=["dx", cast.company.pk])
    assert (first.status_code, first.url) == (302, page)
    assert (second.status_code, second.url) == (302, page)
    assert CompanyComment.objects.filter(company=cast.company).count() == 1


def test_bank_comment_form_carries_a_key_and_two_forms_make_two_comments(cast, client):
    client.force_login(cast.bank_user)
    page = client.get(reverse("programs:company_detail", args=["dx", cast.company.pk])).content.decode()
    assert 'name="idempotency_key"' in page
    for _i in range(2):
        client.post(comment_url(cast), {"body": "DX融資の相談あり", "idempotency_key": new_key()})
    assert CompanyComment.objects.filter(company=cast.company).count() == 2


def test_a_key_sent_by_another_user_is_refused_without_a_500(cast, client):
    key = new_key()
    client.force_login(cast.bank_user)
    client.post(comment_url(cast), {"body": "DX融資の相談あり", "idempotency_key": key})
    colleague = Client()
    colleague.force_login(cast.coordinator)
    response = colleague.post(comment_url(cast), {"body": "別の人", "idempotency_key": key})
    assert response.status_code in (400, 403)
    assert list(CompanyComment.objects.values_list("body", flat=True)) == ["DX融資の相談あり"]


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_bank_comment_posted_twice_at_once_is_one_comment(cast):
    responses = post_together(
        logged_in_client(cast.bank_user),
        logged_in_client(cast.bank_user),
        url=comment_url(cast),
        data={"body": "DX融資の相談あり", "idempotency_key": new_key()},
    )
    assert [r.status_code for r in responses] == [302, 302]
    assert CompanyComment.objects.filter(company=cast.company).count() == 1


# --- invitation signup --------------------------------------------------------------------------------

SIGNUP = {
    "last_name": "精密",
    "first_name": "花子",
    "password1": "kaizen-2022-ok",
    "password2": "kaizen-2022-ok",
}


def invite(cast):
    _invitation, token = invitations.invitation_create(
        consortium=cast.consortium,
        inviter=cast.coordinator,
        email="tantou@example.com",
        role=Role.COMPANY_MEMBER,
        company=cast.company,
    )
    return reverse("invitation_accept", kwargs={"token": token})


def assert_one_account():
    user = User.objects.get(email="tantou@example.com")
    assert EmailAddress.objects.filter(email="tantou@example.com").count() == 1
    assert Membership.objects.filter(user=user, company__isnull=False).count() == 1
    assert Invitation.objects.get(email="tantou@example.com").accepted_by == user
    return user


def test_invitation_signup_posted_twice_in_a_row_logs_in_the_one_account(cast):
    url = invite(cast)
    dashboard = reverse("programs:dashboard", kwargs={"consortium_slug": "dx"})
    first = Client().post(url, SIGNUP)
    repeat = Client()  # the second request of a double click: its own response, not yet logged in
    second = repeat.post(url, SIGNUP)
    assert (first.status_code, first.url) == (302, dashboard)
    assert (second.status_code, second.url) == (302, dashboard)
    user = assert_one_account()
    assert repeat.get(dashboard).context["user"] == user


def test_invitation_signup_repeat_needs_the_same_password(cast):
    url = invite(cast)
    Client().post(url, SIGNUP)
    other = Client().post(url, SIGNUP | {"password1": "another-2022-ok", "password2": "another-2022-ok"})
    assert other.status_code == 410 and "既に使用されています" in other.content.decode()
    assert_one_account()


def test_invitation_accept_clicked_twice_by_the_logged_in_invitee(cast, client):
    from tests.conftest import make_user

    user = make_user("tantou@example.com")
    url = invite(cast)
    client.force_login(user)
    first, second = client.post(url), client.post(url)
    dashboard = reverse("programs:dashboard", kwargs={"consortium_slug": "dx"})
    assert (first.status_code, first.url) == (302, dashboard)
    assert (second.status_code, second.url) == (302, dashboard)
    assert Membership.objects.filter(user=user).count() == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_invitation_signup_posted_twice_at_once_is_one_account(cast):
    url = invite(cast)
    a, b = Client(raise_request_exception=False), Client(raise_request_exception=False)
    responses = post_together(a, b, url=url, data=SIGNUP)
    assert [r.status_code for r in responses] == [302, 302]
    assert_one_account()
