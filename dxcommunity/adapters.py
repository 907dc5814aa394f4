"""django-allauth adapter: closed signup (people come in by invitation, programs.invitations)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Open self-signup is off: an account is created only from an invitation link (invitation_accept)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's per-IP rate limits count (``dxcommunity.http.client_ip``)."""
        return client_ip(request)
