"""django-allauth forms of this project (settings.ACCOUNT_FORMS).

- ``ResetPasswordForm``: a reset reaches only accounts that have verified the address typed. allauth's
  own form falls back to accounts holding the address unverified (or as the user's email field) when
  nobody verified it; here those get nothing. With ``ACCOUNT_PREVENT_ENUMERATION`` (allauth's default,
  on) the answer is the same page whatever the address: an unknown one gets allauth's "no account" mail,
  which carries no reset link.
- ``AddEmailForm``: an address held by another account (verified or not) or pending in an invitation is
  refused with a message, instead of being added unverified.
"""

from __future__ import annotations

from allauth.account import app_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from django import forms
from django.utils.translation import gettext as _

from dxcommunity.accounts import invitations


class ResetPasswordForm(AllauthResetPasswordForm):
    """allauth's reset form; ``self.users`` = active users with the address verified (see module)."""

    def clean_email(self) -> str:
        email = get_adapter().clean_email(self.cleaned_data["email"].lower())
        self.users = invitations.users_with_verified_email(email=email)
        if not self.users and not app_settings.PREVENT_ENUMERATION:
            raise get_adapter().validation_error("unknown_email")
        return self.cleaned_data["email"]


class AddEmailForm(AllauthAddEmailForm):
    """allauth's add-address form, refusing addresses claimed elsewhere (``email_claimed_by_others``)."""

    def clean_email(self) -> str:
        assert self.user  # nosec: allauth always passes the logged-in user
        email = get_adapter().clean_email(self.cleaned_data["email"].lower())
        if invitations.email_claimed_by_others(email=email, user=self.user):
            raise forms.ValidationError(
                _(
                    "このメールアドレスは追加できません。別のアカウントで使われているか、招待の承諾待ちです。"
                    "招待を受けた方は、招待メールのリンクから参加してください。"
                ),
                code="email_claimed",
            )
        return super().clean_email()
