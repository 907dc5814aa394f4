"""実績報告書（集計）: the figures of the results report, per program or per fiscal year.

``results_report_data`` gathers every section with grouped SQL queries (a constant number of queries,
whatever the number of companies); ``results_report_xlsx`` (``reports.results.xlsx``) writes it as a
workbook and ``templates/reports/results_report.html`` as a PDF.

The official form of the funder (交付要綱様式第6 別添様式) is not known in this repository: this is the
aggregation to transcribe into it, not the form itself.

Who counts where is defined in ``reports.facts``: 支援企業 and their kind (``supported_companies``), 応募
(``applications`` + ``self_diagnosis_only``), the sessions (``program_sessions``), 計画書完成
(``plans_approved``), the matching needs of the programs (``matching_needs``), the seminars
(``seminar_events``, ``signed_up_q``, ``attended_q``) and the アンケート (``satisfaction_responses``,
``satisfied_q``). This module groups them per section and rounds half-up (means to 2 places, shares to
1 decimal).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accompaniment.models import AccompanimentSession, AccompanimentTrack, DxPlan, SatisfactionResponse
from dxcommunity.tenancy.models import Company, Consortium, Region
from matching.models import Category, MatchingRequest
from programs.closing import closed_on_text
from programs.models import (
    CompanyApplication,
    Program,
    ProgramAmendment,
    SelectionDecision,
    SeminarRegistration,
    fiscal_year_label,
)
from reports import facts
from reports.results.xlsx import results_workbook

KIND_ACCOMPANIMENT, KIND_MATCHING, KINDS = facts.KIND_ACCOMPANIMENT, facts.KIND_MATCHING, facts.KINDS
kind_label = facts.kind_label
# Matching pipeline order: the furthest step a company's needs reached (declined ranks lowest).
MATCHING_RANK = {
    MatchingRequest.Status.DECLINED: 0,
    MatchingRequest.Status.HEARING: 1,
    MatchingRequest.Status.CANDIDATES: 2,
    MatchingRequest.Status.INTRODUCTION: 3,
    MatchingRequest.Status.PROPOSAL: 4,
    MatchingRequest.Status.CONTRACT: 5,
}
TWO_PLACES = Decimal("0.01")
ONE_PLACE = Decimal("0.1")


def _round(value: Any, places: Decimal = TWO_PLACES) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)


def _percent(part: int, whole: int) -> Decimal | None:
    """``part / whole`` in % rounded half-up to 1 place; None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def results_programs(
    *, consortium: Consortium, program: Program | None, fiscal_year: int | None
) -> list[Program]:
    """The programs in scope: ``[program]``, or every program of ``fiscal_year`` (by name).

    Raises ValueError unless exactly one of ``program`` / ``fiscal_year`` is given, or when ``program``
    belongs to another consortium.
    """
    if (program is None) == (fiscal_year is None):
        raise ValueError("exactly one of program / fiscal_year")
    if program is not None:
        if program.consortium_id != consortium.pk:
            raise ValueError("program of another consortium")
        return [program]
    return list(Program.objects.filter(consortium=consortium, fiscal_year=fiscal_year).order_by("name"))


def supported_companies(
    *, consortium: Consortium, programs: list[Program], companies: QuerySet | None = None
):
    """Companies supported in ``programs`` (``reports.facts.supported_companies``), annotated with
    ``kind`` (``accompaniment`` / ``matching``). ``companies`` limits them (what the user may see)."""
    return facts.supported_companies(
        consortium_id=consortium.pk, program_ids=[p.pk for p in programs], companies=companies
    )


def _count_subquery(qs: QuerySet, group: str) -> Coalesce:
    """``Count`` of ``qs`` (already filtered on OuterRef) as an int annotation, 0 when none."""
    return Coalesce(
        Subquery(
            qs.order_by().values(group).annotate(c=Count("pk")).values("c")[:1], output_field=IntegerField()
        ),
        0,
    )


