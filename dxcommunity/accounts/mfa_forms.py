"""allauth.mfa's code forms with wrong codes counted per user only (settings.MFA_FORMS).

allauth counts a wrong TOTP or recovery code under its failed-login limit, which also has a per-IP part
(``ACCOUNT_RATE_LIMITS["login_failed"]``): ten wrong codes from one office address would refuse every
other person behind that address, their passwords included. These forms count wrong codes under
``MFA_RATE_LIMITS["code_failed"]`` instead, keyed by the user whose code is checked; a right code clears
that user's count. Everything else is allauth's own form.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.mfa.base import forms as base_forms
from allauth.mfa.internal.flows.add import validate_can_add_authenticator
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.totp.internal import auth as totp_auth
from django.contrib.auth.base_user import AbstractBaseUser

RATE_APP = "allauth.mfa"
RATE_ACTION = "code_failed"


def _count_attempt(user: AbstractBaseUser, error_key: str):
    """Count one code attempt for ``user``; ValidationError (``error_key``) when over the limit.

    Returns a callable that forgets the user's attempts (called when the code was right).
    """
    request = context.request
    if not ratelimit.consume(request, app=RATE_APP, action=RATE_ACTION, user=user):
        raise get_account_adapter().validation_error(error_key)
    return lambda: ratelimit.clear(request, app=RATE_APP, action=RATE_ACTION, user=user)


class _PerUserCodeMixin:
    """``clean_code`` of allauth's BaseAuthenticateForm, with the per-user count."""

    def clean_code(self) -> str:
        clear = _count_attempt(self.user, "too_many_login_attempts")
        code = self.cleaned_data["code"]
        main_auth: Authenticator | None = None
        # WebAuthn cannot check typed codes; the TOTP authenticator gets the failure signal.
        for authenticator in Authenticator.objects.filter(user=self.user).exclude(
            type=Authenticator.Type.WEBAUTHN
        ):
            if not main_auth or authenticator.type == Authenticator.Type.TOTP:
                main_auth = authenticator
            if authenticator.wrap().validate_code(code):
                authenticator.user = self.user
                self.authenticator = authenticator
                clear()
                return code
        if main_auth:
            self._emit_authentication_failed(main_auth)
        raise base_forms.get_adapter().validation_error("incorrect_code")


class AuthenticateForm(_PerUserCodeMixin, base_forms.AuthenticateForm):
    """The second login step (TOTP or recovery code)."""


class ReauthenticateForm(_PerUserCodeMixin, base_forms.ReauthenticateForm):
    """Confirming a sensitive action with a code."""


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    """Setting up TOTP: the first code from the new authenticator app."""

    def clean_code(self) -> str:
        validate_can_add_authenticator(self.user)
        clear = _count_attempt(self.user, "rate_limited")
        code = self.cleaned_data["code"]
        if not totp_auth.validate_totp_code(self.secret, code):
            raise totp_forms.get_adapter().validation_error("incorrect_code")
        clear()
        return code
