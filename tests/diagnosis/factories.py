"""Helpers for diagnosis tests: fill answers, build a submitted diagnosis."""

from __future__ import annotations

from diagnosis.models import Diagnosis, IndexItem
from diagnosis.services import diagnosis_save_draft, diagnosis_start, diagnosis_submit


def item_codes(edition) -> list[str]:
    return list(IndexItem.objects.filter(edition=edition).order_by("order").values_list("code", flat=True))


def all_answers(edition, *, current=2, target=4, skip=()) -> dict:
    """current/target: an int for every item, or a dict code -> int."""
    answers = {}
    for code in item_codes(edition):
        if code in skip:
            continue
        c = current[code] if isinstance(current, dict) else current
        t = target[code] if isinstance(target, dict) else target
        answers[code] = {"current": c, "target": t}
    return answers


def submitted_diagnosis(cast, *, current=2, target=4) -> Diagnosis:
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers=all_answers(diagnosis.edition, current=current, target=target),
        meta={"advice_mode": Diagnosis.AdviceMode.ONLINE, "dx_stage": 2},
    )
    return diagnosis_submit(diagnosis=diagnosis, user=cast.company_user)
