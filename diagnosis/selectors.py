"""Reads for diagnosis: visible diagnoses, one diagnosis, the form's item tree and the results.

All functions expect the tenant scope to be active (``ConsortiumMiddleware`` does it for requests).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from programs import access
from programs.models import CompanyShare, Membership

from .models import AdvisorSession, Diagnosis, DiagnosisAnswer, IndexGroup, IndexItem, MaturityLevel

LEADING_MEAN = 3  # 先行企業: mean current maturity over the 35 items of 3 or more (IPA reports)
TOP_N = 3
TWO_PLACES = Decimal("0.01")


def diagnoses_visible_to(*, membership: Membership) -> QuerySet[Diagnosis]:
    """Diagnoses the membership may see (``programs.access``), newest first.

    Those of the companies it sees in full (coordinator: all; regional coordinator: its region; assigned
    ITC; bank staff: its bank's linked companies; company member: its own) and of the companies that
    shared their diagnosis with its organization. An ITC of the region without an assignment,
    association staff and vendors without a share: none.
    """
    companies = access.companies_with_subject_visible_to(
        membership=membership, subject=CompanyShare.Subject.DIAGNOSIS
    )
    return (
        Diagnosis.objects.filter(consortium=membership.consortium)
        .filter(company__in=companies.values("pk"))
        .select_related("company", "edition")
    )


def diagnosis_get_visible(*, membership: Membership, pk: int) -> Diagnosis:
    """One diagnosis the membership may see; ``Http404`` for missing, other tenant and not visible alike."""
    diagnosis = (
        diagnoses_visible_to(membership=membership)
        .select_related("company", "company__region", "company__consortium", "edition")
        .filter(pk=pk)
        .first()
    )
    if diagnosis is None:
        raise Http404("No such diagnosis.")
    return diagnosis


def diagnosis_latest_for_company(*, company: Any) -> Diagnosis | None:
    """The company's newest diagnosis (draft or submitted), or None."""
    return (
        Diagnosis.objects.filter(consortium=company.consortium_id, company=company)
        .select_related("edition")
        .order_by("-created_at", "-pk")
        .first()
    )


def maturity_levels(*, edition_id: int) -> list[MaturityLevel]:
    """The edition's maturity levels 0–5 in order."""
    return list(MaturityLevel.objects.filter(edition=edition_id).order_by("level"))


def index_tree(*, edition_id: int) -> list[dict[str, Any]]:
    """The edition's items as the index presents them: groups, key questions, sub-questions under them.

    Shape: ``[{"group": IndexGroup, "keys": [{"item": IndexItem, "subs": [IndexItem, …]}, …]}, …]``.
    Two queries.
    """
    groups = list(IndexGroup.objects.filter(edition=edition_id).order_by("order"))
    items = list(IndexItem.objects.filter(edition=edition_id).order_by("order"))
    tree = {g.pk: {"group": g, "keys": []} for g in groups}
    keys: dict[int, dict[str, Any]] = {}
    for item in items:
        if item.kind == IndexItem.Kind.KEY or item.parent_id not in keys:
            node = {"item": item, "subs": []}
            keys[item.pk] = node
            tree[item.group_id]["keys"].append(node)
        else:
            keys[item.parent_id]["subs"].append(item)
    return [tree[g.pk] for g in groups]


def _mean(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    currents = [r["current"] for r in rows if r["current"] is not None]
    targets = [r["target"] for r in rows if r["target"] is not None]
    current, target = _mean(currents), _mean(targets)
    return {
        "count": len(rows),
        "answered_current": len(currents),
        "answered_target": len(targets),
        "current": current,
        "target": target,
        "gap": (target - current) if current is not None and target is not None else None,
    }


def diagnosis_results(*, diagnosis: Diagnosis) -> dict[str, Any]:
    """Results of one diagnosis, in the way IPA's benchmark sheets present them. Four queries.

    Maturity: int 0–5 (DX推進指標 2019 levels). Means are plain means over the answered items
    (current and target each over the items that have a value), ``Decimal`` rounded half-up to 2 places,
    None when nothing is answered; gap = mean target − mean current.
    Returns::

        {
          "overall": {"count", "answered_current", "answered_target", "current", "target", "gap"},
          "groups": [{"key", "name", "short_name", same keys as overall}, …],   # 経営 19 / IT 16
          "rows": [{"item", "code", "title", "kind", "group_key", "current", "current_name", "target",
                    "target_name", "gap", "evidence", "action"}, …],             # index order
          "top": rows[:3] highest current (ties in index order), "worst": 3 lowest current,
          "is_leading": bool,  # 先行企業: every item answered and mean current ≥ 3
          "levels": [MaturityLevel 0–5], "advisor_session": AdvisorSession | None,
        }
    """
    levels = maturity_levels(edition_id=diagnosis.edition_id)
    level_names = {lv.level: lv.name for lv in levels}
    groups = list(IndexGroup.objects.filter(edition=diagnosis.edition_id).order_by("order"))
    answers = list(
        DiagnosisAnswer.objects.filter(diagnosis=diagnosis).select_related("item").order_by("item__order")
    )
    session = AdvisorSession.objects.filter(diagnosis=diagnosis).select_related("advisor").first()
    group_keys = {g.pk: g.key for g in groups}
    rows = [
        {
            "item": a.item,
            "code": a.item.code,
            "title": a.item.title,
            "kind": a.item.kind,
            "group_key": group_keys.get(a.item.group_id),
            "current": a.current,
            "current_name": level_names.get(a.current, ""),
            "target": a.target,
            "target_name": level_names.get(a.target, ""),
            "gap": (a.target - a.current) if a.current is not None and a.target is not None else None,
            "evidence": a.evidence,
            "action": a.action,
        }
        for a in answers
    ]
    overall = _summary(rows)
    group_summaries = [
        {
            "key": g.key,
            "name": g.name,
            "short_name": g.short_name,
            **_summary([r for r in rows if r["group_key"] == g.key]),
        }
        for g in groups
    ]
    answered = [(i, r) for i, r in enumerate(rows) if r["current"] is not None]
    top = [r for _, r in sorted(answered, key=lambda p: (-p[1]["current"], p[0]))[:TOP_N]]
    worst = [r for _, r in sorted(answered, key=lambda p: (p[1]["current"], p[0]))[:TOP_N]]
    currents = [r["current"] for r in rows if r["current"] is not None]
    is_leading = bool(rows) and len(currents) == len(rows) and sum(currents) >= LEADING_MEAN * len(currents)
    return {
        "overall": overall,
        "groups": group_summaries,
        "rows": rows,
        "top": top,
        "worst": worst,
        "is_leading": is_leading,
        "levels": levels,
        "advisor_session": session,
    }
