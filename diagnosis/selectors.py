"""Reads for diagnosis: visible diagnoses, one diagnosis, the form's item tree and the results.

All functions expect the tenant scope to be active (``ConsortiumMiddleware`` does it for requests).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, QuerySet, Subquery, Sum, TextField, Value

from diagnosis.models import (
    AdvisorItemNote,
    AdvisorSession,
    Diagnosis,
    DiagnosisAnswer,
    IndexGroup,
    IndexItem,
    IpaBenchmark,
    MaturityLevel,
)
from dxcommunity import access
from dxcommunity.consent.models import CompanyShare
from dxcommunity.tenancy.models import Membership

LEADING_MEAN = 3  # 先行企業: mean current maturity over the 35 items of 3 or more (IPA reports)
TOP_N = 3
# DX stage of SMEs (N=6,620; IPA survey): share in % per 段階1–4, context for the self-assessment.
SME_DX_STAGE_SHARES = {1: Decimal("20.3"), 2: Decimal("45.9"), 3: Decimal("29.2"), 4: Decimal("4.6")}
SME_DX_STAGE_N = 6620
TWO_PLACES = Decimal("0.01")


def diagnoses_visible_to(*, membership: Membership) -> QuerySet[Diagnosis]:
    """Diagnoses the membership may see (``dxcommunity.access``), newest first.

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


def diagnosis_get_visible(
    *, membership: Membership, pk: int, perm: str | None = None, perm_on=None, user=None
) -> Diagnosis:
    """One diagnosis the membership may see; ``Http404`` for missing, other tenant and not visible alike.

    ``perm`` (a rule on the diagnosis, or on ``perm_on(diagnosis)``, e.g. the company): refused means
    ``PermissionDenied`` (403); ``user``: the acting user (``request.user``). See ``access.object_get_for``.
    """
    queryset = diagnoses_visible_to(membership=membership).select_related(
        "company",
        "company__region",
        "company__consortium",
        "edition",
        "advisor",
        # The result page shows the advice: read it in the same query (reverse one-to-one).
        "advisor_session",
        "advisor_session__advisor",
    )
    # The queryset is the visibility (diagnoses_visible_to): no second company filter.
    return access.object_get_for(
        membership, queryset, pk=pk, perm=perm, perm_on=perm_on, company_field=None, user=user
    )


def diagnosis_latest_for_company(*, company: Any, participation: Any = None) -> Diagnosis | None:
    """The company's newest diagnosis (draft or submitted) — of ``participation`` when given — or None."""
    qs = Diagnosis.objects.filter(consortium=company.consortium_id, company=company)
    if participation is not None:
        qs = qs.filter(participation=participation)
    return qs.select_related("edition").order_by("-created_at", "-pk").first()


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


def _advisor_session(diagnosis: Diagnosis) -> AdvisorSession | None:
    """The diagnosis's advice; no query when ``diagnosis_get_visible`` already joined it."""
    if Diagnosis.advisor_session.is_cached(diagnosis):
        return getattr(diagnosis, "advisor_session", None)
    return AdvisorSession.objects.filter(diagnosis=diagnosis).select_related("advisor").first()


