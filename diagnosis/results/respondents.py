"""Reads for several respondents (経営者 and department heads) of one diagnosis, item by item."""

from __future__ import annotations

from typing import Any

from diagnosis.models import Diagnosis, RespondentAnswer
from dxcommunity.tenancy.models import Membership
from dxcommunity.ui.names import person_name


def respondents_of(*, diagnosis: Diagnosis) -> list[dict[str, Any]]:
    """Who answered: ``[{"user", "label", "is_executive": bool (経営者), "count": answered items}]``,
    経営者 first, then by name."""
    rows = RespondentAnswer.objects.filter(diagnosis=diagnosis).select_related("respondent")
    people: dict[int, dict[str, Any]] = {}
    for row in rows:
        p = people.setdefault(
            row.respondent_id,
            {"user": row.respondent, "label": person_name(row.respondent), "count": 0},
        )
        if row.current is not None or row.target is not None:
            p["count"] += 1
    executives = set(
        Membership.objects.filter(
            consortium=diagnosis.consortium_id,
            company=diagnosis.company_id,
            user__in=list(people),
            is_executive=True,
        ).values_list("user_id", flat=True)
    )
    for uid, p in people.items():
        p["is_executive"] = uid in executives
    return sorted(people.values(), key=lambda p: (not p["is_executive"], p["label"]))


def _spread(values: list[int | None]) -> int:
    known = [v for v in values if v is not None]
    return max(known) - min(known) if len(known) >= 2 else 0


def respondent_comparison(*, diagnosis: Diagnosis) -> dict[str, Any]:
    """The respondents' answers side by side per item, and where they disagree.

    Returns ``{"respondents": respondents_of(...), "items": {item_id: {"answers": [{"who": respondent
    dict, "answer": RespondentAnswer | None} per respondent, same order], "disagree": bool,
    "current_spread": int, "target_spread": int}}, "disagree_count": int}``.
    Disagreement: at least two respondents gave a current (or a target) and
    their values differ (spread ≥ 1 level). Two queries.
    """
    respondents = respondents_of(diagnosis=diagnosis)
    by_item: dict[int, dict[int, RespondentAnswer]] = {}
    for row in RespondentAnswer.objects.filter(diagnosis=diagnosis):
        by_item.setdefault(row.item_id, {})[row.respondent_id] = row
    items: dict[int, dict[str, Any]] = {}
    for item_id, rows in by_item.items():
        answers = [rows.get(p["user"].pk) for p in respondents]
        current_spread = _spread([a.current if a else None for a in answers])
        target_spread = _spread([a.target if a else None for a in answers])
        items[item_id] = {
            "answers": [{"who": p, "answer": a} for p, a in zip(respondents, answers, strict=True)],
            "current_spread": current_spread,
            "target_spread": target_spread,
            "disagree": current_spread >= 1 or target_spread >= 1,
        }
    return {
        "respondents": respondents,
        "items": items,
        "disagree_count": sum(1 for v in items.values() if v["disagree"]),
    }
