"""Invitations: create (who may invite whom, coherence, tenant), accept (happy path and every refusal)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from dxcommunity.accounts import invitations
from dxcommunity.accounts.models import Invitation
from dxcommunity.tenancy.models import MemberOrganization, Membership
from tests.conftest import PASSWORD, add_member, make_user

pytestmark = pytest.mark.django_db
Role = Membership.Role
User = get_user_model()


def _invite(cast, **kwargs):
    params = {"consortium": cast.consortium, "inviter": cast.coordinator, "email": "new@example.com"}
    params.update(kwargs)
    params.setdefault("role", Role.BANK_STAFF)
    if params["role"] == Role.BANK_STAFF:
        params.setdefault("organization", cast.bank)
    return invitations.invitation_create(**params)


def _state(invitation):
    invitation.refresh_from_db()
    return (invitation.accepted_at, invitation.accepted_by_id, invitation.revoked_at)


# ---------------------------------------------------------------------------------------------- create


def test_create_stores_only_the_hash_and_mails_an_absolute_link(cast):
    invitation, token = _invite(cast, base_url="https://dx.example.jp")
    assert invitation.token_hash == invitations.token_hash(token) != token
    assert len(token) >= 40
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=6, hours=23)
    assert invitation.expires_at - timezone.now() <= dt.timedelta(days=7)
    (message,) = mail.outbox
    assert message.to == ["new@example.com"]
    assert "招待" in message.subject
    assert f"https://dx.example.jp/invitations/{token}/" in message.body


def test_ttl_comes_from_the_setting(cast, settings):
    settings.INVITATION_TTL_DAYS = 2
    invitation, _ = _invite(cast)
    assert invitation.expires_at - timezone.now() < dt.timedelta(days=2, minutes=1)


@pytest.mark.parametrize(
    ("role", "field", "org_attr"),
    [
        (Role.BANK_STAFF, "organization", None),  # bank staff without a bank
        (Role.BANK_STAFF, "organization", "vendor"),  # a vendor is not a bank
        (Role.VENDOR, "organization", "bank"),  # a bank is not a vendor
        (Role.COMPANY_MEMBER, "company", None),  # company member without a company
    ],
)
def test_role_and_organization_must_fit(cast, role, field, org_attr):
    organization = getattr(cast, org_attr) if org_attr else None
    with pytest.raises(ValidationError) as error:
        invitations.invitation_create(
            consortium=cast.consortium,
            inviter=cast.coordinator,
            email="x@example.com",
            role=role,
            organization=organization,
        )
    assert field in error.value.message_dict
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_another_tenants_company_is_refused_by_the_service(cast):
    with pytest.raises(ValidationError) as error:
        invitations.invitation_create(
            consortium=cast.consortium,
            inviter=cast.coordinator,
            email="x@example.com",
            role=Role.COMPANY_MEMBER,
            company=cast.stranger_company,
        )
    assert "company" in error.value.message_dict
    assert not Invitation.objects.exists()


def test_executive_invites_a_colleague_but_not_a_bank_user(cast):
    invitation, _ = invitations.invitation_create(
        consortium=cast.consortium,
        inviter=cast.company_user,
        email="tantou@example.com",
        role=Role.COMPANY_MEMBER,
    )
    assert (invitation.company, invitation.role) == (cast.company, Role.COMPANY_MEMBER)
    with pytest.raises(PermissionDenied):
        invitations.invitation_create(
            consortium=cast.consortium,
            inviter=cast.company_user,
            email="bank2@example.com",
            role=Role.BANK_STAFF,
            organization=cast.bank,
        )
    with pytest.raises(PermissionDenied):  # another company of the same consortium
        invitations.invitation_create(
            consortium=cast.consortium,
            inviter=cast.company_user,
            email="y@example.com",
            role=Role.COMPANY_MEMBER,
            company=cast.other_company,
        )
    assert Invitation.objects.count() == 1


def test_non_executive_company_member_and_itc_cannot_invite(cast):
    colleague = make_user("staff@example.com")
    add_member(cast.consortium, colleague, Role.COMPANY_MEMBER, company=cast.company)
    for user in (colleague, cast.itc, cast.bank_user):
        with pytest.raises(PermissionDenied):
            invitations.invitation_create(
                consortium=cast.consortium,
                inviter=user,
                email="z@example.com",
                role=Role.COMPANY_MEMBER,
                company=cast.company,
            )
    assert not Invitation.objects.exists()


def test_regional_coordinator_invites_in_its_region_only(cast):
    regional = make_user("regional@example.com")
    add_member(cast.consortium, regional, Role.REGIONAL_COORDINATOR, region=cast.ibaraki)
    invitation, _ = invitations.invitation_create(
        consortium=cast.consortium,
        inviter=regional,
        email="a@example.com",
        role=Role.ITC,
        organization=cast.itc_org,
    )
    assert invitation.region == cast.ibaraki
    with pytest.raises(PermissionDenied):
        invitations.invitation_create(
            consortium=cast.consortium, inviter=regional, email="b@example.com", role=Role.COORDINATOR
        )
    with pytest.raises(ValidationError):
        invitations.invitation_create(
            consortium=cast.consortium,
            inviter=regional,
            email="c@example.com",
            role=Role.COMPANY_MEMBER,
            company=cast.other_company,  # 長野
        )


def test_existing_member_and_duplicate_pending_invitation_are_refused(cast):
    with pytest.raises(ValidationError) as error:
        _invite(cast, email="bank@example.com")
    assert "email" in error.value.message_dict
    _invite(cast, email="new@example.com")
    with pytest.raises(ValidationError):
        _invite(cast, email="NEW@example.com")
    assert Invitation.objects.count() == 1


# ---------------------------------------------------------------------------------------------- accept


def test_accept_creates_the_membership_and_marks_the_invitation(cast):
    invitation, token = _invite(cast, email="newbank@example.com")
    user = make_user("newbank@example.com")
    membership = invitations.invitation_accept(token=token, user=user)
    assert (membership.role, membership.organization, membership.is_active) == (
        Role.BANK_STAFF,
        cast.bank,
        True,
    )
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert invitation.history.first().accepted_by_id == user.pk


def test_accept_reactivates_an_inactive_membership(cast):
    old = Membership.objects.get(user=cast.itc)
    old.is_active = False
    old.save()
    _, token = _invite(cast, email="itc@example.com", role=Role.ITC, organization=cast.itc_org)
    membership = invitations.invitation_accept(token=token, user=cast.itc)
    assert membership.pk == old.pk and membership.is_active


@pytest.mark.parametrize("case", ["unknown", "expired", "revoked", "reused", "wrong_email"])
def test_refused_tokens_change_nothing(cast, case):
    invitation, token = _invite(cast, email="newbank@example.com")
    user = make_user("newbank@example.com")
    if case == "unknown":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "expired":
        invitation.expires_at = timezone.now() - dt.timedelta(seconds=1)
        invitation.save()
    elif case == "revoked":
        invitations.invitation_revoke(invitation=invitation, actor=cast.coordinator)
    elif case == "reused":
        invitations.invitation_accept(token=token, user=user)
        Membership.objects.filter(user=user).delete()
    elif case == "wrong_email":
        user = make_user("someone-else@example.com")
    before = _state(invitation)
    memberships = Membership.objects.count()
    with pytest.raises(invitations.InvitationError):
        invitations.invitation_accept(token=token, user=user)
    assert _state(invitation) == before
    assert Membership.objects.count() == memberships
    assert not Membership.objects.filter(user=user).exists()


def test_unverified_email_cannot_accept(cast):
    _, token = _invite(cast, email="newbank@example.com")
    user = make_user("newbank@example.com")
    EmailAddress.objects.filter(user=user).update(verified=False)
    with pytest.raises(invitations.InvitationError):
        invitations.invitation_accept(token=token, user=user)
    assert not Membership.objects.filter(user=user).exists()


# ------------------------------------------------------------------------------------------- accept page


def test_accept_page_signup_creates_a_verified_user_and_logs_in(cast, client):
    invitation, token = _invite(
        cast, email="tantou@example.com", role=Role.COMPANY_MEMBER, company=cast.company, organization=None
    )
    url = reverse("invitation_accept", kwargs={"token": token})
    page = client.get(url)
    assert page.status_code == 200
    assert "登録して参加する" in page.content.decode()
    weak = client.post(
        url, {"last_name": "精密", "first_name": "花子", "password1": "123", "password2": "123"}
    )
    assert weak.status_code == 400 and not User.objects.filter(email="tantou@example.com").exists()
    assert "精密" in weak.content.decode()  # what was typed is kept
    response = client.post(
        url,
        {
            "last_name": "精密",
            "first_name": "花子",
            "password1": "kaizen-2022-ok",
            "password2": "kaizen-2022-ok",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("companies:home", kwargs={"consortium_slug": "dx"})
    user = User.objects.get(email="tantou@example.com")
    assert (user.last_name, user.first_name) == ("精密", "花子")
    assert EmailAddress.objects.get(user=user).verified
    assert Membership.objects.get(user=user).company == cast.company
    assert client.get(response["Location"]).status_code == 200
    # The same link again: refused.
    client.logout()
    again = client.get(url)
    assert again.status_code == 410 and "既に使用されています" in again.content.decode()


def test_accept_page_logged_in_with_the_right_email_confirms(cast, client):
    _, token = _invite(cast, email="newbank@example.com")
    user = make_user("newbank@example.com")
    client.force_login(user)
    url = reverse("invitation_accept", kwargs={"token": token})
    assert "参加する" in client.get(url).content.decode()
    assert not Membership.objects.filter(user=user).exists()  # GET changes nothing
    response = client.post(url, {"action": "accept"})
    assert response.status_code == 302
    assert Membership.objects.get(user=user).organization == cast.bank
    second = client.post(url, {"action": "accept"})  # double click: answered like the first, one membership
    assert (second.status_code, second["Location"]) == (302, response["Location"])
    assert Membership.objects.filter(user=user).count() == 1


def test_accept_page_for_an_existing_account_asks_to_log_in(cast, client):
    _, token = _invite(cast, email="newbank@example.com")
    make_user("newbank@example.com")
    url = reverse("invitation_accept", kwargs={"token": token})
    page = client.get(url).content.decode()
    assert "ログインして参加する" in page and "next=" in page
    # Signing up over an existing account is not possible.
    client.post(
        url,
        {"last_name": "a", "first_name": "b", "password1": "kaizen-2022-ok", "password2": "kaizen-2022-ok"},
    )
    assert User.objects.filter(email="newbank@example.com").count() == 1


def test_accept_page_with_the_wrong_account(cast, client):
    invitation, token = _invite(cast, email="newbank@example.com")
    client.force_login(cast.itc)
    url = reverse("invitation_accept", kwargs={"token": token})
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "accept"}).status_code == 403
    assert _state(invitation) == (None, None, None)


@pytest.mark.parametrize("case", ["unknown", "expired", "revoked"])
def test_accept_page_refuses_bad_links(cast, client, case):
    invitation, token = _invite(cast, email="newbank@example.com")
    if case == "unknown":
        token = "x" * 43
    elif case == "expired":
        invitation.expires_at = timezone.now() - dt.timedelta(days=1)
        invitation.save()
    else:
        invitations.invitation_revoke(invitation=invitation, actor=cast.coordinator)
    url = reverse("invitation_accept", kwargs={"token": token})
    response = client.post(
        url,
        {"last_name": "a", "first_name": "b", "password1": "kaizen-2022-ok", "password2": "kaizen-2022-ok"},
    )
    assert response.status_code in (404, 410)
    assert not User.objects.filter(email="newbank@example.com").exists()


def test_open_signup_is_closed(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "walkin@example.com", "password1": "kaizen-2022-ok", "password2": "kaizen-2022-ok"},
    )
    assert not User.objects.filter(email="walkin@example.com").exists()
    assert response.status_code == 200


# ------------------------------------------------------------------------------------------ members page


def _members_url(slug="dx"):
    return reverse("members:index", kwargs={"consortium_slug": slug})


def test_coordinator_sees_members_and_invites_through_the_form(cast, login):
    client = login(cast.coordinator)
    page = client.get(_members_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "bank@example.com" in body and "招待する" in body
    assert "stranger@example.com" not in body
    response = client.post(
        _members_url(),
        {"email": "new-vendor@example.com", "role": Role.VENDOR, "organization": cast.vendor.pk},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="new-vendor@example.com")
    token = re.search(r"/invitations/([^/]+)/", mail.outbox[0].body).group(1)
    assert invitations.token_hash(token) == invitation.token_hash
    assert mail.outbox[0].body.count("http://testserver/invitations/") == 1
    assert "new-vendor@example.com" in client.get(_members_url()).content.decode()


def test_invite_form_refuses_another_tenants_ids_and_keeps_input(cast, login):
    client = login(cast.coordinator)
    other_org = MemberOrganization.objects.create(
        consortium=cast.other, name="他地域銀行", kind=MemberOrganization.Kind.BANK
    )
    response = client.post(
        _members_url(), {"email": "x@example.com", "role": Role.BANK_STAFF, "organization": other_org.pk}
    )
    assert response.status_code == 400
    assert "x@example.com" in response.content.decode()
    response = client.post(
        _members_url(),
        {"email": "y@example.com", "role": Role.COMPANY_MEMBER, "company": cast.stranger_company.pk},
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_invite_form_shows_the_coherence_error(cast, login):
    client = login(cast.coordinator)
    response = client.post(_members_url(), {"email": "x@example.com", "role": Role.BANK_STAFF})
    assert response.status_code == 400
    assert "所属する構成員を選んでください" in response.content.decode()


def test_executive_page_invites_a_colleague(cast, login):
    client = login(cast.company_user)
    page = client.get(_members_url()).content.decode()
    assert "ceo@example.com" in page and "bank@example.com" not in page
    assert 'name="role"' not in page
    # A posted role/organization is ignored: the role is fixed to company_member of its own company.
    client.post(
        _members_url(), {"email": "tantou@example.com", "role": Role.BANK_STAFF, "organization": cast.bank.pk}
    )
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.company, invitation.organization) == (
        Role.COMPANY_MEMBER,
        cast.company,
        None,
    )


@pytest.mark.parametrize("who", ["itc", "bank_user", "vendor_user", "association_user", "staff"])
def test_members_page_404_for_others(cast, login, who):
    if who == "staff":
        user = make_user("staff@example.com")
        add_member(cast.consortium, user, Role.COMPANY_MEMBER, company=cast.company)
    else:
        user = getattr(cast, who)
    assert login(user).get(_members_url()).status_code == 404


def test_members_page_of_another_consortium_is_404(cast, login):
    assert login(cast.coordinator).get(_members_url("other")).status_code == 404


def test_revoke_and_deactivate(cast, login):
    client = login(cast.coordinator)
    invitation, token = _invite(cast)
    url = reverse("members:invitation_revoke", kwargs={"consortium_slug": "dx", "pk": invitation.pk})
    assert client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    itc = Membership.objects.get(user=cast.itc)
    client.post(reverse("members:deactivate", kwargs={"consortium_slug": "dx", "pk": itc.pk}))
    itc.refresh_from_db()
    assert not itc.is_active
    assert login(cast.itc).get(reverse("companies:home", kwargs={"consortium_slug": "dx"})).status_code == 404
    own = Membership.objects.get(user=cast.coordinator)
    login(cast.coordinator).post(
        reverse("members:deactivate", kwargs={"consortium_slug": "dx", "pk": own.pk})
    )
    own.refresh_from_db()
    assert own.is_active


def test_executive_cannot_revoke_others_or_deactivate(cast, login):
    invitation, _ = _invite(cast)
    client = login(cast.company_user)
    url = reverse("members:invitation_revoke", kwargs={"consortium_slug": "dx", "pk": invitation.pk})
    assert client.post(url).status_code == 404
    itc = Membership.objects.get(user=cast.itc)
    assert (
        client.post(reverse("members:deactivate", kwargs={"consortium_slug": "dx", "pk": itc.pk})).status_code
        == 404
    )
    invitation.refresh_from_db()
    itc.refresh_from_db()
    assert invitation.revoked_at is None and itc.is_active


def test_password_constant_is_used(cast):
    assert cast.coordinator.check_password(PASSWORD)


def test_regional_coordinator_members_page_shows_its_region_only(cast, login):
    from tests.conftest import give_totp

    regional = make_user("regional@example.com")
    add_member(cast.consortium, regional, Role.REGIONAL_COORDINATOR, region=cast.ibaraki)
    give_totp(regional)
    page = login(regional).get(_members_url()).content.decode()
    assert "itc@example.com" in page and "ceo@example.com" in page  # 茨城 ITC, 茨城 company
    assert "itc-nagano@example.com" not in page and "ceo2@example.com" not in page  # 長野


def test_executive_page_does_not_show_other_companies(cast, login):
    page = login(cast.company_user).get(_members_url()).content.decode()
    assert "ceo2@example.com" not in page and "coordinator@example.com" not in page


def test_invite_form_has_no_default_role_and_regional_cannot_pick_coordinator(cast, login):
    response = login(cast.coordinator).post(_members_url(), {"email": "x@example.com"})
    assert response.status_code == 400 and not Invitation.objects.exists()
    regional = make_user("regional@example.com")
    add_member(cast.consortium, regional, Role.REGIONAL_COORDINATOR, region=cast.ibaraki)
    from tests.conftest import give_totp

    give_totp(regional)
    client = login(regional)
    assert 'value="coordinator"' not in client.get(_members_url()).content.decode()
    refused = client.post(_members_url(), {"email": "boss@example.com", "role": Role.COORDINATOR})
    assert refused.status_code == 400 and not Invitation.objects.exists()
