"""Writing .xlsx files of reports: the 実績報告書（集計） workbook and the helpers the exports share.

openpyxl ``write_only`` workbooks. Every user text is a string cell, never a formula: openpyxl takes any
``str`` starting with "=" for a formula, so the cell type is forced to string, and texts a spreadsheet
could still take for a formula (starting with = + - @, tab or CR) also carry Excel's quote prefix
(``dxcommunity.ui.cells``, shared with the diagnosis export).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dxcommunity.ui.cells import XLSX_CONTENT_TYPE, clean_text, text_cell
from reports.facts import kind_label

__all__ = ["XLSX_CONTENT_TYPE", "Sheet", "new_workbook", "results_workbook", "workbook_bytes"]

TITLE = "実績報告書（集計）"
FORMAT_INT = "#,##0"
FORMAT_YEN = '#,##0"円"'
FORMAT_MEAN = "0.00"
FORMAT_PERCENT = "0.0%"
FORMAT_DATE = "yyyy-mm-dd"
FORMAT_DATETIME = "yyyy-mm-dd hh:mm"

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_BOLD = Font(bold=True)
_SUBTOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
_TITLE_FONT = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")


class Percent(Decimal):
    """A share in % (87.5) written as the ratio 0.875 with a % number format."""


class Sheet:
    """A write-only worksheet with a frozen header row, column widths and typed cells.

    ``cell`` turns a value into a cell: str → string cell (formula-safe, see the module docstring),
    int → "#,##0", Decimal/float → "0.00", ``Percent`` → "0.0%", date → yyyy-mm-dd, aware datetime →
    local time yyyy-mm-dd hh:mm, None → empty.
    """

    def __init__(self, wb: Workbook, title: str, headers: Sequence[str], widths: Sequence[int]):
        self.ws = wb.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.ws.freeze_panes = "A2"
        self.row([self.header_cell(h) for h in headers])

    def header_cell(self, text: str) -> WriteOnlyCell:
        cell = self.cell(text)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        return cell

    def cell(self, value: Any, *, number_format: str | None = None, bold: bool = False, fill=None):
        ws = self.ws
        if isinstance(value, Cell):
            return value
        if isinstance(value, str):
            cell = text_cell(ws, value)
            cell.alignment = _WRAP
        elif isinstance(value, Percent):
            cell = WriteOnlyCell(ws, value=float(value) / 100)
            cell.number_format = FORMAT_PERCENT
        elif isinstance(value, bool):
            cell = WriteOnlyCell(ws, value="○" if value else "")
        elif isinstance(value, int):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = FORMAT_INT
        elif isinstance(value, Decimal | float):
            cell = WriteOnlyCell(ws, value=float(value))
            cell.number_format = FORMAT_MEAN
        elif isinstance(value, dt.datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            cell = WriteOnlyCell(ws, value=local.replace(tzinfo=None))
            cell.number_format = FORMAT_DATETIME
        elif isinstance(value, dt.date):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = FORMAT_DATE
        else:
            cell = WriteOnlyCell(ws, value=None if value is None else clean_text(value))
        if number_format:
            cell.number_format = number_format
        if bold:
            cell.font = _BOLD
        if fill is not None:
            cell.fill = fill
        return cell

    def row(self, values: Iterable[Any], *, bold: bool = False, formats: Sequence[str | None] = ()) -> None:
        """Append one row; ``formats[i]`` overrides the number format of column i."""
        cells = []
        for i, v in enumerate(values):
            fmt = formats[i] if i < len(formats) else None
            fill = _SUBTOTAL_FILL if bold else None
            cells.append(self.cell(v, number_format=fmt, bold=bold, fill=fill))
        self.ws.append(cells)


def new_workbook(title: str) -> Workbook:
    """A write-only workbook titled ``title`` (document properties)."""
    wb = Workbook(write_only=True)
    wb.properties.title = title
    wb.properties.creator = "dxcommunity"
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _percent(value: Decimal | None) -> Percent | None:
    return None if value is None else Percent(value)


def _summary_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    s = Sheet(wb, "概要", ["項目", "値", "備考"], [34, 22, 60])
    s.row([s.cell(TITLE, bold=True), data["scope_label"], ""])
    s.row(["対象年度", data["fiscal_year_label"], ""])
    s.row(["対象事業", "、".join(p.name for p in data["programs"]) or "—", ""])
    if data["restricted"]:
        s.row(["対象地域", "、".join(r.name for r in data["regions"]) or "—", "閲覧できる地域のみの集計"])
    s.row(["出力日時", data["generated_at"], ""])
    s.row(
        [
            "注意",
            "",
            "本ファイルは実績報告書（交付要綱様式第6 別添様式）へ転記するための集計です。"
            "様式そのものではありません。",
        ]
    )
    s.row([])
    a, sup, ses = data["applications"], data["supported"], data["sessions"]
    m, plans = data["matching"], data["plans"]
    s.row(["募集社数", a["capacity"], ""])
    s.row(["応募", a["applicants"], "重複を除く"])
    s.row(["選出（伴走支援・マッチング）", a["selected"], ""])
    s.row(["支援企業 計", sup["total"], ""])
    for kind, n in sup["by_kind"].items():
        s.row([f"支援企業 {kind_label(kind)}", n, ""])
    for name, n in sup["by_region"]:
        s.row([f"支援企業 {name}", n, ""])
    s.row(["伴走支援 セッション計画", ses["total"], ""])
    s.row(["伴走支援 セッション実施", ses["held"], ""])
    s.row(["伴走支援 実施率", _percent(ses["held_percent"]), ""])
    s.row(["DX推進計画書 完成（承認済）", plans["approved"], f"伴走支援 {plans['tracks']} 社中"])
    s.row(["マッチング ニーズ", m["needs"], ""])
    s.row(["マッチング 契約", m["contracts"], f"{m['contract_companies']} 社"])
    s.row(["マッチング 契約金額", m["contract_amount"]], formats=[None, FORMAT_YEN])
    t = data["seminar_totals"]
    s.row(["セミナー 申込", t["registered"], ""])
    s.row(["セミナー 当日参加", t["attended_live"], ""])
    s.row(["セミナー オンデマンド視聴", t["on_demand"], ""])
    for row in data["satisfaction"]:
        s.row([f"満足度 {row['label']} 回答数", row["n"], ""])
        s.row([f"満足度 {row['label']} 平均（1〜5）", row["mean"], ""])
        s.row([f"満足度 {row['label']} 満足（4・5）の割合", _percent(row["satisfied_percent"]), ""])


def _cross_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    cross = data["supported"]
    labels = [str(label) for _v, label in cross["industries"]]
    s = Sheet(
        wb, "支援企業（種別・地域・業種）", ["種別", "地域", *labels, "計"], [16, 12, *[10] * len(labels), 8]
    )
    for r in cross["rows"]:
        s.row([r["kind_label"], r["region"], *r["counts"], r["total"]], bold=r["level"] != "row")


def _company_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    headers = [
        "会社名",
        "地域",
        "業種",
        "支援種別",
        "推薦機関",
        "セッション実施",
        "セッション計画",
        "DX推進計画書",
        "計画書 承認日",
        "マッチング ニーズ数",
        "マッチング状況",
        "契約件数",
        "契約金額（円）",
    ]
    s = Sheet(wb, "支援企業一覧", headers, [34, 10, 12, 12, 26, 10, 10, 14, 14, 12, 14, 10, 16])
    from accompaniment.models import DxPlan
    from matching.models import MatchingRequest

    plan_labels = dict(DxPlan.Status.choices)
    status_labels = dict(MatchingRequest.Status.choices)
    for c in data["companies"]:
        s.row(
            [
                c.name,
                c.region.name,
                str(c.get_industry_display()),
                kind_label(c.kind),
                c.recommended_by.name if c.recommended_by_id else "",
                c.sessions_held,
                c.sessions_total,
                str(plan_labels.get(c.plan_status, "")) if c.plan_status else "",
                c.plan_approved_at,
                c.needs,
                str(status_labels.get(c.matching_status, "")) if c.matching_status else "",
                c.contracts,
                c.contract_amount,
            ],
            formats=[None] * 12 + [FORMAT_INT],
        )


def _session_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    ses = data["sessions"]
    s = Sheet(
        wb, "セッション開催", ["回", "テーマ", "計画", "実施済", "予定", "中止"], [6, 34, 10, 10, 10, 10]
    )
    for r in ses["by_number"]:
        s.row([r["number"], r["theme"], r["total"], r["held"], r["planned"], r["cancelled"]])
    s.row(["計", "", ses["total"], ses["held"], ses["planned"], ses["cancelled"]], bold=True)
    s.row(["実施率", "", None, _percent(ses["held_percent"]), None, None], bold=True)
    s.row([])
    s.row([s.header_cell("伴走支援の状態"), s.header_cell("企業数")])
    for label, n in ses["tracks_by_status"]:
        s.row([label, n])
    s.row(["計", ses["tracks"]], bold=True)


def _matching_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    m = data["matching"]
    s = Sheet(wb, "マッチング", ["状態", "ニーズ件数", "企業数"], [22, 12, 12])
    for r in m["by_status"]:
        s.row([r["label"], r["n"], r["companies"]])
    s.row(["計", m["needs"], None], bold=True)
    s.row(["契約金額 計", m["contract_amount"], None], bold=True, formats=[None, FORMAT_YEN])
    s.row([])
    s.row([s.header_cell("カテゴリ"), s.header_cell("ニーズ件数"), s.header_cell("契約件数")])
    for label, n, contracts in m["by_category"]:
        s.row([label, n, contracts])


def _seminar_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    headers = [
        "イベント",
        "種別",
        "開催日",
        "地域",
        "定員",
        "申込",
        "キャンセル待ち",
        "当日参加",
        "オンデマンド視聴",
        "参加計",
    ]
    s = Sheet(wb, "セミナー", headers, [34, 18, 16, 10, 8, 8, 12, 10, 14, 10])
    for r in data["seminars"]:
        e = r["event"]
        s.row(
            [
                e.title,
                str(e.get_kind_display()),
                e.starts_at,
                e.region.name if e.region_id else "全地域",
                e.capacity,
                r["registered"],
                r["waitlisted"],
                r["attended_live"],
                r["on_demand"],
                r["attended"],
            ]
        )
    t = data["seminar_totals"]
    s.row(
        ["計", "", None, "", None, t["registered"], None, t["attended_live"], t["on_demand"], t["attended"]],
        bold=True,
    )


def _satisfaction_sheet(wb: Workbook, data: dict[str, Any]) -> None:
    headers = ["種類", "回答数", "満足度 平均（1〜5）", "満足（4・5）", "満足の割合", "役立ち度 平均（1〜5）"]
    s = Sheet(wb, "満足度", headers, [22, 10, 18, 12, 12, 20])
    for r in data["satisfaction"]:
        s.row(
            [
                r["label"],
                r["n"],
                r["mean"],
                r["satisfied"],
                _percent(r["satisfied_percent"]),
                r["usefulness_mean"],
            ]
        )


def results_workbook(*, data: dict[str, Any]) -> bytes:
    """The workbook of ``reports.results.report.results_report_data`` as .xlsx bytes. Sheets: 概要,
    支援企業（種別・地域・業種）, 支援企業一覧, セッション開催, マッチング, セミナー, 満足度. No query."""
    wb = new_workbook(TITLE)
    _summary_sheet(wb, data)
    _cross_sheet(wb, data)
    _company_sheet(wb, data)
    _session_sheet(wb, data)
    _matching_sheet(wb, data)
    _seminar_sheet(wb, data)
    _satisfaction_sheet(wb, data)
    return workbook_bytes(wb)
