"""Writes of participations: joining a program, moving the stage forward."""

from __future__ import annotations

from django.db import transaction

from dxcommunity.tenancy.models import Company
from programs.closing import program_require_open
from programs.models import STAGE_ORDER, Participation, Program


@transaction.atomic
def participation_join(
    *, company: Company, program: Program, previous: Participation | None = None
) -> Participation:
    """The company's participation in ``program``, created on first use (idempotent: one per company per
    program, the company row locked first).

    A new participation is linked to ``previous`` or, by default, to the company's latest participation
    in a program of an earlier fiscal year (継続 / applying again). Raises ``ProgramClosed`` (a
    ValidationError) when ``program`` is closed (事業完了) and the company is not in it yet; ValueError
    when the company and the program are of different consortia.
    """
    if company.consortium_id != program.consortium_id:
        raise ValueError("company and program belong to different consortia")
    Company.objects.select_for_update().filter(pk=company.pk).first()
    existing = Participation.objects.filter(company=company, program=program).first()
    if existing is not None:
        return existing
    program_require_open(program=program)
    if previous is None:
        previous = (
            Participation.objects.filter(company=company, program__fiscal_year__lt=program.fiscal_year)
            .order_by("-program__fiscal_year", "-pk")
            .first()
        )
    participation = Participation(
        consortium_id=company.consortium_id, company=company, program=program, previous=previous
    )
    participation.full_clean()
    participation.save()
    return participation


@transaction.atomic
def participation_advance_stage(*, participation: Participation, stage: str) -> Participation:
    """Move ``participation.stage`` forward to ``stage`` (a ``Participation.Stage`` value); never back.

    Raises ValueError for an unknown stage. History (django-simple-history) records the change.
    """
    if stage not in STAGE_ORDER:
        raise ValueError(f"unknown stage {stage!r}; allowed: {', '.join(STAGE_ORDER)}")
    if STAGE_ORDER.index(stage) > STAGE_ORDER.index(participation.stage):
        participation.stage = stage
        participation.save(update_fields=["stage", "updated_at"])
    return participation
