"""The same POST twice gives one row and no 500: a bank's comment on a company and the invitation
signup, sent one after the other (everywhere) and at the same moment from two clients (PostgreSQL)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from dxcommunity.accounts import invitations
from dxcommunity.accounts.models import Invitation
from dxcommunity.consent.models import CompanyComment
from dxcommunity.idempotency import new_key
from dxcommunity.tenancy.models import Membership
from tests.concurrency import logged_in_client, meet_at, on_postgres, post_together

Role = Membership.Role
User = get_user_model()


def comment_url(cast):
    return reverse("companies:comment_add", args=["dx", cast.company.pk])


def test_bank_comment_posted_twice_in_a_row_is_one_comment(cast, client):
    client.force_login(cast.bank_user)
    data = {"body": "DX融資の相談あり", "idempotency_key": new_key()}
    first = client.post(comment_url(cast), data)
    second = client.post(comment_url(cast), data)
    page = reverse("companies:detail", args=["dx", cast.company.pk])
    assert (first.status_code, first.url) == (302, page)
    assert (second.status_code, second.url) == (302, page)
    assert CompanyComment.objects.filter(company=cast.company).count() == 1


def test_bank_comment_form_carries_a_key_and_two_forms_make_two_comments(cast, client):
    client.force_login(cast.bank_user)
    page = client.get(reverse("companies:detail", args=["dx", cast.company.pk])).content.decode()
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
    with meet_at(CompanyComment, "full_clean"):
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
    dashboard = reverse("companies:home", kwargs={"consortium_slug": "dx"})
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
    dashboard = reverse("companies:home", kwargs={"consortium_slug": "dx"})
    assert (first.status_code, first.url) == (302, dashboard)
    assert (second.status_code, second.url) == (302, dashboard)
    assert Membership.objects.filter(user=user).count() == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_invitation_signup_posted_twice_at_once_is_one_account(cast):
    url = invite(cast)
    a, b = Client(raise_request_exception=False), Client(raise_request_exception=False)
    with meet_at(type(User.objects), "create_user"):
        responses = post_together(a, b, url=url, data=SIGNUP)
    assert [r.status_code for r in responses] == [302, 302]
    assert_one_account()


# --- member invitations, the self-diagnosis application, the public form, recommendations ---------------


def invite_post(key):
    return {"email": "newbank@example.com", "role": Role.BANK_STAFF, "idempotency_key": key}


def test_member_invitation_posted_twice_in_a_row_is_one_invitation_and_one_mail(cast, client, mailoutbox):
    client.force_login(cast.coordinator)
    members = reverse("members:index", kwargs={"consortium_slug": "dx"})
    data = invite_post(new_key()) | {"organization": cast.bank.pk}
    responses = [client.post(members, data) for _i in range(2)]
    assert [(r.status_code, r.url) for r in responses] == [(302, members), (302, members)]
    assert Invitation.objects.filter(email="newbank@example.com").count() == 1
    assert len(mailoutbox) == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_key", [True, False], ids=["same-key", "two-keys"])
def test_member_invitation_posted_twice_at_once_is_one_invitation(cast, same_key):
    members = reverse("members:index", kwargs={"consortium_slug": "dx"})
    keys = iter([new_key()] * 2 if same_key else [new_key(), new_key()])
    with meet_at(Invitation, "full_clean"):
        responses = post_together(
            logged_in_client(cast.coordinator),
            logged_in_client(cast.coordinator),
            url=members,
            data=lambda: invite_post(next(keys)) | {"organization": cast.bank.pk},
        )
    # Same key: both answered as the first. Two keys (two tabs): the second is told it is pending already.
    assert sorted(r.status_code for r in responses) == ([302, 302] if same_key else [302, 400])
    assert Invitation.objects.filter(email="newbank@example.com").count() == 1


APPLICATION = {
    "applicant_name": "精密 太郎",
    "organization_name": "テスト精密工業株式会社",
    "department_title": "代表取締役",
    "email": "ceo@example.com",
    "message_to_office": "経営者と担当者で参加します",
}


def test_self_diagnosis_application_posted_twice_in_a_row_is_one_application(cast, client):
    from programs.models import SelfDiagnosisApplication

    client.force_login(cast.company_user)
    url = reverse("companies:application_create", kwargs={"consortium_slug": "dx"})
    data = APPLICATION | {"region": cast.ibaraki.pk, "idempotency_key": new_key()}
    dashboard = reverse("companies:home", kwargs={"consortium_slug": "dx"})
    assert [(r.status_code, r.url) for r in (client.post(url, data), client.post(url, data))] == [
        (302, dashboard),
        (302, dashboard),
    ]
    assert SelfDiagnosisApplication.objects.filter(company=cast.company).count() == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_self_diagnosis_application_posted_twice_at_once_without_a_key_gives_no_500(cast):
    from programs.models import SelfDiagnosisApplication

    with meet_at(SelfDiagnosisApplication, "full_clean"):
        responses = post_together(
            logged_in_client(cast.company_user),
            logged_in_client(cast.company_user),
            url=reverse("companies:application_create", kwargs={"consortium_slug": "dx"}),
            data=APPLICATION | {"region": cast.ibaraki.pk},
        )
    # No key (an old form): one application; the other request is told it applied already.
    assert sorted(r.status_code for r in responses) == [200, 302]
    assert SelfDiagnosisApplication.objects.filter(company=cast.company).count() == 1


def public_form(cast, key):
    return {
        "company_name": "株式会社かすみがうら食品",
        "representative_name": "霞 一郎",
        "applicant_name": "霞 次郎",
        "email": "jiro@kasumi.example.jp",
        "phone": "029-000-1111",
        "region": cast.ibaraki.pk,
        "industry": "manufacturing",
        "employees": "48",
        "executive_participant": "霞 一郎",
        "staff_participant": "霞 次郎",
        "motivation": "受注から出荷までをつなげたい",
        "current_issues": "紙の伝票",
        "privacy_consent": "on",
        "idempotency_key": key,
    }


@pytest.fixture
def open_call(cast):
    from django.core.cache import cache

    from tests.programs.test_permission_matrix_recruitment import open_program

    cache.clear()  # the public form's rate limit
    open_program(cast.program)
    yield reverse("public:apply", kwargs={"tenant_slug": "dx", "program_pk": cast.program.pk})
    cache.clear()


def test_public_application_posted_twice_in_a_row_is_one_application_and_one_mail(
    cast, open_call, mailoutbox
):
    from programs.models import CompanyApplication

    client = Client()
    assert 'name="idempotency_key"' in client.get(open_call).content.decode()
    data = public_form(cast, new_key())
    assert [client.post(open_call, data).status_code for _i in range(2)] == [302, 302]
    assert CompanyApplication.objects.count() == 1  # no second row marked duplicate
    assert len(mailoutbox) == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_public_application_posted_twice_at_once_is_one_application(cast, open_call):
    from programs.models import CompanyApplication

    with meet_at(CompanyApplication, "full_clean"):
        responses = post_together(
            Client(raise_request_exception=False),
            Client(raise_request_exception=False),
            url=open_call,
            data=public_form(cast, new_key()),
        )
    assert [r.status_code for r in responses] == [302, 302]
    assert CompanyApplication.objects.count() == 1


def test_recommendation_posted_twice_in_a_row_is_one_recommendation(cast, open_call, client):
    from programs.models import CompanyApplication

    client.force_login(cast.bank_user)
    url = reverse("recruitment:recommend", args=["dx"])
    data = public_form(cast, new_key()) | {"recommendation_note": "設備更新とDX融資の相談"}
    del data["privacy_consent"]
    assert [client.post(url, data).status_code for _i in range(2)] == [302, 302]
    assert CompanyApplication.objects.filter(recommended_by_user=cast.bank_user).count() == 1


# --- seminar registration ------------------------------------------------------------------------------


def test_seminar_registration_posted_twice_in_a_row_is_one_registration_and_no_error(cast, client):
    from django.contrib.messages import get_messages

    from programs.models import SeminarRegistration
    from tests.programs.test_program_events import make_event

    event = make_event(cast)
    client.force_login(cast.company_user)
    register = reverse("companies:event_register", kwargs={"consortium_slug": "dx", "pk": event.pk})
    data = {"idempotency_key": new_key()}
    for _i in range(2):
        response = client.post(register, data)
        assert response.status_code == 302
        assert {m.level_tag for m in get_messages(response.wsgi_request)} == {
            "success"
        }  # no "already registered"
    assert SeminarRegistration.objects.filter(event=event).count() == 1


# --- programs and events (coordinator) -----------------------------------------------------------------


def test_program_and_event_created_twice_in_a_row_are_one_each(cast, client):
    from programs.models import Event, Program
    from tests.programs.test_program_events import event_post, program_post

    client.force_login(cast.coordinator)
    create = reverse("programs:create", kwargs={"consortium_slug": "dx"})
    assert 'name="idempotency_key"' in client.get(create).content.decode()
    data = program_post(cast, idempotency_key=new_key())
    first, second = client.post(create, data), client.post(create, data)
    program = Program.objects.get(name=data["name"])
    assert (first.status_code, second.status_code, first.url) == (302, 302, second.url)

    event_create = reverse(
        "programs:event_create", kwargs={"consortium_slug": "dx", "program_pk": program.pk}
    )
    data = event_post(date="2026-12-10", start_time="14:00", idempotency_key=new_key())
    first, second = client.post(event_create, data), client.post(event_create, data)
    assert (first.status_code, second.status_code, first.url) == (302, 302, second.url)
    assert Event.objects.filter(program=program).count() == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_share_granted_twice_at_once_is_one_active_share(cast):
    from dxcommunity.consent.models import CompanyShare

    with meet_at(CompanyShare, "full_clean"):
        responses = post_together(
            logged_in_client(cast.company_user),
            logged_in_client(cast.company_user),
            url=reverse("consent:share", args=["dx", cast.company.pk]),
            data={"organization": cast.bank.pk, "subject": "diagnosis"},
        )
    assert [r.status_code for r in responses] == [302, 302]
    assert CompanyShare.objects.filter(company=cast.company, revoked_at=None).count() == 1
