"""Writes for programs. Keyword-only, typed; each runs in one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dxcommunity.idempotency import create_once
from dxcommunity.tenancy.models import Company, Region
from programs.models import Event, Program, SelfDiagnosisApplication, SeminarRegistration

STAGE_ORDER: list[str] = list(Company.Stage.values)


@transaction.atomic
def company_advance_stage(*, company: Company, stage: str) -> Company:
    """Move ``company.stage`` forward to ``stage`` (a ``Company.Stage`` value); never moves it back.

    Matching is reachable from any stage at or after DIAGNOSED. Raises ValueError for an unknown stage.
    History (django-simple-history) records the change and the acting user of the request.
    """
    if stage not in STAGE_ORDER:
        raise ValueError(f"unknown stage {stage!r}; allowed: {', '.join(STAGE_ORDER)}")
    if STAGE_ORDER.index(stage) > STAGE_ORDER.index(company.stage):
        company.stage = stage
        company.save(update_fields=["stage", "updated_at"])
    return company


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
    """Submit the 自己診断申し込み of ``company`` for ``program`` and move the company to APPLIED.

    One per company per program: a second one raises ValidationError({"__all__": ...}) (the company row
    is locked first, so two at once cannot both pass that check). ``region`` must be one of the program's
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
    if company.program_id is None:
        company.program = program
        company.save(update_fields=["program", "updated_at"])
    company_advance_stage(company=company, stage=Company.Stage.APPLIED)
    return application
