"""Reads for re-diagnosis: the change per item since the company's previous submitted diagnosis, and
between any two diagnoses of the company (``diagnosis_item_changes``, the history page's T0 → T1).

Kept apart from ``selectors.py`` (results and charts) so that the form side and the result side can
change independently; the result page calls ``diagnosis_changes``.
"""

from __future__ import annotations

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from diagnosis.models import Diagnosis, DiagnosisAnswer, IndexGroup, IndexItem
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


class ItemPairChange(NamedTuple):
    """One item's maturity in two diagnoses of the same edition (T0 → T1): ints 0–5 (None = not
    answered); ``delta`` = ``b_current`` − ``a_current`` (None unless both are known)."""

    item: IndexItem
    group: IndexGroup
    a_current: int | None
    b_current: int | None
    delta: int | None

    @property
    def changed(self) -> bool:
        """The current maturity moved (up or down) between the two diagnoses."""
        return bool(self.delta)

    @property
    def size(self) -> int | None:
        """|delta| (the page writes the sign itself: ＋ / −)."""
        return abs(self.delta) if self.delta is not None else None


def diagnosis_item_changes(*, a: Diagnosis, b: Diagnosis) -> list[ItemPairChange]:
    """Per item of the edition (index order) the current maturity in ``a`` and in ``b`` and the change
    b − a. Two queries (the edition's items with their group, the answers of both diagnoses).

    ``a`` and ``b`` are two diagnoses of the same company, in the order the page compares them (usually
    the earlier one first; any order is computed as given). Raises ``ValidationError`` (code
    ``edition_mismatch``) when they are of different editions of the DX推進指標 (their items are not the
    same), and (code ``other_company``) when they are not of the same company.
    """
    if a.company_id != b.company_id or a.consortium_id != b.consortium_id:
        raise ValidationError(_("別の企業の自己診断とは比較できません。"), code="other_company")
    if a.edition_id != b.edition_id:
        raise ValidationError(
            _("DX推進指標の版が異なる自己診断は比較できません（項目が同じではありません）。"),
            code="edition_mismatch",
        )
    currents: dict[tuple[int, int], int | None] = {
        (diagnosis_id, item_id): current
        for diagnosis_id, item_id, current in DiagnosisAnswer.objects.filter(
            consortium_id=a.consortium_id, diagnosis_id__in=[a.pk, b.pk]
        ).values_list("diagnosis_id", "item_id", "current")
    }
    rows = []
    items = IndexItem.objects.filter(edition=a.edition_id).select_related("group")
    for item in items.order_by("group__order", "order"):
        before, after = currents.get((a.pk, item.pk)), currents.get((b.pk, item.pk))
        delta = after - before if before is not None and after is not None else None
        rows.append(
            ItemPairChange(item=item, group=item.group, a_current=before, b_current=after, delta=delta)
        )
    return rows
