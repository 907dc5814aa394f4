"""Every members URL × every role of the cast × own tenant / other tenant / anonymous (STYLE.md).

A meta-test fails when a URL name of the members namespace is missing from the table.
Objects: a pending invitation of cast.company (made by its 経営者) and the ITC's membership.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

import dxcommunity.accounts.urls
from dxcommunity.accounts import invitations
from dxcommunity.tenancy.models import Membership
from tests.conftest import MATRIX_ROLES
from tests.matrix import call, check_roles
from tests.tables import Case

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
NOT_FOUND = {r: 404 for r in ROLES} | {"anonymous": 302}

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    # Coordinators (a regional coordinator: its region's members) and company 経営者 (each sees its own
    # company only); others 404.
    "members:index": (
        "get",
        NOT_FOUND
        | {r: 200 for r in ("coordinator", "regional_coordinator", "regional_coordinator_nagano")}
        | {"company_user": 200, "other_company_user": 200},
    ),
    # The invitation is cast.company's (茨城): its 経営者, the coordinator and 茨城's regional coordinator may
    # revoke it; 長野's regional coordinator does not see it (404).
    "members:invitation_revoke": (
        "post",
        NOT_FOUND | {"coordinator": 302, "regional_coordinator": 302, "company_user": 302},
    ),
    # The ITC's membership (茨城): only the coordinator and 茨城's regional coordinator may deactivate it
    # (GET: the confirmation page), and re-activate it once deactivated.
    "members:deactivate": ("post", NOT_FOUND | {"coordinator": 302, "regional_coordinator": 302}),
    "members:deactivate#get": ("get", NOT_FOUND | {"coordinator": 200, "regional_coordinator": 200}),
    "members:reactivate": ("post", NOT_FOUND | {"coordinator": 302, "regional_coordinator": 302}),
}


def test_every_members_url_is_in_the_matrix():
    names = {f"members:{p.name}" for p in dxcommunity.accounts.urls.urlpatterns}
    assert names == {key.split("#")[0] for key in MATRIX}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    method, expected = MATRIX[name]

    def request(client, role):
        invitation, _ = invitations.invitation_create(
            consortium=cast.consortium,
            inviter=cast.company_user,
            email=f"matrix-{role}@example.com",
            role=Membership.Role.COMPANY_MEMBER,
        )
        target = Membership.objects.get(user=cast.itc)
        target.is_active = name != "members:reactivate"
        target.save()
        url_name = name.split("#")[0]
        kwargs = {"consortium_slug": "dx"}
        if url_name == "members:invitation_revoke":
            kwargs["pk"] = invitation.pk
        elif url_name in ("members:deactivate", "members:reactivate"):
            kwargs["pk"] = target.pk
        return call(client, method, reverse(url_name, kwargs=kwargs))

    check_roles(cast, f"{method.upper()} {name}", expected, request, roles=ROLES)


def test_invitation_accept_link_for_each_role(cast):
    """The accept page (no tenant): anyone but the invited account is refused with 403; anonymous sees it."""
    _, token = invitations.invitation_create(
        consortium=cast.consortium, inviter=cast.coordinator, email="fresh@example.com", role="itc"
    )
    url = reverse("invitation_accept", kwargs={"token": token})
    expected = {role: 200 if role == "anonymous" else 403 for role in ROLES}
    check_roles(cast, "GET invitation_accept", expected, lambda client, role: client.get(url), roles=ROLES)


# --- rows for the cross-cutting tables (tests/tables.py) ---------------------------------------------------


def _deactivated_association_membership(w) -> dict:
    Membership.objects.filter(pk=w.association_membership.pk).update(is_active=False)
    return {"pk": w.association_membership.pk}


CSRF_POST_URLS: dict[str, Case] = {
    "members:reactivate": Case("coordinator", _deactivated_association_membership),
}
