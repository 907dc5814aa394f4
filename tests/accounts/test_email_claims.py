"""Who an address belongs to: a password reset reaches only verified addresses; an address held by another
account or pending in an invitation cannot be added; the invitee can still sign up.

The attack these close: a member adds an invited person's address to their own account (unverified). The
invitee then could not sign up, and a reset requested for that address mailed a working link for the
member's account to the invitee's mailbox.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from dxcommunity.accounts import invitations
from dxcommunity.tenancy.models import Membership
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()
RESET_LINK = re.compile(r"/accounts/password/reset/key/\S+")
INVITEE = "invitee@example.com"


def _invite(cast, email=INVITEE):
    return invitations.invitation_create(
        consortium=cast.consortium,
        inviter=cast.coordinator,
        email=email,
        role=Membership.Role.ITC,
        organization=cast.itc_org,
    )


def _claim_unverified(user, email=INVITEE):
    """The state the attack left behind: ``email`` on ``user``'s account, never verified."""
    return EmailAddress.objects.create(user=user, email=email, verified=False, primary=False)


def _add_email(client, email):
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


# --------------------------------------------------------------------------------------------- reset


def test_reset_for_an_unverified_secondary_address_mails_no_link(cast, client):
    _claim_unverified(cast.itc)
    response = client.post(reverse("account_reset_password"), {"email": INVITEE})
    # The same answer as for a known address (enumeration prevention stays on) ...
    known = client.post(reverse("account_reset_password"), {"email": cast.bank_user.email})
    assert response.status_code == known.status_code == 302
    assert response["Location"] == known["Location"]
    # ... but the unverified address gets no reset link, only the bank user's verified one does.
    to_invitee = [m for m in mail.outbox if INVITEE in m.to]
    assert to_invitee and not any(RESET_LINK.search(m.body) for m in to_invitee)
    (to_bank,) = [m for m in mail.outbox if cast.bank_user.email in m.to]
    assert RESET_LINK.search(to_bank.body)


def test_reset_for_an_unverified_address_cannot_set_the_password(cast, client):
    _claim_unverified(cast.itc)
    client.post(reverse("account_reset_password"), {"email": "INVITEE@example.com"})
    for message in mail.outbox:
        match = RESET_LINK.search(message.body)
        if match:
            page = client.get(match.group(0), follow=True)
            form_url = page.redirect_chain[-1][0] if page.redirect_chain else match.group(0)
            client.post(form_url, {"password1": "taken-over-2022", "password2": "taken-over-2022"})
    cast.itc.refresh_from_db()
    assert cast.itc.check_password(PASSWORD)


def test_reset_for_a_verified_address_still_works(cast, client):
    client.post(reverse("account_reset_password"), {"email": cast.itc.email.upper()})
    (message,) = mail.outbox
    assert message.to == [cast.itc.email] and RESET_LINK.search(message.body)


def test_reset_skips_an_inactive_account(cast, client):
    cast.itc.is_active = False
    cast.itc.save(update_fields=["is_active"])
    client.post(reverse("account_reset_password"), {"email": cast.itc.email})
    assert not any(RESET_LINK.search(m.body) for m in mail.outbox)


# --------------------------------------------------------------------------------------------- add


def test_adding_a_pending_invitation_address_is_refused(cast, login):
    _invite(cast)
    mail.outbox.clear()
    response = _add_email(login(cast.itc), "Invitee@example.com")
    assert response.status_code == 200
    assert "このメールアドレスは追加できません" in response.content.decode()
    assert not EmailAddress.objects.filter(email__iexact=INVITEE).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("verified", [True, False])
def test_adding_another_accounts_address_is_refused(cast, login, verified):
    other = make_user("someone@example.com")
    if not verified:
        EmailAddress.objects.filter(user=other).delete()
        _claim_unverified(other, "second@example.com")
    taken = "someone@example.com" if verified else "second@example.com"
    response = _add_email(login(cast.itc), taken)
    assert "このメールアドレスは追加できません" in response.content.decode()
    assert not EmailAddress.objects.filter(user=cast.itc, email=taken).exists()


def test_adding_a_fresh_address_still_sends_its_verification(cast, login):
    client = login(cast.itc)
    response = _add_email(client, "itc-second@example.com")
    if response.status_code == 302 and "reauthenticate" in response["Location"]:
        client.post(response["Location"], {"password": PASSWORD})
        response = _add_email(client, "itc-second@example.com")
    assert response.status_code == 302
    address = EmailAddress.objects.get(user=cast.itc, email="itc-second@example.com")
    assert not address.verified
    assert [m.to for m in mail.outbox] == [["itc-second@example.com"]]


def test_an_expired_or_revoked_invitation_does_not_hold_the_address(cast, login):
    invitation, _token = _invite(cast)
    invitations.invitation_revoke(invitation=invitation, actor=cast.coordinator)
    assert not invitations.email_claimed_by_others(email=INVITEE, user=cast.itc)


def test_allauth_signup_check_refuses_an_invited_address(cast):
    from django.core.exceptions import ValidationError

    from dxcommunity.accounts.adapters import AccountAdapter

    _invite(cast)
    with pytest.raises(ValidationError):
        AccountAdapter().validate_unique_email(INVITEE)
    assert AccountAdapter().validate_unique_email("free@example.com") == "free@example.com"


# ------------------------------------------------------------------------------------------- signup


def test_invitee_still_signs_up_over_an_unverified_claim(cast, client):
    _invitation, token = _invite(cast)
    claim = _claim_unverified(cast.itc)
    url = reverse("invitation_accept", kwargs={"token": token})
    page = client.get(url).content.decode()
    assert "登録して参加する" in page
    response = client.post(
        url,
        {
            "last_name": "招待",
            "first_name": "花子",
            "password1": "kaizen-2022-ok",
            "password2": "kaizen-2022-ok",
        },
    )
    assert response.status_code == 302
    invitee = User.objects.get(email=INVITEE)
    assert EmailAddress.objects.get(email=INVITEE).user == invitee
    assert not EmailAddress.objects.filter(pk=claim.pk).exists()
    assert Membership.objects.get(user=invitee).role == Membership.Role.ITC
    # The ITC's own account is untouched.
    assert EmailAddress.objects.filter(user=cast.itc, email=cast.itc.email, verified=True).exists()


def test_a_verified_address_still_means_log_in_first(cast, client):
    _invitation, token = _invite(cast, email="taken@example.com")
    make_user("taken@example.com")
    page = client.get(reverse("invitation_accept", kwargs={"token": token})).content.decode()
    assert "ログインして参加する" in page
