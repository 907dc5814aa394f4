"""Aggregates of one program (or of a fiscal year = several programs) for the coordinator's dashboard
(事業ごとのダッシュボード) and the results report (実績報告書).

Everything is counted over a queryset of companies the viewer may see (``dxcommunity.access``): a regional
coordinator passes the companies of its region and gets its region's figures.

The query count does not depend on the number of companies: 7 grouped queries in all
(funnel per company combination, unlinked applications, sessions, satisfaction, seminar events, region
names, referrer names); the per-company work happens inside SQL (``EXISTS`` per stage) and Python only
folds the grouped rows (at most regions × industries × referrers × stage combinations).

The funnel (counted in companies, each stage independently: "reached this stage in the program"):
the stages and who counts in each are defined in ``reports.facts.company_stage_conditions``; the
companies of the program ("population", 対象企業) in ``reports.facts.program_companies_q``; applications
not yet linked to a company count as 応募 by their own region / industry / recommender
(``reports.facts.applications``). Sessions, satisfaction and seminar attendance count what
``reports.facts`` defines (``program_sessions``, ``satisfaction_responses``, ``seminar_events`` with
``signed_up_q`` / ``attended_q``); this module only groups and formats them (whole % for rates,
one decimal for means and the 満足以上 share).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accompaniment.models import AccompanimentSession, SatisfactionResponse
from dxcommunity.tenancy.models import Company, MemberOrganization, Region
from programs.models import (
    CompanyApplication,
    Program,
    SeminarRegistration,
)
from reports import facts

# (key, label) in funnel order.
STAGES: tuple[tuple[str, Any], ...] = (
    ("seminar", _("セミナー参加")),
    ("applied", _("応募")),
    ("diagnosed", _("自己診断提出")),
    ("advised", _("DX診断アドバイス")),
    ("accompaniment", _("伴走支援")),
    ("plan_completed", _("計画書完成")),
    ("matching", _("マッチング")),
    ("contract", _("契約")),
)
STAGE_KEYS: tuple[str, ...] = tuple(k for k, _label in STAGES)
NO_REFERRER = 0  # key of the row "推薦なし" in ``by_referrer``


@dataclass
class FunnelRow:
    """One row of a breakdown: ``key`` (region id / industry value / organization id, 0 = none), ``label``,
    ``companies`` (population), ``counts`` {stage key: companies}."""

    key: Any
    label: str
    companies: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGE_KEYS, 0))

    @property
    def cells(self) -> list[int]:
        """Counts in funnel order (for templates and spreadsheets)."""
        return [self.counts[k] for k in STAGE_KEYS]


@dataclass
class ProgramMetrics:
    """What the dashboard shows. Counts are companies unless said otherwise.

    - ``funnel``: [{"key", "label", "count", "rate" (% of the previous stage, int or None), "width" (% of
      the largest stage, 0–100)}] in funnel order;
    - ``total``: FunnelRow over everything; ``by_region`` / ``by_industry`` / ``by_referrer``: FunnelRows;
    - ``sessions``: {"total", "held", "due" (dated ≤ today), "held_due" (held and dated ≤ today),
      "cancelled", "open_due" (due, not held), "held_pct" (held of total, int %), "due_pct" (held of due,
      int %), "held_w" / "open_w" (bar widths, %)} and
      ``sessions_by_region`` [{"label", ... the same keys}] (sessions of visible companies' tracks);
    - ``satisfaction``: {"session": {...}, "final": {...}} each {"n", "mean" (1 decimal or None),
      "satisfied_pct" (share answering 4 or 5, 1 decimal or None), "usefulness_mean"} and
      ``satisfaction_by_number`` [{"number", "n", "mean", "satisfied_pct"}] (after each session);
    - ``events``: [{"event", "registered", "waitlisted", "attended_live", "on_demand", "attended"}]
      (people, not companies: registrations of each event).
    """

    programs: list[Program]
    today: dt.date
    funnel: list[dict[str, Any]]
    total: FunnelRow
    by_region: list[FunnelRow]
    by_industry: list[FunnelRow]
    by_referrer: list[FunnelRow]
    sessions: dict[str, Any]
    sessions_by_region: list[dict[str, Any]]
    satisfaction: dict[str, dict[str, Any]]
    satisfaction_by_number: list[dict[str, Any]]
    events: list[dict[str, Any]]


def _pct(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _satisfaction_figures(n: int, total: int, satisfied: int, useful_n: int, useful_total: int) -> dict:
    return {
        "n": n,
        "mean": round(total / n, 1) if n else None,
        "satisfied_pct": round(100 * satisfied / n, 1) if n else None,
        "usefulness_mean": round(useful_total / useful_n, 1) if useful_n else None,
    }


def program_metrics(
    *,
    programs: Sequence[Program],
    companies: QuerySet[Company],
    region_ids: Sequence[int] | None = None,
    today: dt.date | None = None,
) -> ProgramMetrics:
    """The dashboard's figures for ``programs`` (one program, or the programs of a fiscal year) over
    ``companies`` (the visible companies, e.g. ``dxcommunity.access.companies_visible_to``).

    ``region_ids``: None = every region; else applications not linked to a company and events are limited
    to these regions (events without a region are shared and always counted) — pass the regional
    coordinator's region. ``today`` (default: local date) splits sessions planned to date.
    Always 7 queries, whatever the number of companies.
    """
    programs = list(programs)
    today = today or timezone.localdate()
    if not programs:
        raise ValueError("program_metrics needs at least one program")
    consortium_id = programs[0].consortium_id
    ids = [p.pk for p in programs]
    conditions = facts.company_stage_conditions(consortium_id=consortium_id, program_ids=ids)
    # The recommender of the company's first recommended application (of any program: filtering on the
    # program too makes SQLite search by program instead of by company, once per company).
    app_referrer = (
        CompanyApplication._base_manager.filter(company=OuterRef("pk"), recommended_by__isnull=False)
        .order_by("created_at")
        .values("recommended_by")[:1]
    )
    # 1. One row per combination of (region, industry, referrer, stage flags) with its number of companies.
    combos = list(
        companies.filter(facts.program_companies_q(consortium_id=consortium_id, program_ids=ids))
        .annotate(
            referrer=Coalesce("recommended_by", Subquery(app_referrer), output_field=IntegerField()),
            **conditions,
        )
        .values("region_id", "industry", "referrer", *STAGE_KEYS)
        .annotate(n=Count("pk"))
        .order_by()
    )
    # 2. Applications without a company yet (public form, recommendations not yet invited).
    unlinked = facts.applications(consortium_id=consortium_id, program_ids=ids).filter(company__isnull=True)
    if region_ids is not None:
        unlinked = unlinked.filter(region__in=list(region_ids))
    for row in (
        unlinked.values("region_id", "industry", "recommended_by_id").annotate(n=Count("pk")).order_by()
    ):
        combos.append(
            {
                "region_id": row["region_id"],
                "industry": row["industry"],
                "referrer": row["recommended_by_id"],
                **dict.fromkeys(STAGE_KEYS, False),
                "applied": True,
                "n": row["n"],
            }
        )
    # 3, 4. Names of regions and referring organizations (the consortium's; few rows).
    regions = {r.pk: r.name for r in Region.objects.filter(consortium_id=consortium_id).order_by("key")}
    referrer_ids = {c["referrer"] for c in combos if c["referrer"]}
    orgs = {
        o.pk: o.name
        for o in MemberOrganization.objects.filter(consortium_id=consortium_id, pk__in=referrer_ids).only(
            "pk", "name"
        )
    }
    industries = dict(Company.Industry.choices)
    total = FunnelRow(key=None, label=str(_("合計")))
    shown_regions = [k for k in regions if region_ids is None or k in region_ids]
    by_region: dict[Any, FunnelRow] = {k: FunnelRow(key=k, label=regions[k]) for k in shown_regions}
    by_industry: dict[Any, FunnelRow] = {}
    by_referrer: dict[Any, FunnelRow] = {}
    for c in combos:
        referrer = c["referrer"] or NO_REFERRER
        rows = (
            total,
            by_region.setdefault(
                c["region_id"], FunnelRow(key=c["region_id"], label=regions.get(c["region_id"], "—"))
            ),
            by_industry.setdefault(
                c["industry"], FunnelRow(key=c["industry"], label=str(industries.get(c["industry"], "—")))
            ),
            by_referrer.setdefault(
                referrer,
                FunnelRow(key=referrer, label=orgs.get(referrer) or str(_("推薦なし（直接応募など）"))),
            ),
        )
        for row in rows:
            row.companies += c["n"]
            for k in STAGE_KEYS:
                if c[k]:
                    row.counts[k] += c["n"]
    largest = max(total.counts.values()) or 1
    funnel, previous = [], None
    for key, label in STAGES:
        count = total.counts[key]
        funnel.append(
            {
                "key": key,
                "label": label,
                "count": count,
                "rate": _pct(count, previous) if previous is not None else None,
                "width": round(100 * count / largest),
            }
        )
        previous = count
    industry_order = list(industries)
    # 5. Sessions held vs planned, by region.
    session_rows = (
        facts.program_sessions(consortium_id=consortium_id, program_ids=ids)
        .filter(track__company__in=companies)
        .values("track__company__region_id")
        .annotate(
            total=Count("pk"),
            held=Count("pk", filter=facts.session_held_q()),
            due=Count("pk", filter=Q(date__lte=today)),
            held_due=Count("pk", filter=Q(date__lte=today) & facts.session_held_q()),
            cancelled=Count("pk", filter=Q(status=AccompanimentSession.Status.CANCELLED)),
        )
        .order_by()
    )
    keys = ("total", "held", "due", "held_due", "cancelled")
    sessions = dict.fromkeys(keys, 0)
    per_region: dict[Any, dict[str, Any]] = {}
    for row in session_rows:
        rid = row["track__company__region_id"]
        per_region[rid] = {"key": rid, "label": regions.get(rid, "—"), **{k: row[k] for k in keys}}
        for k in keys:
            sessions[k] += row[k]

    def _with_pcts(d: dict[str, Any]) -> dict[str, Any]:
        open_due = d["due"] - d["held_due"]
        return {
            **d,
            "open_due": open_due,
            "held_pct": _pct(d["held"], d["total"]),
            "due_pct": _pct(d["held_due"], d["due"]),
            # widths (%) of the stacked bar: held, then dated ≤ today but not held
            "held_w": round(100 * d["held"] / d["total"], 1) if d["total"] else 0,
            "open_w": round(100 * open_due / d["total"], 1) if d["total"] else 0,
        }

    sessions = _with_pcts(sessions)
    sessions_by_region = [
        _with_pcts(per_region[k])
        for k in [*regions, *(k for k in per_region if k not in regions)]
        if k in per_region
    ]
    # 6. Satisfaction per kind and session number.
    sat_rows = (
        facts.satisfaction_responses(consortium_id=consortium_id, program_ids=ids)
        .filter(company__in=companies)
        .values("kind", "session__number")
        .annotate(
            n=Count("pk"),
            total=Sum("satisfaction"),
            satisfied=Count("pk", filter=facts.satisfied_q()),
            useful_n=Count("usefulness"),
            useful_total=Sum("usefulness"),
        )
        .order_by()
    )
    sums = {k: [0, 0, 0, 0, 0] for k in SatisfactionResponse.Kind.values}
    by_number: dict[int, list[int]] = {}
    for row in sat_rows:
        parts = [row["n"], row["total"] or 0, row["satisfied"], row["useful_n"], row["useful_total"] or 0]
        acc = sums[row["kind"]]
        for i, v in enumerate(parts):
            acc[i] += v
        if row["kind"] == SatisfactionResponse.Kind.SESSION and row["session__number"] is not None:
            acc_n = by_number.setdefault(row["session__number"], [0, 0, 0, 0, 0])
            for i, v in enumerate(parts):
                acc_n[i] += v
    satisfaction = {kind: _satisfaction_figures(*acc) for kind, acc in sums.items()}
    satisfaction_by_number = [
        {"number": number, **_satisfaction_figures(*by_number[number])} for number in sorted(by_number)
    ]
    # 7. Seminar attendance per event (people).
    events_qs = facts.seminar_events(consortium_id=consortium_id, program_ids=ids).select_related("region")
    if region_ids is not None:
        events_qs = events_qs.filter(Q(region__isnull=True) | Q(region__in=list(region_ids)))
    signed_up = facts.signed_up_q("registrations__")
    attended = facts.attended_q("registrations__")
    events = [
        {
            "event": e,
            "registered": e.n_registered,
            "waitlisted": e.n_waitlisted,
            "attended_live": e.n_live,
            "on_demand": e.n_on_demand,
            "attended": e.n_live + e.n_on_demand,
        }
        for e in events_qs.annotate(
            n_registered=Count("registrations", filter=signed_up),
            n_waitlisted=Count(
                "registrations", filter=Q(registrations__status=SeminarRegistration.Status.WAITLISTED)
            ),
            n_live=Count("registrations", filter=attended & Q(registrations__on_demand=False)),
            n_on_demand=Count("registrations", filter=attended & Q(registrations__on_demand=True)),
        ).order_by("starts_at", "pk")
    ]
    return ProgramMetrics(
        programs=programs,
        today=today,
        funnel=funnel,
        total=total,
        by_region=list(by_region.values()),
        by_industry=sorted(
            by_industry.values(),
            key=lambda r: industry_order.index(r.key) if r.key in industry_order else len(industry_order),
        ),
        by_referrer=sorted(by_referrer.values(), key=lambda r: (r.key == NO_REFERRER, -r.companies, r.label)),
        sessions=sessions,
        sessions_by_region=sessions_by_region,
        satisfaction=satisfaction,
        satisfaction_by_number=satisfaction_by_number,
        events=events,
    )
