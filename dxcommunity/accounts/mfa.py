"""Two-factor authentication (TOTP, django-allauth's mfa app) required for coordinators.

``CoordinatorMfaMiddleware`` runs inside ``ConsortiumMiddleware`` (it needs ``request.membership``): a user
whose membership in the current consortium is coordinator or regional coordinator and who has no TOTP
authenticator is sent from every tenant page to allauth's activation page (``mfa_activate_totp``).
Everyone else is offered TOTP on the account page (``mfa_index``), linked from the user menu.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

MFA_REQUIRED_ROLES = ("coordinator", "regional_coordinator")


def has_totp(user: Any) -> bool:
    """True when ``user`` has activated a TOTP authenticator (allauth.mfa Authenticator of type TOTP)."""
    if not getattr(user, "is_authenticated", False):
        return False
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class CoordinatorMfaMiddleware:
    """Redirect coordinators without TOTP from tenant pages to the TOTP activation page."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = getattr(request, "membership", None)
        if membership is not None and membership.role in MFA_REQUIRED_ROLES and not has_totp(request.user):
            messages.warning(
                request,
                _(
                    "事務局・地域まとめの方は二要素認証（認証アプリ）の設定が必要です。設定してから続けてください。"
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
