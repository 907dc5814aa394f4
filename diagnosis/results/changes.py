"""Reads for re-diagnosis: the change per item since the company's previous submitted diagnosis.

Kept apart from ``selectors.py`` (results and charts) so that the form side and the result side can
change independently; the result page calls ``diagnosis_changes``.
"""

from __future__ import annotations

from typing import NamedTuple

from diagnosis.models import Diagnosis, DiagnosisAnswer, IndexItem
from diagnosis.selectors import diagnosis_previous


class ItemChange(NamedTuple):
    """One item's change: maturity ints 0–5 (None = not answered); delta = current − prev_current."""

    item: IndexItem
    prev_current: int | None
    current: int | None
    delta: int | None
    prev_target: int | None
    target: int | None


def diagnosis_changes(*, diagnosis: Diagnosis) -> list[ItemChange]:
    """Per item (index order) the previous and present maturity, against 「前回の診断」
    (``selectors.diagnosis_previous``); ``[]`` when there is none or when it is of another edition. Each
    row is an ``ItemChange`` tuple ``(item, prev_current, current, delta, prev_target, target)``; delta is
    None unless both currents are known. Three queries.
    """
    previous = diagnosis_previous(diagnosis=diagnosis)
    if previous is None or previous.edition_id != diagnosis.edition_id:
        return []
    before = {a.item_id: a for a in DiagnosisAnswer.objects.filter(diagnosis=previous)}
    now = {a.item_id: a for a in DiagnosisAnswer.objects.filter(diagnosis=diagnosis)}
    rows = []
    for item in IndexItem.objects.filter(edition=diagnosis.edition_id).order_by("order"):
        b, n = before.get(item.pk), now.get(item.pk)
        prev_current = b.current if b else None
        current = n.current if n else None
        delta = current - prev_current if current is not None and prev_current is not None else None
        rows.append(
            ItemChange(
                item=item,
                prev_current=prev_current,
                current=current,
                delta=delta,
                prev_target=b.target if b else None,
                target=n.target if n else None,
            )
        )
    return rows