def supported_company_rows(
    *, consortium: Consortium, programs: list[Program], companies: QuerySet | None = None
) -> QuerySet[Company]:
    """One row per supported company (one query), ordered by kind, region, name, with: ``kind``,
    ``sessions_held`` / ``sessions_total`` (int, sessions of its track in the programs), ``plan_status``
    (DxPlan.Status value or None), ``plan_approved_at``, ``needs`` (int, matching needs), ``matching_status``
    (the furthest MatchingRequest.Status reached, or None), ``contracts`` (int), ``contract_amount`` (円,
    sum over contracted needs, or None); ``region`` and ``recommended_by`` joined."""
    program_ids = [p.pk for p in programs]
    sessions = facts.program_sessions(consortium_id=consortium.pk, program_ids=program_ids).filter(
        track__company=OuterRef("pk")
    )
    needs = facts.matching_needs(consortium_id=consortium.pk, program_ids=program_ids).filter(
        company=OuterRef("pk")
    )
    rank = Case(
        *[When(status=status, then=Value(r)) for status, r in MATCHING_RANK.items()],
        output_field=IntegerField(),
    )
    # The plan of the company's participation in these programs (a later year's plan is another report's).
    plan = facts.program_plans(consortium_id=consortium.pk, program_ids=program_ids).filter(
        company=OuterRef("pk")
    )
    contracted = needs.filter(status=MatchingRequest.Status.CONTRACT)
    return (
        supported_companies(consortium=consortium, programs=programs, companies=companies)
        .select_related("region", "recommended_by")
        .annotate(
            sessions_held=_count_subquery(sessions.filter(facts.session_held_q()), "track"),
            sessions_total=_count_subquery(sessions, "track"),
            plan_status=Subquery(plan.values("status")[:1]),
            plan_approved_at=Subquery(plan.values("approved_at")[:1]),
            needs=_count_subquery(needs, "company"),
            matching_status=Subquery(needs.annotate(rank=rank).order_by("-rank").values("status")[:1]),
            contracts=_count_subquery(contracted, "company"),
            contract_amount=Subquery(
                contracted.order_by().values("company").annotate(s=Sum("contract_amount")).values("s")[:1],
                output_field=IntegerField(),
            ),
        )
        .order_by("kind", "region__key", "name")
    )


def _cross_table(*, grouped: list[dict[str, Any]], regions: list[Region]) -> dict[str, Any]:
    """The kind × region × industry table: {"industries": [(value, label)], "rows": [{"kind", "kind_label",
    "region" (name or ""), "counts": [int per industry], "total": int, "level": "row"|"kind"|"total"}],
    "by_region": [(name, n)], "by_industry": [(label, n)], "by_kind": {kind: n}, "total": n}."""
    industries = list(Company.Industry.choices)
    counts: dict[tuple[str, int, str], int] = {}
    for g in grouped:
        counts[(g["kind"], g["region_id"], g["industry"])] = g["n"]
    rows: list[dict[str, Any]] = []
    grand = [0] * len(industries)
    by_kind: dict[str, int] = {}
    for kind in KINDS:
        sub = [0] * len(industries)
        for region in regions:
            line = [counts.get((kind, region.pk, value), 0) for value, _label in industries]
            sub = [a + b for a, b in zip(sub, line, strict=True)]
            rows.append(
                {
                    "kind": kind,
                    "kind_label": kind_label(kind),
                    "region": region.name,
                    "counts": line,
                    "total": sum(line),
                    "level": "row",
                }
            )
        by_kind[kind] = sum(sub)
        grand = [a + b for a, b in zip(grand, sub, strict=True)]
        rows.append(
            {
                "kind": kind,
                "kind_label": _("%(kind)s 計") % {"kind": kind_label(kind)},
                "region": "",
                "counts": sub,
                "total": sum(sub),
                "level": "kind",
            }
        )
    rows.append(
        {
            "kind": "",
            "kind_label": _("合計"),
            "region": "",
            "counts": grand,
            "total": sum(grand),
            "level": "total",
        }
    )
    by_region = [
        (r.name, sum(n for (k, rid, _i), n in counts.items() if rid == r.pk and k in KINDS)) for r in regions
    ]
    return {
        "industries": industries,
        "rows": rows,
        "by_kind": by_kind,
        "by_region": by_region,
        "by_industry": [(str(label), n) for (_v, label), n in zip(industries, grand, strict=True)],
        "total": sum(grand),
    }


