"""``dxcommunity.access``: the access level of every role × relation, and the querysets agree with it.

Relations: own bank's client (cast.company: 茨城, 常陽銀行, recommended by 茨城県経営者協会), another bank's
client (cast.other_company: 長野, 八十二銀行), region, assigned (advisor / track leader), addressed by a
matching request, shared, and a company of another consortium (cast.stranger_company).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from diagnosis.services import diagnosis_assign_advisor, diagnosis_start
from dxcommunity.access import (
    AccessLevel,
    can_see_subject,
    companies_fully_visible_to,
    companies_visible_to,
    companies_with_subject_visible_to,
    company_access,
)
from dxcommunity.consent.models import CompanyShare
from dxcommunity.tenancy.models import Membership
from matching.models import MatchingRequest
from tests.accompaniment.factories import enroll

pytestmark = pytest.mark.django_db

N, S, R, F = AccessLevel.NONE, AccessLevel.STAGE, AccessLevel.FULL_READ, AccessLevel.FULL
Role = Membership.Role
USERS = [
    "coordinator",
    "regional_coordinator",
    "regional_coordinator_nagano",
    "itc",
    "itc_nagano",
    "bank_user",
    "other_bank_user",
    "association_user",
    "vendor_user",
    "other_vendor_user",
    "company_user",
    "other_company_user",
    "stranger_coordinator",
]
# Without any assignment, request or share.
BASELINE = {
    #                      cast.company  other_company  stranger_company
    "coordinator": (F, F, N),
    "regional_coordinator": (F, N, N),  # 茨城
    "regional_coordinator_nagano": (N, F, N),
    "itc": (S, N, N),  # 茨城: the region's pipeline at stage level
    "itc_nagano": (N, S, N),
    "bank_user": (R, N, N),  # 常陽: its client (main bank) read-only
    "other_bank_user": (N, R, N),
    "association_user": (S, N, N),  # recommended cast.company
    "vendor_user": (N, N, N),
    "other_vendor_user": (N, N, N),
    "company_user": (F, N, N),
    "other_company_user": (N, F, N),
    "stranger_coordinator": (N, N, F),
}


@pytest.fixture
def people(cast):
    return cast


def m(cast, name) -> Membership:
    return Membership.objects.select_related("consortium").get(user=getattr(cast, name))


def levels(cast, name):
    ms = m(cast, name)
    return tuple(
        company_access(membership=ms, company=c)
        for c in (cast.company, cast.other_company, cast.stranger_company)
    )


def assert_querysets_agree(cast):
    """For every user × company: the querysets hold exactly the companies the object-level rules allow."""
    companies = [cast.company, cast.other_company, cast.stranger_company]
    for name in USERS:
        ms = m(cast, name)
        stage = set(companies_visible_to(membership=ms).values_list("pk", flat=True))
        full = set(companies_fully_visible_to(membership=ms).values_list("pk", flat=True))
        for c in companies:
            level = company_access(membership=ms, company=c)
            assert (c.pk in stage) == (level >= S), (name, c.name, level)
            assert (c.pk in full) == (level >= R), (name, c.name, level)
            for subject in CompanyShare.Subject.values:
                shared = set(
                    companies_with_subject_visible_to(membership=ms, subject=subject).values_list(
                        "pk", flat=True
                    )
                )
                allowed = can_see_subject(membership=ms, company=c, subject=subject)
                assert (c.pk in shared) == allowed, (name, c.name, subject)


@pytest.mark.parametrize("name", USERS)
def test_baseline_levels(people, name):
    assert levels(people, name) == BASELINE[name]


def test_querysets_agree_with_company_access_in_every_situation(people):
    cast = people
    assert_querysets_agree(cast)
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    assert_querysets_agree(cast)
    enroll(cast, cast.other_company, leader=cast.itc, bank=cast.bank)
    assert_querysets_agree(cast)
    request = MatchingRequest.objects.create(
        consortium=cast.consortium, company=cast.other_company, title="t", category="iot"
    )
    request.vendors.set([cast.vendor])
    CompanyShare.objects.create(
        consortium=cast.consortium,
        company=cast.company,
        organization=cast.other_vendor,
        subject="plan",
        granted_by=cast.company_user,
    )
    assert_querysets_agree(cast)


def test_assigned_advisor_sees_in_full(people):
    cast = people
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    assert levels(cast, "itc") == (F, N, N)


def test_track_leader_of_another_region_sees_in_full_and_the_track_bank_reads(people):
    cast = people
    enroll(cast, cast.other_company, leader=cast.itc, bank=cast.bank)
    assert levels(cast, "itc") == (S, F, N)
    assert levels(cast, "bank_user") == (R, R, N)  # 常陽 assists the track: linked
    assert levels(cast, "itc_nagano") == (N, S, N)  # the region's ITC still sees the stage only


def test_vendor_sees_the_stage_of_companies_it_was_addressed_by(people):
    cast = people
    request = MatchingRequest.objects.create(
        consortium=cast.consortium, company=cast.other_company, title="t", category="iot"
    )
    request.vendors.set([cast.vendor])
    assert levels(cast, "vendor_user") == (N, S, N)
    assert levels(cast, "other_vendor_user") == (N, N, N)
    assert not can_see_subject(
        membership=m(cast, "vendor_user"), company=cast.other_company, subject="diagnosis"
    )


def test_a_share_opens_one_subject_until_revoked(people):
    cast = people
    share = CompanyShare.objects.create(
        consortium=cast.consortium,
        company=cast.other_company,
        organization=cast.bank,
        subject="diagnosis",
        granted_by=cast.other_company_user,
    )
    bank = m(cast, "bank_user")
    assert levels(cast, "bank_user") == (R, S, N)
    assert can_see_subject(membership=bank, company=cast.other_company, subject="diagnosis")
    assert not can_see_subject(membership=bank, company=cast.other_company, subject="plan")
    share.revoked_at = timezone.now()
    share.save()
    assert levels(cast, "bank_user") == (R, N, N)
    assert not can_see_subject(membership=bank, company=cast.other_company, subject="diagnosis")


def test_inactive_membership_sees_nothing(people):
    cast = people
    Membership.objects.filter(user=cast.coordinator).update(is_active=False)
    assert levels(cast, "coordinator") == (N, N, N)
    assert not companies_visible_to(membership=m(cast, "coordinator")).exists()


def test_full_read_subjects_without_share(people):
    cast = people
    for name, expected in [
        ("bank_user", True),
        ("association_user", False),
        ("itc", False),
        ("coordinator", True),
    ]:
        for subject in ("diagnosis", "plan"):
            assert (
                can_see_subject(membership=m(cast, name), company=cast.company, subject=subject) is expected
            )
