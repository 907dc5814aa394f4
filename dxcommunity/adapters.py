"""django-allauth adapter: closed signup (people come in by invitation, programs.invitations)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Open self-signup is off: an account is created only from an invitation link (invitation_accept)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
