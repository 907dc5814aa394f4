"""Row forms of the DX推進計画書 editor: KPI rows and roadmap rows, numbered ``_N`` in the POST.

KPI row N: ``kpi_name_N``, ``kpi_unit_N``, ``kpi_baseline_N``, ``kpi_target_N``, ``kpi_deadline_N`` (date),
``kpi_delete_N`` (checkbox). Roadmap row N: ``roadmap_title_N``, ``roadmap_start_N`` / ``roadmap_end_N``
(``<input type=month>``, "YYYY-MM"), ``roadmap_owner_N``, ``roadmap_delete_N``. A row left wholly blank
is ignored (that is how the blank rows at the end add a row); a ticked delete box removes the row.
Errors are per row and per field; the typed text is kept for the re-rendered form.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from accompaniment.plan.services import KpiRow, RoadmapRow

BLANK_ROWS = 2
KPI_FIELDS = ("name", "unit", "baseline", "target", "deadline")
ROADMAP_FIELDS = ("title", "start", "end", "owner")


def _indices(data: Any, prefix: str) -> list[int]:
    pattern = re.compile(rf"^{prefix}_[a-z]+_(\d+)$")
    return sorted({int(m.group(1)) for key in data for m in [pattern.match(key)] if m})


def _decimal(text: str) -> Decimal | None:
    text = text.replace(",", "").replace("，", "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("数値を入力してください。")) from None
    if not value.is_finite() or abs(value) >= Decimal("1e14"):
        raise ValueError(_("数値が大きすぎます。"))
    if value != value.quantize(Decimal("0.0001")):
        raise ValueError(_("小数点以下は4桁までです。"))
    return value


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError(_("年月を YYYY-MM で入力してください。")) from None


def kpi_rows_parse(data: Any) -> tuple[list[dict[str, Any]], list[KpiRow], bool]:
    """(rows to re-render [{"values": {field: text}, "errors": {field: msg}}], parsed rows, ok)."""
    shown: list[dict[str, Any]] = []
    parsed: list[KpiRow] = []
    ok = True
    for n in _indices(data, "kpi"):
        values = {f: (data.get(f"kpi_{f}_{n}") or "").strip() for f in KPI_FIELDS}
        if data.get(f"kpi_delete_{n}") or not any(values.values()):
            continue
        errors: dict[str, str] = {}
        if not values["name"]:
            errors["name"] = _("指標名を入力してください。")
        if len(values["name"]) > 200:
            errors["name"] = _("200文字以内で入力してください。")
        if len(values["unit"]) > 50:
            errors["unit"] = _("50文字以内で入力してください。")
        numbers: dict[str, Decimal | None] = {}
        for f in ("baseline", "target"):
            try:
                numbers[f] = _decimal(values[f])
            except ValueError as exc:
                errors[f] = str(exc)
        deadline = None
        if values["deadline"]:
            try:
                deadline = dt.date.fromisoformat(values["deadline"])
            except ValueError:
                errors["deadline"] = _("日付を YYYY-MM-DD で入力してください。")
        shown.append({"values": values, "errors": errors})
        if errors:
            ok = False
            continue
        parsed.append(
            KpiRow(
                name=values["name"],
                unit=values["unit"],
                baseline=numbers["baseline"],
                target=numbers["target"],
                deadline=deadline,
            )
        )
    return shown, parsed, ok


def roadmap_rows_parse(data: Any) -> tuple[list[dict[str, Any]], list[RoadmapRow], bool]:
    """(rows to re-render, parsed rows, ok); an end month before the start month is an error on ``end``."""
    shown: list[dict[str, Any]] = []
    parsed: list[RoadmapRow] = []
    ok = True
    for n in _indices(data, "roadmap"):
        values = {f: (data.get(f"roadmap_{f}_{n}") or "").strip() for f in ROADMAP_FIELDS}
        if data.get(f"roadmap_delete_{n}") or not any(values.values()):
            continue
        errors: dict[str, str] = {}
        if not values["title"]:
            errors["title"] = _("実施項目を入力してください。")
        elif len(values["title"]) > 200:
            errors["title"] = _("200文字以内で入力してください。")
        if len(values["owner"]) > 100:
            errors["owner"] = _("100文字以内で入力してください。")
        months: dict[str, dt.date] = {}
        for f in ("start", "end"):
            if not values[f]:
                errors[f] = _("年月を入力してください。")
                continue
            try:
                months[f] = _month(values[f])
            except ValueError as exc:
                errors[f] = str(exc)
        if len(months) == 2 and months["end"] < months["start"]:
            errors["end"] = _("終了月は開始月以降にしてください。")
        shown.append({"values": values, "errors": errors})
        if errors:
            ok = False
            continue
        parsed.append(
            RoadmapRow(
                title=values["title"],
                start_month=months["start"],
                end_month=months["end"],
                owner=values["owner"],
            )
        )
    return shown, parsed, ok


def kpi_rows_initial(kpis: list[KpiRow]) -> list[dict[str, Any]]:
    """Rows to render from stored KPIs."""
    from accompaniment.plan.services import _dec

    return [
        {
            "values": {
                "name": k.name,
                "unit": k.unit,
                "baseline": _dec(k.baseline),
                "target": _dec(k.target),
                "deadline": k.deadline.isoformat() if k.deadline else "",
            },
            "errors": {},
        }
        for k in kpis
    ]


def roadmap_rows_initial(roadmap: list[RoadmapRow]) -> list[dict[str, Any]]:
    """Rows to render from stored roadmap items."""
    return [
        {
            "values": {
                "title": r.title,
                "start": r.start_month.strftime("%Y-%m"),
                "end": r.end_month.strftime("%Y-%m"),
                "owner": r.owner,
            },
            "errors": {},
        }
        for r in roadmap
    ]


def with_blank_rows(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows numbered 0.. plus ``BLANK_ROWS`` empty ones (each row gets "n")."""
    out = [*rows, *({"values": dict.fromkeys(fields, ""), "errors": {}} for _ in range(BLANK_ROWS))]
    return [{**row, "n": i} for i, row in enumerate(out)]
