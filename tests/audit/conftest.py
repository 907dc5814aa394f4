"""Fixtures of the audit tests: coordinators need a TOTP authenticator to reach tenant pages."""

from __future__ import annotations

import pytest


def give_totp(*users) -> None:
    """Register a (dummy) TOTP authenticator for each user, as the coordinator MFA requirement expects."""
    from allauth.mfa.models import Authenticator

    for user in users:
        Authenticator.objects.get_or_create(
            user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "test"}}
        )


@pytest.fixture
def coordinator_client(cast, login):
    """The test client logged in as the consortium coordinator (with TOTP)."""
    give_totp(cast.coordinator, cast.stranger_coordinator)
    return login(cast.coordinator)
