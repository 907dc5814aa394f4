"""Writes for programs. Keyword-only, typed; each runs in one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dxcommunity.idempotency import create_once
from dxcommunity.tenancy.models import Company, Region
from programs.closing import window_require
from programs.models import (
    Event,
    Participation,
    Program,
    SelfDiagnosisApplication,
    SeminarRegistration,
)
from programs.participations.services import participation_advance_stage, participation_join


def seminar_register(
    *, event: Event, name: str, email: str, company: Company | None = None, on_demand: bool = False
) -> SeminarRegistration:
    """Register one person for ``event`` (see ``services_program.seminar_register``, which also handles
    capacity and the waitlist, closed and finished events); returns the registration.

    Raises ValidationError({"email": ...}) when that email is already registered for the event, and
    ({"event": ...}) for members-only events (キックオフ連絡会, 構成員報告会) when a company registers.
    """
    from programs.events.services import seminar_register as register

    return register(
        event=event,
        name=name,
        email=email,
        company=company,
        on_demand=on_demand,
        members_only_ok=company is None,
    ).registration


@transaction.atomic
def application_submit(
    *,
    program: Program,
    company: Company,
    user,
    applicant_name: str,
    organization_name: str,
    email: str,
    region: Region,
    department_title: str = "",
    message_to_office: str = "",
    idempotency_key: str | None = None,
) -> SelfDiagnosisApplication:
    """Submit the 自己診断申し込み of ``company`` for ``program``: the company joins the program (its
    ``Participation``, created on first use) and that participation moves to APPLIED.

    Refused after the program's 自己診断期間 or in a closed program (ValidationError({"program": ...})
    naming the window, ``programs.closing.window_require``). One per company per program: a second one
    raises ValidationError({"__all__": ...}) (the company row is locked first, so two at once cannot
    both pass that check). ``region`` must be one of the program's
    regions (ValidationError({"region": ...})). The same form sent twice (same ``idempotency_key``,
    dxcommunity.idempotency) returns the first application instead of the error.
    """
    company = Company.objects.select_for_update().get(pk=company.pk)
    return create_once(
        key=idempotency_key,
        scope="programs.application_submit",
        consortium_id=program.consortium_id,
        user=user,
        create=lambda: _application_submit(
            program=program,
            company=company,
            user=user,
            applicant_name=applicant_name,
            organization_name=organization_name,
            email=email,
            region=region,
            department_title=department_title,
            message_to_office=message_to_office,
        ),
    )[0]


def _application_submit(
    *,
    program: Program,
    company: Company,
    user,
    applicant_name: str,
    organization_name: str,
    email: str,
    region: Region,
    department_title: str,
    message_to_office: str,
) -> SelfDiagnosisApplication:
    window_require(program=program, phase="self_diagnosis")
    if SelfDiagnosisApplication.objects.filter(program=program, company=company).exists():
        raise ValidationError(
            _("%(company)s はこの事業の自己診断に申し込み済みです（1社1回）。") % {"company": company.name}
        )
    if program.regions.exists() and not program.regions.filter(pk=region.pk).exists():
        raise ValidationError({"region": _("この事業の地域から選んでください。")})
    application = SelfDiagnosisApplication(
        consortium_id=program.consortium_id,
        program=program,
        company=company,
        applicant_name=applicant_name,
        organization_name=organization_name,
        department_title=department_title,
        email=email,
        region=region,
        message_to_office=message_to_office,
        submitted_by=user,
    )
    application.full_clean()
    application.save()
    participation = participation_join(company=company, program=program)
    participation_advance_stage(participation=participation, stage=Participation.Stage.APPLIED)
    return application
