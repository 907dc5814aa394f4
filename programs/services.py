"""Writes for programs. Keyword-only, typed; each runs in one transaction."""

from __future__ import annotations

from django.db import transaction

from .models import Company

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
