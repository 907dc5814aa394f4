"""A diagnosis as an Excel workbook (.xlsx), both ways, laid out like IPA's self-diagnosis format.

Sheets (the header texts are the file format: fixed Japanese strings, never translated):

- 「定性指標」: a header row, then one row per item in index order (35 for dxpi-2019):
  定性指標No. | 大分類 | 中分類 | 小分類 | 項目 | 設問 | 現在 | 目標 | 根拠・エビデンス | アクション
  (現在/目標: int 0–5, DX推進指標 2019 maturity levels, or empty).
- 「定量指標」: 指標名 | 単位 | 現在値 | 3年後の目標値 | 算出方法・エビデンス | アクション |
  ライブラリ指標 (はい/いいえ).
- 「情報」: 会社名, 版 (edition key), 状態, 出力日時 (informative; 版 is checked on import when present).

Export uses openpyxl ``write_only``; every user text is written as a string cell, and texts that a
spreadsheet could take for a formula (starting with = + - @, tab or CR) also carry Excel's quote prefix,
so that they stay text even when a user edits the cell. Import uses ``read_only`` and ``data_only=False``
so that formula cells are seen (cell type "f") and refused; a text cell that merely starts with "=" is
fine (that is what the export writes). Import validates the whole file first and raises
``DiagnosisImportRejected`` listing every problem (sheet, row, column, message); nothing is saved then.
Only a valid file is saved, in one short transaction.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from diagnosis.models import (
    MATURITY_MAX,
    MATURITY_MIN,
    Diagnosis,
    DiagnosisAnswer,
    DiagnosisIndicator,
    IndexItem,
    QuantitativeIndicator,
)
from diagnosis.services import DiagnosisLocked, diagnosis_save_draft
from dxcommunity.ui.cells import XLSX_CONTENT_TYPE, text_cell  # noqa: F401 - XLSX_CONTENT_TYPE re-exported

QUALITATIVE_SHEET = "定性指標"
QUANTITATIVE_SHEET = "定量指標"
INFO_SHEET = "情報"

COL_CODE = "定性指標No."
COL_CURRENT = "現在"
COL_TARGET = "目標"
COL_EVIDENCE = "根拠・エビデンス"
COL_ACTION = "アクション"
QUALITATIVE_HEADERS = (
    COL_CODE,
    "大分類",
    "中分類",
    "小分類",
    "項目",
    "設問",
    COL_CURRENT,
    COL_TARGET,
    COL_EVIDENCE,
    COL_ACTION,
)
# Columns read back on import (the others describe the item and are ignored).
QUALITATIVE_REQUIRED = (COL_CODE, COL_CURRENT, COL_TARGET, COL_EVIDENCE, COL_ACTION)
QUALITATIVE_WIDTHS = (10, 24, 20, 16, 26, 60, 7, 7, 50, 50)

COL_NAME = "指標名"
COL_UNIT = "単位"
COL_CURRENT_VALUE = "現在値"
COL_TARGET_VALUE = "3年後の目標値"
COL_METHOD = "算出方法・エビデンス"
COL_LIBRARY = "ライブラリ指標"
QUANTITATIVE_HEADERS = (
    COL_NAME,
    COL_UNIT,
    COL_CURRENT_VALUE,
    COL_TARGET_VALUE,
    COL_METHOD,
    COL_ACTION,
    COL_LIBRARY,
)
# ライブラリ指標 is optional on import (a sheet copied from IPA's format has no such column).
QUANTITATIVE_REQUIRED = QUANTITATIVE_HEADERS[:-1]
QUANTITATIVE_WIDTHS = (30, 10, 14, 14, 50, 50, 14)

INFO_COMPANY = "会社名"
INFO_EDITION = "版"
INFO_STATUS = "状態"
INFO_EXPORTED_AT = "出力日時"

YES = "はい"
NO = "いいえ"
YES_VALUES = frozenset({"はい", "yes", "y", "true", "1", "○", "◯", "〇"})
NO_VALUES = frozenset({"いいえ", "no", "n", "false", "0", "×", "-", ""})

DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # upload size (bytes) when settings.DIAGNOSIS_XLSX_MAX_BYTES is unset
DEFAULT_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # sum of the zip members' uncompressed sizes
MAX_ZIP_MEMBERS = 500
MAX_COMPRESSION_RATIO = 100  # per member larger than RATIO_CHECK_FROM bytes uncompressed
RATIO_CHECK_FROM = 1024 * 1024
MAX_ROWS = 1000  # per sheet; a diagnosis has 35 items and a handful of indicators
VALUE_MAX_ABS = Decimal(10) ** 14  # DiagnosisIndicator values: 18 digits, 4 after the point
VALUE_PLACES = 4


_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_KEY_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="top")


@dataclass(frozen=True)
class Problem:
    """One problem of an uploaded file: sheet name ("" for the file itself), 1-based row (None for the
    whole sheet/file), column letter ("A"…; None for a whole row/sheet) and a message for the user."""

    sheet: str
    row: int | None
    column: str | None
    message: str


class DiagnosisImportRejected(Exception):
    """The uploaded workbook was refused; ``problems`` lists every problem found. Nothing was saved."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the uploaded workbook")
        self.problems = problems


