"""programs services: seminar registration and the self-diagnosis application."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from programs.companies.services import application_submit, seminar_register
from programs.models import Event, Participation, SelfDiagnosisApplication

pytestmark = pytest.mark.django_db


def test_seminar_register_refuses_duplicate_email(cast):
    event = Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=Event.Kind.DX_SEMINAR,
        title="DXセミナー(1)",
        starts_at=timezone.now() + dt.timedelta(days=30),  # not over: over events refuse registration
    )
    seminar_register(event=event, name="精密 太郎", email="ceo@example.com", company=cast.company)
    with pytest.raises(ValidationError) as exc:
        seminar_register(event=event, name="精密 太郎", email="CEO@example.com", company=cast.company)
    assert "email" in exc.value.error_dict


def test_application_submit_one_per_company(cast):
    kwargs = dict(
        program=cast.program,
        company=cast.company,
        user=cast.company_user,
        applicant_name="精密 太郎",
        organization_name=cast.company.name,
        email="ceo@example.com",
        region=cast.ibaraki,
    )
    application_submit(**kwargs)
    assert Participation.objects.get(pk=cast.participation.pk).stage == Participation.Stage.APPLIED
    with pytest.raises(ValidationError):
        application_submit(**kwargs)
    assert SelfDiagnosisApplication.objects.count() == 1


def test_application_count_counts_each_applicant_company_once(cast):
    """応募社数 = live 応募 + companies that applied only through the 自己診断申し込み."""
    from programs.companies.selectors import application_count
    from programs.models import CompanyApplication

    def app(name, status="received", company=None):
        return CompanyApplication.objects.create(
            consortium=cast.consortium,
            program=cast.program,
            company=company,
            company_name=name,
            company_name_normalized=name,
            applicant_name="応募 花子",
            email=f"{len(name)}-{status}@example.com",
            region=cast.ibaraki,
            status=status,
        )

    assert application_count(program=cast.program) == 0
    app("甲商事")  # public form, no company yet
    app(cast.company.name, status="invited", company=cast.company)
    app("甲商事（重複）", status="duplicate")
    app("乙建設", status="withdrawn")
    for company in (cast.company, cast.other_company):  # cast.company is counted once
        SelfDiagnosisApplication.objects.create(
            consortium=cast.consortium,
            program=cast.program,
            company=company,
            applicant_name="x",
            organization_name=company.name,
            email="x@example.com",
            region=company.region,
        )
    assert application_count(program=cast.program) == 3
