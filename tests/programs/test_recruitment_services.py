"""Recruitment services: name normalization, duplicate detection, waitlist, recommendations, acceptance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dxcommunity.accounts.models import Invitation
from dxcommunity.tenancy.models import Company, Membership, Region
from programs.models import CompanyApplication
from programs.recruitment import services
from programs.recruitment.selectors import (
    application_counts,
    duplicate_groups,
    recommendations_of,
    waitlist_next,
    waitlist_positions,
)
from tests.conftest import add_member, make_user

pytestmark = pytest.mark.django_db
Status = CompanyApplication.Status


def data(cast, name="株式会社ひたちなか精機", email=None, region=None, **extra):
    """A cleaned-data dict as the public form gives it."""
    return {
        "company_name": name,
        "applicant_name": "山田 太郎",
        "email": email or f"{abs(hash(name)) % 10**8}@example.jp",
        "region": region or cast.ibaraki,
        "industry": Company.Industry.MANUFACTURING,
        "employees": 42,
        "executive_participant": "山田 太郎",
        "staff_participant": "佐藤 花子",
        "motivation": "受発注をデジタル化したい",
        "privacy_consent": True,
        **extra,
    }


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("株式会社テスト精密", "テスト精密株式会社"),
        ("テスト精密（株）", "(株)テスト精密"),
        ("株式会社　テスト　精密", "テスト精密"),  # full-width spaces
        ("ＴＥＳＴ精密 有限会社", "test精密"),  # full-width letters, upper case
        ("合同会社ミライ", "ミライ（同）"),
        ("㈱ミライ", "ミライ"),
    ],
)
def test_normalization_equates_legal_forms_spaces_and_widths(a, b):
    assert services.normalize_company_name(a) == services.normalize_company_name(b)


def test_normalization_keeps_different_companies_apart():
    assert services.normalize_company_name("テスト精密") != services.normalize_company_name("テスト精工")
    assert services.normalize_company_name("株式会社") == ""


def test_same_name_with_legal_form_suffix_is_a_duplicate_of_the_first(cast):
    first = services.application_submit(program=cast.program, data=data(cast, "株式会社ひたちなか精機"))
    second = services.application_submit(
        program=cast.program, data=data(cast, "ひたちなか精機（株）", email="other@example.jp")
    )
    third = services.application_submit(
        program=cast.program, data=data(cast, "ひたちなか　精機 株式会社", email="third@example.jp")
    )
    assert first.status == Status.RECEIVED and first.duplicate_of is None
    assert second.status == Status.DUPLICATE and second.duplicate_of == first
    assert third.status == Status.DUPLICATE and third.duplicate_of == first
    groups = duplicate_groups(applications=list(CompanyApplication.objects.filter(program=cast.program)))
    assert [(g["original"], g["duplicates"]) for g in groups] == [(first, [second, third])]


def test_same_email_with_a_different_name_is_a_duplicate(cast):
    first = services.application_submit(
        program=cast.program, data=data(cast, "水戸ロジスティクス", email="Info@Mito.example.jp")
    )
    second = services.application_submit(
        program=cast.program, data=data(cast, "みとロジ", email="info@mito.example.jp")
    )
    assert second.status == Status.DUPLICATE and second.duplicate_of == first


def test_a_different_company_is_not_a_duplicate(cast):
    services.application_submit(program=cast.program, data=data(cast, "ひたちなか精機"))
    other = services.application_submit(program=cast.program, data=data(cast, "ひたちなか精工"))
    assert other.status == Status.RECEIVED


def test_name_of_an_existing_company_links_it(cast):
    app = services.application_submit(program=cast.program, data=data(cast, "テスト精密工業（株）"))
    assert app.company == cast.company
    assert app.status == Status.RECEIVED  # an existing company is linked, not a duplicate


def test_region_must_be_one_of_the_programs(cast):
    other_region = Region.objects.create(consortium=cast.consortium, name="栃木県", key="tochigi")
    with pytest.raises(ValidationError) as exc:
        services.application_submit(program=cast.program, data=data(cast, region=other_region))
    assert "region" in exc.value.message_dict


def test_confirmation_mail_goes_to_the_applicant(cast, mailoutbox):
    services.application_submit(program=cast.program, data=data(cast, email="ceo@hitachinaka.example.jp"))
    assert [m.to for m in mailoutbox] == [["ceo@hitachinaka.example.jp"]]
    assert "受け付けました" in mailoutbox[0].subject


def test_over_capacity_goes_to_the_waitlist_in_order_and_promotion(cast):
    cast.program.capacity = 2
    cast.program.save()
    apps = [
        services.application_submit(program=cast.program, data=data(cast, f"企業{i}")) for i in range(1, 5)
    ]
    assert [a.status for a in apps] == [
        Status.RECEIVED,
        Status.RECEIVED,
        Status.WAITLISTED,
        Status.WAITLISTED,
    ]
    assert waitlist_positions(program=cast.program) == {apps[2].pk: 1, apps[3].pk: 2}
    # A duplicate does not take a place nor a waitlist position.
    dup = services.application_submit(program=cast.program, data=data(cast, "企業1", email="x@example.jp"))
    assert dup.status == Status.DUPLICATE
    assert application_counts(program=cast.program)["live"] == 2
    # Withdrawing a live one suggests the first in line; promotion is the coordinator's act.
    _app, suggestion = services.application_withdraw(application=apps[0], actor=cast.coordinator)
    assert suggestion == apps[2]
    services.application_promote(application=apps[2], actor=cast.coordinator)
    apps[2].refresh_from_db()
    assert apps[2].status == Status.RECEIVED
    assert waitlist_positions(program=cast.program) == {apps[3].pk: 1}
    assert waitlist_next(program=cast.program) == apps[3]
    # Withdrawing a waitlisted one frees no place: no suggestion.
    _app, suggestion = services.application_withdraw(application=apps[3], actor=cast.coordinator)
    assert suggestion is None


def test_only_waitlisted_can_be_promoted(cast):
    app = services.application_submit(program=cast.program, data=data(cast))
    with pytest.raises(ValidationError):
        services.application_promote(application=app, actor=cast.coordinator)


def test_not_a_duplicate_and_merge(cast):
    first = services.application_submit(
        program=cast.program, data=data(cast, "笠間製作所", phone="", current_issues="")
    )
    dup = services.application_submit(
        program=cast.program,
        data=data(
            cast, "笠間製作所（株）", email="b@example.jp", phone="029-000-0000", current_issues="在庫"
        ),
    )
    dup2 = services.application_submit(program=cast.program, data=data(cast, "株式会社笠間製作所"))
    original = services.application_merge(application=dup, actor=cast.coordinator)
    dup.refresh_from_db()
    assert original == first and dup.status == Status.WITHDRAWN
    assert original.phone == "029-000-0000" and original.current_issues == "在庫"
    services.application_not_duplicate(application=dup2, actor=cast.coordinator)
    dup2.refresh_from_db()
    assert dup2.status == Status.RECEIVED and dup2.duplicate_of is None


def test_actions_need_a_coordinator(cast):
    app = services.application_submit(program=cast.program, data=data(cast))
    for user in (cast.itc, cast.bank_user, cast.company_user, cast.stranger_coordinator):
        with pytest.raises(PermissionDenied):
            services.application_reject(application=app, actor=user)


def test_regional_coordinator_acts_in_its_region_only(cast):
    regional = make_user("regional@example.com", "地域 まとめ")
    add_member(cast.consortium, regional, Membership.Role.REGIONAL_COORDINATOR, region=cast.nagano)
    ibaraki = services.application_submit(program=cast.program, data=data(cast, "茨城の会社"))
    nagano = services.application_submit(
        program=cast.program, data=data(cast, "長野の会社", region=cast.nagano)
    )
    with pytest.raises(PermissionDenied):
        services.application_reject(application=ibaraki, actor=regional)
    assert services.application_reject(application=nagano, actor=regional).status == Status.REJECTED


def test_recommendation_records_organization_and_user(cast):
    app = services.recommendation_submit(
        program=cast.program,
        user=cast.bank_user,
        data=data(cast, "常陽取引先工業", recommendation_note="DX融資の相談あり"),
    )
    assert app.source == CompanyApplication.Source.RECOMMENDATION
    assert app.recommended_by == cast.bank and app.recommended_by_user == cast.bank_user
    assert app.privacy_consent is False
    with pytest.raises(PermissionDenied):
        services.recommendation_submit(program=cast.program, user=cast.itc, data=data(cast, "x"))


def test_bank_sees_only_its_own_organizations_recommendations(cast):
    mine = services.recommendation_submit(program=cast.program, user=cast.bank_user, data=data(cast, "A社"))
    theirs = services.recommendation_submit(
        program=cast.program, user=cast.other_bank_user, data=data(cast, "B社", region=cast.nagano)
    )
    public = services.application_submit(program=cast.program, data=data(cast, "C社"))
    own = Membership.objects.get(user=cast.bank_user)
    other = Membership.objects.get(user=cast.other_bank_user)
    assert list(recommendations_of(membership=own)) == [mine]
    assert list(recommendations_of(membership=other)) == [theirs]
    assert public not in recommendations_of(membership=own)


def test_recommendation_is_checked_for_duplicates_too(cast):
    first = services.application_submit(program=cast.program, data=data(cast, "ひたちなか精機"))
    rec = services.recommendation_submit(
        program=cast.program, user=cast.association_user, data=data(cast, "（株）ひたちなか精機")
    )
    assert rec.status == Status.DUPLICATE and rec.duplicate_of == first


def test_accept_creates_the_company_and_invites_the_executive(cast, mailoutbox):
    app = services.recommendation_submit(
        program=cast.program,
        user=cast.bank_user,
        data=data(cast, "株式会社つくば電子", email="ceo@tsukuba.example.jp", employees=30),
    )
    services.application_accept(application=app, actor=cast.coordinator, base_url="https://dx.example.jp")
    app.refresh_from_db()
    company = app.company
    assert app.status == Status.INVITED
    assert (company.name, company.region, company.industry, company.employees) == (
        "株式会社つくば電子",
        cast.ibaraki,
        Company.Industry.MANUFACTURING,
        30,
    )
    assert company.participations.get().program == cast.program and company.recommended_by == cast.bank
    invitation = app.invitation
    assert (invitation.email, invitation.role, invitation.company, invitation.is_executive) == (
        "ceo@tsukuba.example.jp",
        Membership.Role.COMPANY_MEMBER,
        company,
        True,
    )
    assert any("https://dx.example.jp/invitations/" in m.body for m in mailoutbox)


def test_accept_links_an_existing_company(cast):
    app = services.application_submit(
        program=cast.program, data=data(cast, "テスト精密工業（株）", email="new-ceo@example.jp")
    )
    services.application_accept(application=app, actor=cast.coordinator)
    app.refresh_from_db()
    assert app.company == cast.company
    assert Company.objects.filter(consortium=cast.consortium).count() == 2
    assert Invitation.objects.get(email="new-ceo@example.jp").company == cast.company


def test_accept_with_an_email_already_invited_saves_nothing(cast):
    app = services.application_submit(
        program=cast.program, data=data(cast, "新会社", email="ceo@example.com")
    )
    with pytest.raises(ValidationError):
        services.application_accept(application=app, actor=cast.coordinator)  # already a member
    app.refresh_from_db()
    assert app.status == Status.RECEIVED and app.company is None
    assert not Company.objects.filter(name="新会社").exists()


def test_rate_limit_counts_per_key(settings):
    from django.core.cache import cache

    cache.clear()
    hits = [services.rate_limit_exceeded(key="t:1.2.3.4", limit=2, window=60) for _ in range(4)]
    assert hits == [False, False, True, True]
    assert services.rate_limit_exceeded(key="t:5.6.7.8", limit=2, window=60) is False


def test_dates_do_not_matter_to_the_service(cast):
    """The window is the public form's business (views); an office-side submission is always recorded."""
    cast.program.recruitment_until = dt.date(2022, 6, 30)
    cast.program.save()
    assert services.application_submit(program=cast.program, data=data(cast)).pk