@dataclass(frozen=True)
class ImportSummary:
    """What an import saved: ``items`` item rows read (定性指標), ``indicators`` rows now in the diagnosis."""

    items: int
    indicators: int


@dataclass
class _Parsed:
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(sheet, row, column, message))


# --- export -----------------------------------------------------------------------------------------


def _cell(ws: Any, value: Any, *, fill: PatternFill | None = None, align: Alignment = _WRAP) -> WriteOnlyCell:
    """A body cell; strings are always string cells (never formulas), formula-like ones quote-prefixed."""
    if isinstance(value, str):
        cell = text_cell(ws, value)
    else:
        cell = WriteOnlyCell(ws, value=value)
    cell.alignment = align
    cell.border = _BORDER
    if fill is not None:
        cell.fill = fill
    return cell


def _header(ws: Any, headers: tuple[str, ...], widths: tuple[int, ...]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(cell)
    ws.append(cells)


def _number(value: Decimal | None) -> int | Decimal | None:
    """A decimal as Excel shows it: 12.5000 → 12.5, 3.0000 → 3."""
    if value is None:
        return None
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else normal


def diagnosis_export_xlsx(*, diagnosis: Diagnosis) -> bytes:
    """The diagnosis as .xlsx bytes (sheets 「定性指標」, 「定量指標」, 「情報」; see the module docstring).

    Items in index order with the edition's texts (設問 empty where unknown) and the answers (None → empty
    cell). Reads only: permission checks are the caller's. Three queries (+1 for the company if not loaded).
    """
    items = list(
        IndexItem.objects.filter(edition=diagnosis.edition_id).select_related("group").order_by("order")
    )
    answers = {
        a.item_id: a
        for a in DiagnosisAnswer.objects.filter(consortium=diagnosis.consortium_id, diagnosis=diagnosis)
    }
    indicators = list(
        DiagnosisIndicator.objects.filter(consortium=diagnosis.consortium_id, diagnosis=diagnosis).order_by(
            "order", "id"
        )
    )
    kind_labels = dict(IndexItem.Kind.choices)

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(QUALITATIVE_SHEET)
    _header(ws, QUALITATIVE_HEADERS, QUALITATIVE_WIDTHS)
    # Excel refuses a level outside 0–5 while typing (the import checks again: other tools ignore this).
    levels = DataValidation(
        type="whole",
        operator="between",
        formula1=str(MATURITY_MIN),
        formula2=str(MATURITY_MAX),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="成熟度",
        error=f"{MATURITY_MIN}〜{MATURITY_MAX}の整数を入力してください。",
    )
    levels.add(f"G2:H{len(items) + 1}")
    ws.data_validations.append(levels)
    for item in items:
        answer = answers.get(item.pk)
        describe = _KEY_FILL if item.kind == IndexItem.Kind.KEY else None
        ws.append(
            [
                _cell(ws, item.code, fill=describe, align=_CENTER),
                _cell(ws, item.group.name, fill=describe),
                _cell(ws, item.group.qualitative_name, fill=describe),
                _cell(ws, str(kind_labels.get(item.kind, item.kind)), fill=describe),
                _cell(ws, item.title, fill=describe),
                _cell(ws, item.question or "", fill=describe),
                _cell(ws, answer.current if answer else None, fill=_INPUT_FILL, align=_CENTER),
                _cell(ws, answer.target if answer else None, fill=_INPUT_FILL, align=_CENTER),
                _cell(ws, answer.evidence if answer else "", fill=_INPUT_FILL),
                _cell(ws, answer.action if answer else "", fill=_INPUT_FILL),
            ]
        )

    ws = wb.create_sheet(QUANTITATIVE_SHEET)
    _header(ws, QUANTITATIVE_HEADERS, QUANTITATIVE_WIDTHS)
    for indicator in indicators:
        ws.append(
            [
                _cell(ws, indicator.name),
                _cell(ws, indicator.unit),
                _cell(ws, _number(indicator.current_value), align=_CENTER),
                _cell(ws, _number(indicator.target_value), align=_CENTER),
                _cell(ws, indicator.calculation_method),
                _cell(ws, indicator.action),
                _cell(ws, YES if indicator.indicator_id else NO, align=_CENTER),
            ]
        )

    ws = wb.create_sheet(INFO_SHEET)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 40
    exported_at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    for label, value in (
        (INFO_COMPANY, diagnosis.company.name),
        (INFO_EDITION, diagnosis.edition.key),
        (INFO_STATUS, str(diagnosis.get_status_display())),
        (INFO_EXPORTED_AT, exported_at),
    ):
        ws.append([_cell(ws, label, fill=_KEY_FILL), _cell(ws, value)])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- import -----------------------------------------------------------------------------------------


def _max_bytes() -> int:
    return int(getattr(settings, "DIAGNOSIS_XLSX_MAX_BYTES", DEFAULT_MAX_BYTES))


def _max_uncompressed() -> int:
    return int(getattr(settings, "DIAGNOSIS_XLSX_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES))


def _file_problem(message: str) -> DiagnosisImportRejected:
    return DiagnosisImportRejected([Problem("", None, None, message)])


def _read_upload(uploaded_file: Any) -> bytes:
    """The upload's bytes; its size is checked before reading (``.size``, else by seeking), and never more
    than the limit + 1 byte is read. Accepts a Django UploadedFile, a binary file object or bytes."""
    limit = _max_bytes()
    too_big = _file_problem(
        _("ファイルが大きすぎます（上限 %(mb)s MB）。") % {"mb": f"{limit / (1024 * 1024):g}"}
    )
    if isinstance(uploaded_file, bytes | bytearray):
        if len(uploaded_file) > limit:
            raise too_big
        return bytes(uploaded_file)
    name = str(getattr(uploaded_file, "name", "") or "")
    if name and not name.lower().endswith(".xlsx"):
        raise _file_problem(
            _("拡張子が .xlsx のファイルを選んでください（%(name)s）。") % {"name": name.rsplit("/", 1)[-1]}
        )
    size = getattr(uploaded_file, "size", None)
    if size is None and hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0, io.SEEK_END)
        size = uploaded_file.tell()
    if size is not None and size > limit:
        raise too_big
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise too_big
    return data


def _check_container(data: bytes) -> None:
    """Refuse what is not an .xlsx before any XML is parsed: wrong magic bytes, not a workbook zip, a zip
    bomb. Sizes come from the zip directory; ``zipfile`` never inflates a member past its declared size
    (it stops and fails the CRC), so the declared sizes bound what openpyxl can be made to read."""
    if data.startswith(b"\x89PNG"):
        raise _file_problem(_("画像ファイル（PNG）です。Excelブック（.xlsx）を選んでください。"))
    if data.startswith(b"\xff\xd8\xff"):
        raise _file_problem(_("画像ファイル（JPEG）です。Excelブック（.xlsx）を選んでください。"))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_problem(
            _(
                "古い形式（.xls）またはパスワード付きのファイルです。パスワードを外し、"
                "Excelブック（.xlsx）として保存してから選んでください。"
            )
        )
    if not data.startswith(b"PK\x03\x04"):
        raise _file_problem(_("Excelブック（.xlsx）ではありません。"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _file_problem(_("ファイルが壊れているか、Excelブック（.xlsx）ではありません。")) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _file_problem(_("Excelブック（.xlsx）ではありません。"))
    total = sum(m.file_size for m in members)
    bomb = len(members) > MAX_ZIP_MEMBERS or total > _max_uncompressed()
    bomb = bomb or any(
        m.file_size > RATIO_CHECK_FROM and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1)
        for m in members
    )
    if bomb:
        raise _file_problem(
            _("展開後のサイズが大きすぎるファイルです（上限 %(mb)s MB）。")
            % {"mb": f"{_max_uncompressed() / (1024 * 1024):g}"}
        )


def _header_map(
    parsed: _Parsed,
    sheet: str,
    header_row: tuple[Any, ...],
    headers: tuple[str, ...],
    required: tuple[str, ...],
) -> dict[str, int] | None:
    """Header text → 0-based column index; a problem per required header not found (None then)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header_row):
        value = cell.value
        if isinstance(value, str) and value.strip() in headers and value.strip() not in found:
            found[value.strip()] = index
    missing = [h for h in required if h not in found]
    for header in missing:
        parsed.problem(
            sheet,
            1,
            get_column_letter(headers.index(header) + 1),
            _("見出し「%(header)s」の列がありません（1行目の見出しを変えないでください）。")
            % {"header": header},
        )
    return None if missing else found


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _level(value: Any) -> int | None | str:
    """int 0–5, None for blank, or the string "bad"."""
    if _is_blank(value):
        return None
    level: int | None = None
    if isinstance(value, bool):
        level = None
    elif isinstance(value, int):
        level = value
    elif isinstance(value, float) and value.is_integer():
        level = int(value)
    elif isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        level = int(value.strip())
    if level is None or not MATURITY_MIN <= level <= MATURITY_MAX:
        return "bad"
    return level


def _decimal(value: Any) -> Decimal | None | str:
    """A Decimal within DiagnosisIndicator's range (4 places), None for blank, or the string "bad"."""
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        return "bad"
    try:
        if isinstance(value, int | Decimal):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, str):
            number = Decimal(value.strip().replace(",", ""))
        else:
            return "bad"
    except InvalidOperation:
        return "bad"
    if not number.is_finite() or abs(number) >= VALUE_MAX_ABS:
        return "bad"
    if number != number.quantize(Decimal(1).scaleb(-VALUE_PLACES)):
        return "bad"
    return number


def _rows(parsed: _Parsed, ws: Any, sheet: str) -> list[tuple[Any, ...]]:
    """The sheet's rows (cells), reporting every formula cell; stops past MAX_ROWS rows."""
    rows: list[tuple[Any, ...]] = []
    for row_number, row in enumerate(ws.iter_rows(), start=1):
        if row_number > MAX_ROWS:
            parsed.problem(sheet, None, None, _("行が多すぎます（上限 %(n)d 行）。") % {"n": MAX_ROWS})
            break
        for column_number, cell in enumerate(row, start=1):
            if getattr(cell, "data_type", None) == "f":
                parsed.problem(
                    sheet,
                    row_number,
                    get_column_letter(column_number),
                    _("数式は使えません。値を入力してください。"),
                )
        rows.append(row)
    return rows


def _value(row: tuple[Any, ...], index: int) -> Any:
    """The cell value at a 0-based index (None past the row's end or for a formula cell, already reported)."""
    if index >= len(row):
        return None
    cell = row[index]
    return None if getattr(cell, "data_type", None) == "f" else cell.value


def _parse_qualitative(parsed: _Parsed, ws: Any, codes: set[str]) -> None:
    sheet = QUALITATIVE_SHEET
    rows = _rows(parsed, ws, sheet)
    if not rows:
        parsed.problem(sheet, 1, None, _("見出し行がありません。"))
        return
    columns = _header_map(parsed, sheet, rows[0], QUALITATIVE_HEADERS, QUALITATIVE_REQUIRED)
    if columns is None:
        return
    seen: dict[str, int] = {}
    for row_number, row in enumerate(rows[1:], start=2):
        values = {h: _value(row, i) for h, i in columns.items()}
        if all(_is_blank(values[h]) for h in QUALITATIVE_REQUIRED):
            continue
        code_column = get_column_letter(columns[COL_CODE] + 1)
        code = _text(values[COL_CODE])
        if not code:
            parsed.problem(sheet, row_number, code_column, _("定性指標No.が空です。"))
            continue
        if code not in codes:
            parsed.problem(
                sheet, row_number, code_column, _("未知の定性指標No.です: %(code)s") % {"code": code}
            )
            continue
        if code in seen:
            parsed.problem(
                sheet,
                row_number,
                code_column,
                _("定性指標No. %(code)s が重複しています（%(row)d 行目にもあります）。")
                % {"code": code, "row": seen[code]},
            )
            continue
        seen[code] = row_number
        answer: dict[str, Any] = {}
        for header, key in ((COL_CURRENT, "current"), (COL_TARGET, "target")):
            level = _level(values[header])
            if level == "bad":
                parsed.problem(
                    sheet,
                    row_number,
                    get_column_letter(columns[header] + 1),
                    _("%(header)sは%(min)d〜%(max)dの整数で入力してください（入力値: %(value)s）。")
                    % {"header": header, "min": MATURITY_MIN, "max": MATURITY_MAX, "value": values[header]},
                )
            answer[key] = level
        answer["evidence"] = _text(values[COL_EVIDENCE])
        answer["action"] = _text(values[COL_ACTION])
        parsed.answers[code] = answer


def _parse_quantitative(parsed: _Parsed, ws: Any, library: dict[str, QuantitativeIndicator]) -> None:
    sheet = QUANTITATIVE_SHEET
    rows = _rows(parsed, ws, sheet)
    if not rows:
        parsed.problem(sheet, 1, None, _("見出し行がありません。"))
        return
    columns = _header_map(parsed, sheet, rows[0], QUANTITATIVE_HEADERS, QUANTITATIVE_REQUIRED)
    if columns is None:
        return

    def letter(header: str) -> str:
        return get_column_letter(columns[header] + 1)

    for row_number, row in enumerate(rows[1:], start=2):
        values = {h: _value(row, i) for h, i in columns.items()}
        if all(_is_blank(v) for v in values.values()):
            continue
        name = _text(values[COL_NAME])
        unit = _text(values[COL_UNIT])
        data: dict[str, Any] = {
            "name": name,
            "unit": unit,
            "calculation_method": _text(values[COL_METHOD]),
            "action": _text(values[COL_ACTION]),
            "indicator": None,
        }
        if not name:
            parsed.problem(sheet, row_number, letter(COL_NAME), _("指標名が空です。"))
        elif len(name) > 200:
            parsed.problem(sheet, row_number, letter(COL_NAME), _("指標名は200文字以内にしてください。"))
        if len(unit) > 50:
            parsed.problem(sheet, row_number, letter(COL_UNIT), _("単位は50文字以内にしてください。"))
        for header, key in ((COL_CURRENT_VALUE, "current_value"), (COL_TARGET_VALUE, "target_value")):
            number = _decimal(values[header])
            if number == "bad":
                parsed.problem(
                    sheet,
                    row_number,
                    letter(header),
                    _("%(header)sは数値で入力してください（小数点以下%(places)d桁まで; 入力値: %(value)s）。")
                    % {"header": header, "places": VALUE_PLACES, "value": values[header]},
                )
                number = None
            data[key] = number
        if COL_LIBRARY in columns:
            flag = _text(values[COL_LIBRARY]).lower()
            if isinstance(values[COL_LIBRARY], bool):
                flag = "true" if values[COL_LIBRARY] else "false"
            if flag in YES_VALUES:
                data["indicator"] = library.get(name)
                if name and data["indicator"] is None:
                    parsed.problem(
                        sheet,
                        row_number,
                        letter(COL_LIBRARY),
                        _("「%(name)s」はライブラリの指標ではありません（独自の指標なら「いいえ」）。")
                        % {"name": name},
                    )
            elif flag not in NO_VALUES:
                parsed.problem(
                    sheet,
                    row_number,
                    letter(COL_LIBRARY),
                    _("ライブラリ指標は「はい」か「いいえ」で入力してください。"),
                )
        parsed.indicators.append(data)


def _parse_info(parsed: _Parsed, ws: Any, edition_key: str) -> None:
    for row_number, row in enumerate(_rows(parsed, ws, INFO_SHEET), start=1):
        label, value = _text(_value(row, 0)), _text(_value(row, 1))
        if label == INFO_EDITION and value and value != edition_key:
            parsed.problem(
                INFO_SHEET,
                row_number,
                "B",
                _("DX推進指標の版が違います（ファイル: %(file)s、この自己診断: %(ours)s）。")
                % {"file": value, "ours": edition_key},
            )


def _parse(data: bytes, diagnosis: Diagnosis) -> _Parsed:
    parsed = _Parsed()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds (KeyError, ValueError, XML errors) for broken files
        raise _file_problem(_("ファイルが壊れているか、Excelブック（.xlsx）ではありません。")) from None
    try:
        codes = set(IndexItem.objects.filter(edition=diagnosis.edition_id).values_list("code", flat=True))
        library = {i.name: i for i in QuantitativeIndicator.objects.filter(edition=diagnosis.edition_id)}
        for sheet in (QUALITATIVE_SHEET, QUANTITATIVE_SHEET):
            if sheet not in wb.sheetnames:
                parsed.problem(sheet, None, None, _("シート「%(sheet)s」がありません。") % {"sheet": sheet})
        if QUALITATIVE_SHEET in wb.sheetnames:
            _parse_qualitative(parsed, wb[QUALITATIVE_SHEET], codes)
        if QUANTITATIVE_SHEET in wb.sheetnames:
            _parse_quantitative(parsed, wb[QUANTITATIVE_SHEET], library)
        if INFO_SHEET in wb.sheetnames:
            _parse_info(parsed, wb[INFO_SHEET], diagnosis.edition.key)
        # Formulas anywhere count, also on sheets we do not read.
        for sheet in wb.sheetnames:
            if sheet not in (QUALITATIVE_SHEET, QUANTITATIVE_SHEET, INFO_SHEET):
                _rows(parsed, wb[sheet], sheet)
    except DiagnosisImportRejected:
        raise
    except Exception:  # a malformed sheet part fails while streaming rows
        raise _file_problem(_("ファイルが壊れているか、Excelブック（.xlsx）ではありません。")) from None
    finally:
        wb.close()
    # In reading order: sheet by sheet (the file's own sheets first), then row, then column.
    rank = {name: i for i, name in enumerate(("", QUALITATIVE_SHEET, QUANTITATIVE_SHEET, INFO_SHEET))}
    parsed.problems.sort(
        key=lambda p: (
            rank.get(p.sheet, len(rank)),
            p.sheet,
            p.row or 0,
            column_index_from_string(p.column) if p.column else 0,
        )
    )
    return parsed


def _indicators_replace(*, diagnosis: Diagnosis, rows: list[dict[str, Any]]) -> int:
    """Make the diagnosis's indicators equal ``rows`` (in order): update in place, add, delete the rest.
    Row by row so that the change history records each change."""
    existing = list(
        DiagnosisIndicator.objects.filter(consortium=diagnosis.consortium_id, diagnosis=diagnosis).order_by(
            "order", "id"
        )
    )
    fields = ("name", "unit", "current_value", "target_value", "calculation_method", "action", "indicator")
    for order, data in enumerate(rows):
        row = (
            existing[order]
            if order < len(existing)
            else DiagnosisIndicator(consortium_id=diagnosis.consortium_id, diagnosis=diagnosis)
        )
        changed = [f for f in fields if getattr(row, f) != data[f]]
        for f in changed:
            setattr(row, f, data[f])
        if row.order != order:
            row.order = order
            changed.append("order")
        if row.pk is None or changed:
            row.full_clean(exclude=["consortium", "diagnosis", "indicator"])
            if row.pk is None:
                row.save()
            else:
                row.save(update_fields=[*changed, "updated_at"])
    for row in existing[len(rows) :]:
        row.delete()
    return len(rows)


def diagnosis_import_xlsx(*, diagnosis: Diagnosis, uploaded_file: Any, user: Any) -> ImportSummary:
    """Fill the draft diagnosis from a workbook laid out like ``diagnosis_export_xlsx`` writes it.

    Rows of 「定性指標」 are matched by 定性指標No.: 現在/目標 (int 0–5 or blank), 根拠・エビデンス and
    アクション replace the answer's values; items without a row stay as they are. 「定量指標」 replaces the
    diagnosis's indicators (ライブラリ指標 はい → linked to the library indicator of that name).

    ``uploaded_file``: a Django UploadedFile (name must end in .xlsx), a binary file object or bytes; at
    most ``settings.DIAGNOSIS_XLSX_MAX_BYTES`` (5 MB), its zip members at most
    ``DIAGNOSIS_XLSX_MAX_UNCOMPRESSED_BYTES`` (50 MB) once inflated.
    Raises ``DiagnosisLocked`` (submitted), ``PermissionDenied`` (not ``diagnosis.fill_diagnosis``),
    ``DiagnosisImportRejected`` with every problem found (nothing saved).
    """
    if diagnosis.is_locked:
        raise DiagnosisLocked(_("提出済みの自己診断は変更できません。"))
    if not user.has_perm("diagnosis.fill_diagnosis", diagnosis):
        raise PermissionDenied(_("自社の自己診断のみ入力できます。"))
    data = _read_upload(uploaded_file)
    _check_container(data)
    parsed = _parse(data, diagnosis)
    if parsed.problems:
        raise DiagnosisImportRejected(parsed.problems)
    try:
        with transaction.atomic():
            diagnosis_save_draft(diagnosis=diagnosis, user=user, answers=parsed.answers)
            count = _indicators_replace(diagnosis=diagnosis, rows=parsed.indicators)
    except ValidationError as error:  # not expected: every value was checked above
        raise DiagnosisImportRejected(
            [Problem(QUALITATIVE_SHEET, None, None, m) for m in error.messages]
        ) from error
    return ImportSummary(items=len(parsed.answers), indicators=count)