def results_report_data(
    *,
    consortium: Consortium,
    program: Program | None = None,
    fiscal_year: int | None = None,
    companies: QuerySet | None = None,
) -> dict[str, Any]:
    """The figures of the 実績報告書 for one program or for every program of a fiscal year.

    Exactly one of ``program`` / ``fiscal_year`` (int, starting year: 2022 = 令和4年度); ValueError
    otherwise. ``companies`` (a Company queryset) limits everything to those companies — what the user
    may see (a regional coordinator: its region); applications and seminar registrations without a
    company then count when their region is one of those companies' regions.
    About 14 queries (one more for a closed program's amendments), whatever the number of companies.
    Needs the tenant scope active.

    Returns::

        {
          "title": "実績報告書（集計）", "scope_label": str, "fiscal_year": int, "fiscal_year_label": str,
          "programs": [Program], "restricted": bool, "regions": [Region], "generated_at": datetime,
          "supported": {cross table, see _cross_table},
          "companies": [Company rows of supported_company_rows],
          "applications": {"applicants": n (duplicates excluded), "by_status": [(label, n)], "capacity": n,
                           "selected": n, "by_decision": [(label, n)]},
          "sessions": {"tracks": n, "tracks_by_status": [(label, n)], "total": n, "held": n, "planned": n,
                       "cancelled": n, "held_percent": Decimal|None,
                       "by_number": [{"number", "theme", "total", "held", "planned", "cancelled"}]},
          "plans": {"tracks": n, "approved": n, "draft": n, "approved_percent": Decimal|None},
          "matching": {"needs": n, "by_status": [{"status", "label", "n", "companies"}], "contracts": n,
                       "contract_companies": n, "contract_amount": int (円),
                       "by_category": [(label, n, contracts)]},
          "seminars": [{"event": Event, "registered", "waitlisted", "attended_live", "on_demand",
                        "attended"}],
          "seminar_totals": {"registered", "attended_live", "on_demand", "attended"},
          "satisfaction": [{"kind", "label", "n", "mean" (Decimal 1–5), "satisfied", "satisfied_percent",
                            "usefulness_mean"}],
          "closed": [{"program": Program, "closed_on": "YYYY/M/D"}] (the programs in scope that are
                    事業完了, ``programs.closing.program_close``),
          "amendments": [ProgramAmendment] (事業完了後の修正 of the programs, oldest first, ``made_by``
                        and ``program`` joined),
        }
    """
    programs = results_programs(consortium=consortium, program=program, fiscal_year=fiscal_year)
    program_ids = [p.pk for p in programs]
    restricted = companies is not None
    limit = companies.values("pk") if restricted else None

    def only(qs: QuerySet, field: str = "company") -> QuerySet:
        return qs.filter(**{f"{field}__in": limit}) if restricted else qs

    regions_qs = Region.objects.filter(consortium=consortium).order_by("key", "pk")
    if restricted:
        regions_qs = regions_qs.filter(pk__in=Company.objects.filter(pk__in=limit).values("region"))
    regions = list(regions_qs)
    region_ids = [r.pk for r in regions]

    supported = supported_companies(consortium=consortium, programs=programs, companies=companies)
    grouped = list(supported.order_by().values("kind", "region_id", "industry").annotate(n=Count("pk")))
    cross = _cross_table(grouped=grouped, regions=regions)
    rows = list(supported_company_rows(consortium=consortium, programs=programs, companies=companies))

    # 応募・選出
    apps = CompanyApplication.objects.filter(consortium=consortium, program__in=program_ids)
    counted = facts.applications(consortium_id=consortium.pk, program_ids=program_ids)
    self_only = facts.self_diagnosis_only(consortium_id=consortium.pk, program_ids=program_ids)
    if restricted:
        in_scope = Q(company__in=limit) | Q(company__isnull=True, region__in=region_ids)
        apps, counted, self_only = apps.filter(in_scope), counted.filter(in_scope), only(self_only)
    app_counts = {a["status"]: a["n"] for a in apps.order_by().values("status").annotate(n=Count("pk"))}
    decisions = {
        d["decision"]: d["n"]
        for d in only(SelectionDecision.objects.filter(consortium=consortium, program__in=program_ids))
        .order_by()
        .values("decision")
        .annotate(n=Count("pk"))
    }
    applications = {
        "applicants": counted.count() + self_only.count(),
        "by_status": [(str(label), app_counts.get(v, 0)) for v, label in CompanyApplication.Status.choices],
        "capacity": sum(p.capacity for p in programs),
        "selected": sum(decisions.get(k, 0) for k in KINDS),
        "by_decision": [(str(label), decisions.get(v, 0)) for v, label in SelectionDecision.Decision.choices],
    }

    # セッション開催
    tracks = only(facts.program_tracks(consortium_id=consortium.pk, program_ids=program_ids))
    track_counts = {t["status"]: t["n"] for t in tracks.order_by().values("status").annotate(n=Count("pk"))}
    session_counts = list(
        only(facts.program_sessions(consortium_id=consortium.pk, program_ids=program_ids), "track__company")
        .order_by()
        .values("number", "status")
        .annotate(n=Count("pk"))
    )
    S = AccompanimentSession.Status
    by_number: dict[int, dict[str, int]] = {}
    for s in session_counts:
        by_number.setdefault(s["number"], {}).setdefault(s["status"], 0)
        by_number[s["number"]][s["status"]] += s["n"]
    from accompaniment.models import STANDARD_SESSION_THEMES

    number_rows = []
    for number in sorted(by_number):
        c = by_number[number]
        theme = STANDARD_SESSION_THEMES[number - 1] if 1 <= number <= len(STANDARD_SESSION_THEMES) else ""
        number_rows.append(
            {
                "number": number,
                "theme": _(theme) if theme else "",
                "total": sum(c.values()),
                "held": c.get(S.HELD, 0),
                "planned": sum(c.get(status, 0) for status in facts.SESSION_PLANNED_STATUSES),
                "cancelled": c.get(S.CANCELLED, 0),
            }
        )
    total_sessions = sum(r["total"] for r in number_rows)
    held = sum(r["held"] for r in number_rows)
    sessions = {
        "tracks": sum(track_counts.values()),
        "tracks_by_status": [
            (str(label), track_counts.get(v, 0)) for v, label in AccompanimentTrack.Status.choices
        ],
        "total": total_sessions,
        "held": held,
        "planned": sum(r["planned"] for r in number_rows),
        "cancelled": sum(r["cancelled"] for r in number_rows),
        "held_percent": _percent(held, total_sessions),
        "by_number": number_rows,
    }

    # DX推進計画書
    plan_counts = only(facts.program_plans(consortium_id=consortium.pk, program_ids=program_ids)).aggregate(
        approved=Count("pk", filter=facts.plan_approved_q()),
        draft=Count("pk", filter=Q(status=DxPlan.Status.DRAFT)),
    )
    approved = plan_counts["approved"]
    plans = {
        "tracks": sessions["tracks"],
        "approved": approved,
        "draft": plan_counts["draft"],
        "approved_percent": _percent(approved, sessions["tracks"]),
    }

    # マッチング
    needs = only(facts.matching_needs(consortium_id=consortium.pk, program_ids=program_ids))
    status_rows = {
        m["status"]: m
        for m in needs.order_by()
        .values("status")
        .annotate(n=Count("pk"), companies=Count("company", distinct=True), amount=Sum("contract_amount"))
    }
    by_category = {
        m["category"]: m
        for m in needs.order_by()
        .values("category")
        .annotate(n=Count("pk"), contracts=Count("pk", filter=Q(status=MatchingRequest.Status.CONTRACT)))
    }
    contract = status_rows.get(MatchingRequest.Status.CONTRACT, {})
    category_labels = dict(Category.choices)
    matching = {
        "needs": sum(m["n"] for m in status_rows.values()),
        "by_status": [
            {
                "status": v,
                "label": str(label),
                "n": status_rows.get(v, {}).get("n", 0),
                "companies": status_rows.get(v, {}).get("companies", 0),
            }
            for v, label in MatchingRequest.Status.choices
        ],
        "contracts": contract.get("n", 0),
        "contract_companies": contract.get("companies", 0),
        "contract_amount": contract.get("amount") or 0,
        "by_category": [
            (str(category_labels.get(c, c)), m["n"], m["contracts"])
            for c, m in sorted(by_category.items(), key=lambda kv: (-kv[1]["n"], kv[0]))
        ],
    }

    # セミナー
    R = SeminarRegistration.Status
    reg = Q()  # every registration of the event, or those of the companies / region in scope
    if restricted:
        reg = Q(registrations__company__in=limit) | Q(
            registrations__company__isnull=True, region__in=region_ids
        )
    events = facts.seminar_events(consortium_id=consortium.pk, program_ids=program_ids)
    if restricted:
        events = events.filter(Q(region__isnull=True) | Q(region__in=region_ids))
    attended = facts.attended_q("registrations__")
    live = attended & Q(registrations__on_demand=False)
    on_demand = attended & Q(registrations__on_demand=True)
    seminars = [
        {
            "event": e,
            "registered": e.n_registered,
            "waitlisted": e.n_waitlisted,
            "attended_live": e.n_live,
            "on_demand": e.n_on_demand,
            "attended": e.n_live + e.n_on_demand,
        }
        for e in events.select_related("region")
        .annotate(
            n_registered=Count("registrations", filter=reg & facts.signed_up_q("registrations__")),
            n_waitlisted=Count("registrations", filter=reg & Q(registrations__status=R.WAITLISTED)),
            n_live=Count("registrations", filter=reg & live),
            n_on_demand=Count("registrations", filter=reg & on_demand),
        )
        .order_by("starts_at", "pk")
    ]
    seminar_totals = {
        key: sum(s[key] for s in seminars) for key in ("registered", "attended_live", "on_demand", "attended")
    }

    # 満足度
    answers = {
        a["kind"]: a
        for a in only(facts.satisfaction_responses(consortium_id=consortium.pk, program_ids=program_ids))
        .order_by()
        .values("kind")
        .annotate(
            n=Count("pk"),
            mean=Avg("satisfaction"),
            satisfied=Count("pk", filter=facts.satisfied_q()),
            usefulness_mean=Avg("usefulness"),
        )
    }
    satisfaction = []
    for v, label in SatisfactionResponse.Kind.choices:
        a = answers.get(v, {})
        n = a.get("n", 0)
        satisfaction.append(
            {
                "kind": v,
                "label": str(label),
                "n": n,
                "mean": _round(a.get("mean")),
                "satisfied": a.get("satisfied", 0),
                "satisfied_percent": _percent(a.get("satisfied", 0), n),
                "usefulness_mean": _round(a.get("usefulness_mean")),
            }
        )

    fy = programs[0].fiscal_year if program is not None else fiscal_year
    if program is not None:
        # Program names often start with their 令和N年度 already.
        label = program.fiscal_year_label
        scope_label = program.name if program.name.startswith(label) else f"{label} {program.name}"
    else:
        scope_label = _("%(fy)s 全事業") % {"fy": fiscal_year_label(fiscal_year)}
    return {
        "title": _("実績報告書（集計）"),
        "scope_label": scope_label,
        "fiscal_year": fy,
        "fiscal_year_label": fiscal_year_label(fy),
        "programs": programs,
        "restricted": restricted,
        "regions": regions,
        "generated_at": timezone.localtime(),
        "supported": cross,
        "companies": rows,
        "applications": applications,
        "sessions": sessions,
        "plans": plans,
        "matching": matching,
        "seminars": seminars,
        "seminar_totals": seminar_totals,
        "satisfaction": satisfaction,
        "closed": [
            {"program": p, "closed_on": closed_on_text(p)} for p in programs if p.closed_at is not None
        ],
        # Only a closed program is amended: no query for open ones.
        "amendments": list(
            ProgramAmendment.objects.filter(
                consortium=consortium, program__in=[p.pk for p in programs if p.closed_at is not None]
            )
            .select_related("made_by", "program")
            .order_by("created_at", "pk")
        )
        if any(p.closed_at is not None for p in programs)
        else [],
    }


def results_report_xlsx(
    *,
    consortium: Consortium,
    program: Program | None = None,
    fiscal_year: int | None = None,
    companies: QuerySet | None = None,
) -> bytes:
    """The 実績報告書（集計） as .xlsx bytes (see ``reports.results.xlsx.results_workbook``)."""
    data = results_report_data(
        consortium=consortium, program=program, fiscal_year=fiscal_year, companies=companies
    )
    return results_workbook(data=data)
