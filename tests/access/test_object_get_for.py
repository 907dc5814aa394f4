"""``dxcommunity.access.object_get_for``: one object for an action — 404 when not visible, 403 when not
allowed.

Visible means: a row of the membership's consortium whose company the membership sees (at STAGE, or
FULL_READ when asked), and the ``view_perm`` when one is given. Allowed means the action's ``perm``.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accompaniment.models import AccompanimentSession
from dxcommunity.access import AccessLevel, object_get_for
from dxcommunity.consent.models import CompanyShare
from dxcommunity.tenancy.models import Company
from matching.models import MatchingRequest
from tests.access.conftest import membership


def _get(cast, user, model_or_qs, pk, **kwargs):
    return object_get_for(membership(cast, user), model_or_qs, pk=pk, user=user, **kwargs)


def test_a_visible_company_is_returned(cast):
    assert _get(cast, cast.bank_user, Company, cast.company.pk) == cast.company
    # A queryset keeps its own shape (select_related) and is narrowed to the consortium.
    found = _get(cast, cast.coordinator, Company.objects.select_related("region"), str(cast.company.pk))
    assert found == cast.company


@pytest.mark.parametrize(
    "user, company",
    [
        ("bank_user", "other_company"),  # another bank's client: not visible
        ("itc_nagano", "company"),  # another region, no assignment
        ("vendor_user", "company"),  # no request addressed to it yet
        ("stranger_coordinator", "company"),  # another tenant
        ("coordinator", "stranger_company"),  # another tenant's company, through the coordinator
    ],
)
def test_a_company_not_visible_is_404(cast, user, company):
    user = getattr(cast, user)
    pk = getattr(cast, company).pk
    member = membership(cast, user) if user != cast.stranger_coordinator else _stranger(cast)
    with pytest.raises(Http404):
        object_get_for(member, Company, pk=pk, user=user)


def _stranger(cast):
    from dxcommunity.tenancy.models import Membership

    return Membership.objects.get(user=cast.stranger_coordinator)


@pytest.mark.parametrize("pk", [None, "", "abc", "1.5", 10**9])
def test_a_missing_or_malformed_pk_is_404(cast, pk):
    with pytest.raises(Http404):
        _get(cast, cast.coordinator, Company, pk)


def test_no_membership_or_an_inactive_one_is_404(cast):
    with pytest.raises(Http404):
        object_get_for(None, Company, pk=cast.company.pk)
    m = membership(cast, cast.coordinator)
    m.is_active = False
    with pytest.raises(Http404):
        object_get_for(m, Company, pk=cast.company.pk, user=cast.coordinator)


def test_visible_but_not_allowed_is_403(cast):
    # The bank sees its client in full but does not manage it.
    with pytest.raises(PermissionDenied):
        _get(cast, cast.bank_user, Company, cast.company.pk, perm="programs.manage_company")
    assert _get(cast, cast.coordinator, Company, cast.company.pk, perm="programs.manage_company")


def test_not_visible_wins_over_not_allowed(cast):
    """Someone who may not see the object learns nothing about the action: 404, never 403."""
    with pytest.raises(Http404):
        _get(cast, cast.other_bank_user, Company, cast.company.pk, perm="programs.manage_company")


def test_level_full_read_hides_stage_only_companies(cast):
    # The ITC of 茨城 without an assignment sees cast.company at stage level only.
    assert _get(cast, cast.itc, Company, cast.company.pk) == cast.company
    with pytest.raises(Http404):
        _get(cast, cast.itc, Company, cast.company.pk, level=AccessLevel.FULL_READ)
    assert _get(cast, cast.bank_user, Company, cast.company.pk, level=AccessLevel.FULL_READ)


def test_a_refused_view_perm_is_404(cast):
    # association staff see the company they recommended at stage level, not its track.
    assert _get(cast, cast.association_user, Company, cast.company.pk)
    with pytest.raises(Http404):
        _get(cast, cast.association_user, Company, cast.company.pk, view_perm="accompaniment.view_track")


def test_child_rows_follow_their_company(world):
    req = world.own.request  # MatchingRequest of cast.company
    assert _get(world, world.bank_user, MatchingRequest, req.pk) == req
    with pytest.raises(Http404):
        _get(world, world.other_bank_user, MatchingRequest, req.pk)
    session = world.own.session
    found = _get(
        world,
        world.company_user,
        AccompanimentSession.objects.select_related("track__company"),
        session.pk,
        company_field="track__company",
        perm="programs.act_for_company",
        perm_on=lambda s: s.track.company,
    )
    assert found == session
    with pytest.raises(PermissionDenied):  # the bank sees the session, it is not the company
        _get(
            world,
            world.bank_user,
            AccompanimentSession,
            session.pk,
            company_field="track__company",
            perm="programs.act_for_company",
            perm_on=lambda s: s.track.company,
        )


def test_a_share_seen_by_its_organization_is_visible_but_not_manageable(cast):
    share = CompanyShare.objects.create(
        consortium=cast.consortium,
        company=cast.company,
        organization=cast.vendor,
        subject=CompanyShare.Subject.DIAGNOSIS,
        granted_by=cast.company_user,
    )
    kwargs = {"perm": "programs.view_consent", "perm_on": lambda s: s.company}
    with pytest.raises(PermissionDenied):  # the vendor sees the company (shared), not its consent page
        _get(cast, cast.vendor_user, CompanyShare, share.pk, **kwargs)
    assert _get(cast, cast.company_user, CompanyShare, share.pk, **kwargs) == share
    with pytest.raises(Http404):
        _get(cast, cast.other_vendor_user, CompanyShare, share.pk, **kwargs)


def test_rows_without_a_company_skip_the_company_check(cast):
    assert (
        _get(cast, cast.vendor_user, type(cast.program), cast.program.pk, company_field=None) == cast.program
    )
    with pytest.raises(ValueError):
        _get(cast, cast.coordinator, Company, cast.company.pk, level=AccessLevel.FULL)
