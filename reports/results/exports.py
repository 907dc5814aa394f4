"""Exports of lists as .xlsx, each limited to what the membership may see (``dxcommunity.access``).

Each figure counts what ``reports.facts`` defines (セッション実施 = ``facts.session_held_q``).

- companies: ``companies_visible_to``; a company seen at stage level only (association, vendor, the
  region's ITC without an assignment) gives its name, region and stage and nothing else; a membership that
  sees no company in full gets only those three columns;
- sessions: the accompaniment sessions of the companies seen in full (``companies_fully_visible_to``);
- diagnoses: ``diagnosis.selectors.diagnoses_visible_to`` (full view or a diagnosis share), with the mean
  current / target maturity (0–5, DX推進指標 2019) of the 経営 and IT parts.

Each function returns .xlsx bytes (write_only, formula-safe: ``reports.results.xlsx.Sheet``) and runs a
constant number of queries. Header texts are fixed Japanese strings (the file format).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Avg, Count, Exists, F, OuterRef

from accompaniment.models import AccompanimentSession
from diagnosis.models import DiagnosisAnswer
from dxcommunity.access import companies_fully_visible_to, companies_visible_to
from dxcommunity.tenancy.models import Membership
from programs.models import Participation
from programs.participations.selectors import current_participation_subquery
from reports import facts
from reports.results.xlsx import Sheet, new_workbook, workbook_bytes

STAGE_HEADERS = ["会社名", "地域", "ステージ"]
FULL_HEADERS = [
    *STAGE_HEADERS,
    "業種",
    "従業員数",
    "事業",
    "メインバンク",
    "推薦機関",
    "伴走支援",
    "セッション実施",
    "DX推進計画書",
]
SESSION_HEADERS = ["会社名", "回", "テーマ", "日付", "状態", "出席者数", "議事録 企業確認"]
DIAGNOSIS_HEADERS = [
    "会社名",
    "状態",
    "提出日時",
    "経営 現在（平均）",
    "経営 目標（平均）",
    "IT 現在（平均）",
    "IT 目標（平均）",
]
GROUP_KEYS = ("management", "it_system")  # IndexGroup.key of the two parts (diagnosis.index_loader)
TWO_PLACES = Decimal("0.01")


def companies_export_xlsx(*, membership: Membership) -> bytes:
    """支援先企業 as .xlsx: one row per company the membership sees (by name), with the stage, program,
    track and plan of its current participation (``participation_current``). Three queries."""
    full = companies_fully_visible_to(membership=membership)
    companies = list(
        companies_visible_to(membership=membership)
        .select_related("region", "main_bank", "recommended_by")
        .annotate(
            is_full=Exists(full.filter(pk=OuterRef("pk"))),
            participation_id=current_participation_subquery(),
        )
        .order_by("name", "pk")
    )
    participations = {
        p.pk: p
        for p in Participation.objects.filter(
            pk__in=[c.participation_id for c in companies if c.participation_id]
        )
        .select_related("program", "track", "dx_plan")
        .annotate(
            sessions_held=Count("track__sessions", filter=facts.session_held_q("track__sessions__")),
        )
    }
    any_full = any(c.is_full for c in companies)
    wb = new_workbook("支援先企業")
    if not any_full:
        s = Sheet(wb, "支援先企業", STAGE_HEADERS, [34, 10, 20])
    else:
        s = Sheet(wb, "支援先企業", FULL_HEADERS, [34, 10, 20, 12, 10, 30, 20, 24, 10, 12, 14])
    for c in companies:
        participation = participations.get(c.participation_id)
        row: list[Any] = [
            c.name,
            c.region.name,
            str(participation.get_stage_display()) if participation else "",
        ]
        if any_full:
            if c.is_full:
                track = _related_or_none(participation, "track")
                plan = _related_or_none(participation, "dx_plan")
                row += [
                    str(c.get_industry_display()),
                    c.employees,
                    participation.program.name if participation else "",
                    c.main_bank.name if c.main_bank_id else "",
                    c.recommended_by.name if c.recommended_by_id else "",
                    str(track.get_status_display()) if track else "",
                    participation.sessions_held if track else None,
                    str(plan.get_status_display()) if plan else "",
                ]
            else:  # stage level only: nothing beyond name, region and stage
                row += [None] * (len(FULL_HEADERS) - len(STAGE_HEADERS))
        s.row(row)
    return workbook_bytes(wb)


def _related_or_none(participation: Participation | None, name: str) -> Any:
    """``participation.<name>`` (a reverse one-to-one: track, dx_plan) or None."""
    if participation is None:
        return None
    try:
        return getattr(participation, name)
    except ObjectDoesNotExist:
        return None


def sessions_export_xlsx(*, membership: Membership) -> bytes:
    """伴走支援セッション as .xlsx: the sessions of the companies the membership sees in full, by company
    and number; 出席者数 = Attendance rows, 議事録 企業確認 = SessionLog.company_confirmed_at. One query."""
    sessions = (
        AccompanimentSession.objects.filter(
            consortium=membership.consortium_id,
            track__company__in=companies_fully_visible_to(membership=membership).values("pk"),
        )
        .select_related("track__company")
        .annotate(attendance_count=Count("attendances"), log_confirmed_at=F("log__company_confirmed_at"))
        .order_by("track__company__name", "track__company_id", "number")
    )
    wb = new_workbook("伴走支援セッション")
    s = Sheet(wb, "伴走支援セッション", SESSION_HEADERS, [34, 6, 34, 12, 10, 10, 18])
    for session in sessions:
        s.row(
            [
                session.track.company.name,
                session.number,
                session.theme_display,
                session.date,
                str(session.get_status_display()),
                session.attendance_count,
                session.log_confirmed_at,
            ]
        )
    return workbook_bytes(wb)


def _mean(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def diagnoses_export_xlsx(*, membership: Membership) -> bytes:
    """DX自己診断 as .xlsx: the diagnoses the membership may see (newest first) with the 経営 / IT means
    of current and target maturity (plain mean over the answered items, 2 places). Two queries."""
    from diagnosis.selectors import diagnoses_visible_to

    diagnoses = list(
        diagnoses_visible_to(membership=membership).order_by("-submitted_at", "-created_at", "-pk")
    )
    means: dict[tuple[int, str], dict[str, Any]] = {}
    if diagnoses:
        for m in (
            DiagnosisAnswer.objects.filter(diagnosis__in=[d.pk for d in diagnoses])
            .order_by()
            .values("diagnosis", "item__group__key")
            .annotate(current=Avg("current"), target=Avg("target"))
        ):
            means[(m["diagnosis"], m["item__group__key"])] = m
    wb = new_workbook("DX自己診断")
    s = Sheet(wb, "DX自己診断", DIAGNOSIS_HEADERS, [34, 10, 18, 14, 14, 14, 14])
    for d in diagnoses:
        row: list[Any] = [d.company.name, str(d.get_status_display()), d.submitted_at]
        for key in GROUP_KEYS:
            m = means.get((d.pk, key), {})
            row += [_mean(m.get("current")), _mean(m.get("target"))]
        s.row(row)
    return workbook_bytes(wb)