def diagnosis_results(*, diagnosis: Diagnosis) -> dict[str, Any]:
    """Results of one diagnosis, in the way IPA's benchmark sheets present them. Four queries (three
    when the advisor session was joined by ``diagnosis_get_visible``).

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
    session = _advisor_session(diagnosis)
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


def _ratio(total: int | None, count: int | None) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total or 0) / Decimal(count)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def consortium_item_means(*, consortium_id: int, edition_id: int) -> dict[str, Any]:
    """Mean maturity per item over the consortium's SUBMITTED diagnoses of the edition. ONE query.

    Drafts and other consortia are excluded. Means are ``Decimal`` (2 places, half-up) over the answers
    that have a value. Returns ``{"items": {item_id: {"current", "target", "n"}}, "sums": {item_id:
    (current_sum, current_count, target_sum, target_count)}, "diagnoses": int}`` where ``n`` is the
    number of diagnoses answering the item and ``diagnoses`` the largest ``n`` (the submitted count).
    """
    rows = (
        DiagnosisAnswer.objects.filter(
            consortium_id=consortium_id,
            diagnosis__consortium_id=consortium_id,
            diagnosis__edition_id=edition_id,
            diagnosis__status=Diagnosis.Status.SUBMITTED,
        )
        .values("item_id")
        .annotate(
            current_sum=Sum("current"),
            current_n=Count("current"),
            target_sum=Sum("target"),
            target_n=Count("target"),
            n=Count("diagnosis_id"),
        )
        .order_by()
    )
    items: dict[int, dict[str, Any]] = {}
    sums: dict[int, tuple[int, int, int, int]] = {}
    for r in rows:
        items[r["item_id"]] = {
            "current": _ratio(r["current_sum"], r["current_n"]),
            "target": _ratio(r["target_sum"], r["target_n"]),
            "n": r["n"],
        }
        sums[r["item_id"]] = (r["current_sum"] or 0, r["current_n"], r["target_sum"] or 0, r["target_n"])
    return {"items": items, "sums": sums, "diagnoses": max((v["n"] for v in items.values()), default=0)}


def _pooled(sums: list[tuple[int, int, int, int]]) -> dict[str, Decimal | None]:
    """Mean over all answers pooled (= mean of the diagnoses' means when every item is answered)."""
    return {
        "current": _ratio(sum(s[0] for s in sums), sum(s[1] for s in sums)),
        "target": _ratio(sum(s[2] for s in sums), sum(s[3] for s in sums)),
    }


def ipa_benchmark_latest(*, edition_id: int) -> IpaBenchmark | None:
    """IPA's latest published national figures for the edition (the row with the highest year), or None."""
    return IpaBenchmark.objects.filter(edition_id=edition_id).order_by("-year").first()


def _ipa_series(benchmark: IpaBenchmark | None) -> dict[str, Any] | None:
    """IPA figures as the page shows them: overall and per group (None where not published)."""
    if benchmark is None:
        return None
    return {
        "year": benchmark.year,
        "n": benchmark.companies,
        "source": benchmark.source_note,
        "overall": {"current": benchmark.mean_current, "target": benchmark.mean_target},
        "groups": {
            "management": {
                "current": benchmark.mean_current_management,
                "target": benchmark.mean_target_management,
            },
            "it_system": {"current": benchmark.mean_current_it, "target": benchmark.mean_target_it},
        },
    }


def diagnosis_comparison(*, diagnosis: Diagnosis, results: dict[str, Any]) -> dict[str, Any]:
    """Comparison series for the result page and PDF. Two queries (consortium aggregate, IPA row).

    ``results``: the output of ``diagnosis_results`` for this diagnosis (its rows get ``consortium`` keys).
    Per-item national figures are not known here (IPA's per-item tables could not be reached): the IPA
    series is the overall mean of the latest year, with per-group means where known (2024), always with
    its year and n. Returns::

        {"consortium": {"diagnoses": int, "overall": {"current", "target"},
                        "groups": {group_key: {"current", "target"}}},
         "ipa": {"year", "n", "source", "overall": {...}, "groups": {group_key: {...}}} | None,
         "dx_stage_shares": [(stage int, label, share % Decimal, is_own bool)], "dx_stage_n": 6620}
    """
    means = consortium_item_means(consortium_id=diagnosis.consortium_id, edition_id=diagnosis.edition_id)
    by_group: dict[str, list[tuple[int, int, int, int]]] = {}
    for row in results["rows"]:
        item_id = row["item"].pk
        row["consortium"] = means["items"].get(item_id, {"current": None, "target": None, "n": 0})
        if item_id in means["sums"]:
            by_group.setdefault(row["group_key"], []).append(means["sums"][item_id])
    all_sums = list(means["sums"].values())
    return {
        "consortium": {
            "diagnoses": means["diagnoses"],
            "overall": _pooled(all_sums),
            "groups": {key: _pooled(sums) for key, sums in by_group.items()},
        },
        "ipa": _ipa_series(ipa_benchmark_latest(edition_id=diagnosis.edition_id)),
        "dx_stage_shares": [
            (stage, label, SME_DX_STAGE_SHARES[stage], diagnosis.dx_stage == stage)
            for stage, label in Diagnosis.DxStage.choices
        ],
        "dx_stage_n": SME_DX_STAGE_N,
    }


def advisor_item_notes(*, session: AdvisorSession | None) -> tuple[dict[int, str], set[int]]:
    """The session's hearing notes by item id and its weak items (強化すべき項目) as item ids.

    One query (a UNION ALL of the notes and the weak-item links; none when ``session`` is None).
    Returns ``({item_id: note}, {item_id, …})``.
    """
    if session is None:
        return {}, set()
    notes = AdvisorItemNote.objects.filter(
        consortium_id=session.consortium_id, advisor_session=session
    ).values_list("item_id", "note")
    weak = (
        AdvisorSession.weak_items.through.objects.filter(advisorsession_id=session.pk)
        .annotate(note=Value(None, output_field=TextField()))
        .values_list("indexitem_id", "note")
    )
    by_item: dict[int, str] = {}
    weak_ids: set[int] = set()
    for item_id, note in notes.union(weak, all=True):
        if note is None:
            weak_ids.add(item_id)
        else:
            by_item[item_id] = note
    return by_item, weak_ids


def diagnoses_submitted(*, company_id: int, consortium_id: int) -> QuerySet[Diagnosis]:
    """The company's submitted diagnoses (提出済), oldest first: by ``created_at``, then ``pk``. A company has
    at most one draft at a time and submits it before starting the next, so this is also the order in
    which they were submitted. The last one is 「最新の診断」, the one before a diagnosis its 「前回の診断」
    (``diagnosis_previous``)."""
    return Diagnosis.objects.filter(
        consortium=consortium_id, company=company_id, status=Diagnosis.Status.SUBMITTED
    ).order_by("created_at", "pk")


def diagnosis_latest_submitted(*, company_id: int, consortium_id: int) -> Diagnosis | None:
    """「最新の診断」: the last of ``diagnoses_submitted``, or None. One query."""
    return diagnoses_submitted(company_id=company_id, consortium_id=consortium_id).last()


def diagnosis_previous_queryset(*, diagnosis: Diagnosis) -> QuerySet[Diagnosis]:
    """The candidates for 「前回の診断」 of ``diagnosis``, the previous one first: the company's submitted
    diagnoses created before it (any edition of the DX推進指標), newest first. For subqueries; use
    ``diagnosis_previous`` for the row."""
    return (
        diagnoses_submitted(company_id=diagnosis.company_id, consortium_id=diagnosis.consortium_id)
        .filter(created_at__lt=diagnosis.created_at)
        .exclude(pk=diagnosis.pk)
        .order_by("-created_at", "-pk")
    )


def diagnosis_previous(*, diagnosis: Diagnosis) -> Diagnosis | None:
    """「前回の診断」 of ``diagnosis``: the company's latest submitted diagnosis created before it, of any
    edition, or None. The one rule of the re-diagnosis (「前回の回答から始める」), the change per item
    of the result page (Δ; only when both are of the same edition: the items differ otherwise) and the
    reports. One query."""
    return diagnosis_previous_queryset(diagnosis=diagnosis).first()


def diagnosis_changes_or_none(*, diagnosis: Diagnosis, rows: list[dict[str, Any]]) -> dict[int, Any] | None:
    """Change per item since the company's previous submitted diagnosis, by item id; None when there is
    none (the page then hides the Δ column).

    Rows are ``selectors_changes.ItemChange`` (item, prev_current, current, delta, prev_target, target),
    the type of ``selectors_changes.diagnosis_changes``; the previous diagnosis is
    ``diagnosis_previous``. The present answers are taken from ``rows`` (the result rows already
    loaded) instead of being read again: one query.
    """
    from diagnosis.results.changes import ItemChange

    # 「前回の診断」 (``diagnosis_previous``) as a subquery: its answers in one query, none when it is of
    # another edition (its items are not these).
    previous = diagnosis_previous_queryset(diagnosis=diagnosis).values("pk")[:1]
    before = {
        a.item_id: a
        for a in DiagnosisAnswer.objects.filter(
            consortium_id=diagnosis.consortium_id,
            diagnosis_id=Subquery(previous),
            diagnosis__edition=diagnosis.edition_id,
        )
    }
    if not before:
        return None
    changes = {}
    for row in rows:
        b = before.get(row["item"].pk)
        prev_current = b.current if b else None
        current = row["current"]
        changes[row["item"].pk] = ItemChange(
            item=row["item"],
            prev_current=prev_current,
            current=current,
            delta=current - prev_current if current is not None and prev_current is not None else None,
            prev_target=b.target if b else None,
            target=row["target"],
        )
    return changes


def diagnosis_result_page(*, diagnosis: Diagnosis) -> dict[str, Any]:
    """Everything the result page and the result PDF show, as one dict (about 9 queries, constant in
    the number of diagnoses of the consortium): ``results`` (``diagnosis_results``; rows get
    ``consortium`` and ``change`` keys), ``comparison`` (``diagnosis_comparison``), ``charts``
    (``charts.result_charts``), ``has_changes`` bool, ``item_notes`` {item id: note}, ``weak_item_ids``.
    """
    from diagnosis.results.charts import result_charts

    results = diagnosis_results(diagnosis=diagnosis)
    comparison = diagnosis_comparison(diagnosis=diagnosis, results=results)
    changes = diagnosis_changes_or_none(diagnosis=diagnosis, rows=results["rows"])
    session = results["advisor_session"]
    notes, weak_ids = advisor_item_notes(session=session)
    for row in results["rows"]:
        row["change"] = changes.get(row["item"].pk) if changes else None
        row["advisor_note"] = notes.get(row["item"].pk, "")
        row["is_weak"] = row["item"].pk in weak_ids
    return {
        "results": results,
        "comparison": comparison,
        "charts": result_charts(results=results, comparison=comparison),
        "has_changes": changes is not None,
        "item_notes": notes,
        "weak_rows": [r for r in results["rows"] if r["is_weak"]],
    }


# ------------------------------------------------------------------------------ the selection meeting's view


def _latest_diagnoses(company_ids: list[int], consortium_id: int) -> dict[int, Any]:
    """{company id: its diagnosis to show}: the newest submitted one, else the newest draft. One query."""
    chosen: dict[int, Any] = {}
    rows = Diagnosis.objects.filter(consortium=consortium_id, company__in=company_ids).order_by(
        "company_id", "-submitted_at", "-created_at", "-pk"
    )
    for d in rows.only("pk", "company_id", "status", "submitted_at", "created_at"):
        current = chosen.get(d.company_id)
        if current is None or (
            current.status != Diagnosis.Status.SUBMITTED and d.status == Diagnosis.Status.SUBMITTED
        ):
            chosen[d.company_id] = d
    return chosen


def diagnosis_group_means(*, diagnosis_ids: list[int], consortium_id: int) -> dict[int, dict[str, Any]]:
    """Mean current / target maturity per group (経営 ``management`` / IT ``it_system``) for many diagnoses in
    ONE query: ``{diagnosis id: {group key: {"current": Decimal | None, "target": Decimal | None}}}``.

    The same figures as ``diagnosis.selectors.diagnosis_results(...)["groups"]`` (plain means over the
    answered items, 2 places half-up, using its ``_ratio``), without its four queries per diagnosis.
    """
    result: dict[int, dict[str, Any]] = {}
    if not diagnosis_ids:
        return result
    rows = (
        DiagnosisAnswer.objects.filter(consortium_id=consortium_id, diagnosis_id__in=diagnosis_ids)
        .values("diagnosis_id", "item__group__key")
        .annotate(cs=Sum("current"), cn=Count("current"), ts=Sum("target"), tn=Count("target"))
        .order_by()
    )
    for r in rows:
        result.setdefault(r["diagnosis_id"], {})[r["item__group__key"]] = {
            "current": _ratio(r["cs"], r["cn"]),
            "target": _ratio(r["ts"], r["tn"]),
        }
    return result


def selection_diagnosis_summaries(*, company_ids: list[int], consortium_id: int) -> dict[str, Any]:
    """What the 支援企業選出検討会 board shows of the applicants' diagnoses, in 3 queries whatever their
    number.

    Returns ``{"diagnoses": {company id: Diagnosis} (``_latest_diagnoses``), "means": {diagnosis id: {group
    key: {"current", "target"}}} (``diagnosis_group_means``), "advised": {company ids with a recorded DX診断
    アドバイス}}``. Provided to programs' recruitment as the ``selection.diagnosis_summaries`` hook.
    """
    diagnoses = _latest_diagnoses(company_ids, consortium_id)
    means = diagnosis_group_means(
        diagnosis_ids=[d.pk for d in diagnoses.values()], consortium_id=consortium_id
    )
    advised = set(
        AdvisorSession.objects.filter(consortium=consortium_id, company__in=company_ids).values_list(
            "company_id", flat=True
        )
    )
    return {"diagnoses": diagnoses, "means": means, "advised": advised}
