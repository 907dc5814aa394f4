"""django-allauth adapter: closed signup (people come in by invitation, dxcommunity.accounts.invitations)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from dxcommunity.http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Open self-signup is off: an account is created only from an invitation link (invitation_accept)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's per-IP rate limits count (``dxcommunity.http.client_ip``)."""
        return client_ip(request)

    def validate_unique_email(self, email: str) -> str:
        """Refuse an address with an open invitation (allauth's signup and change-email forms call this):
        it belongs to the invitee, who joins through the invitation link."""
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        from dxcommunity.accounts.invitations import email_open_invitation_exists

        if email_open_invitation_exists(email=email):
            raise ValidationError(
                _("このメールアドレスには招待が届いています。招待メールのリンクから参加してください。"),
                code="email_invited",
            )
        return super().validate_unique_email(email)
