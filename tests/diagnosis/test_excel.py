"""The diagnosis as Excel: export layout, formula-safe text, lossless round trip, every bad file refused
with its (sheet, row, column) and nothing saved, permissions of the download and upload pages."""

from __future__ import annotations

import io
import re
import time
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from diagnosis.excel.workbook import (
    QUALITATIVE_HEADERS,
    QUANTITATIVE_HEADERS,
    DiagnosisImportRejected,
    diagnosis_export_xlsx,
    diagnosis_import_xlsx,
)
from diagnosis.models import DiagnosisAnswer, DiagnosisIndicator, QuantitativeIndicator
from diagnosis.services import DiagnosisLocked, diagnosis_save_draft, diagnosis_start
from dxcommunity.consent.models import AccessLog
from tests.diagnosis.factories import item_codes, submitted_diagnosis

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVIDENCE_MULTILINE = "経営会議で毎月確認している。\n議事録あり（2022年度）\n\n・営業部門と共有"
FORMULA_LIKE = '=HYPERLINK("http://evil.example","click")'


def _sheet_values(data: bytes, sheet: str) -> list[tuple]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [tuple(row) for row in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def _upload(data: bytes, name: str = "diagnosis.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def _modified(data: bytes, change) -> bytes:
    """The workbook after ``change(wb)`` (openpyxl in normal mode)."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _snapshot(diagnosis) -> tuple:
    answers = tuple(
        DiagnosisAnswer.objects.filter(diagnosis=diagnosis)
        .order_by("item__order")
        .values_list("item__code", "current", "target", "evidence", "action")
    )
    indicators = tuple(
        DiagnosisIndicator.objects.filter(diagnosis=diagnosis).values_list(
            "name", "unit", "current_value", "target_value", "calculation_method", "action", "indicator_id"
        )
    )
    return answers, indicators


@pytest.fixture
def draft(cast):
    return diagnosis_start(company=cast.company, user=cast.company_user)


@pytest.fixture
def filled(cast, draft):
    """A draft with answers (some blank), multiline Japanese text, formula-like text and indicators."""
    codes = item_codes(draft.edition)
    answers = {code: {"current": i % 6, "target": min(5, i % 6 + 2)} for i, code in enumerate(codes)}
    answers["1"].update(evidence=EVIDENCE_MULTILINE, action=FORMULA_LIKE)
    answers["4-1"].update(current=None, target=None, evidence="+81 29 000 0000", action="-減らす")
    answers["9-6"].update(evidence="@SUM(A1:A3)", action="=1+1")
    diagnosis_save_draft(diagnosis=draft, user=cast.company_user, answers=answers)
    library = QuantitativeIndicator.objects.create(edition=draft.edition, name="決算処理スピード", order=1)
    DiagnosisIndicator.objects.create(
        consortium=cast.consortium,
        diagnosis=draft,
        indicator=library,
        name="決算処理スピード",
        unit="日",
        current_value=Decimal("12.5"),
        target_value=Decimal("5"),
        calculation_method="月次決算の締め日から\n報告までの営業日数",
        action="=会計システム刷新",
        order=0,
    )
    DiagnosisIndicator.objects.create(
        consortium=cast.consortium,
        diagnosis=draft,
        name="受注処理のデジタル化率",
        unit="%",
        current_value=Decimal("0.1234"),
        target_value=None,
        order=1,
    )
    return draft


# --- export -----------------------------------------------------------------------------------------


def test_export_layout(cast, filled):
    data = diagnosis_export_xlsx(diagnosis=filled)
    wb = load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == ["定性指標", "定量指標", "情報"]
    wb.close()

    rows = _sheet_values(data, "定性指標")
    assert rows[0] == QUALITATIVE_HEADERS
    body = rows[1:]
    assert len(body) == 35
    assert [r[0] for r in body] == item_codes(filled.edition)
    first = body[0]
    assert first[1] == "DX推進のための経営のあり方、仕組み"
    assert first[2] == "DX推進の枠組み"
    assert first[3] == "キークエスチョン"
    assert first[4] == "ビジョンの共有"
    assert first[5].startswith("データとデジタル技術を使って、変化に迅速に対応しつつ")
    assert first[6:] == (0, 2, EVIDENCE_MULTILINE, FORMULA_LIKE)
    by_code = {r[0]: r for r in body}
    assert by_code["4-2"][3] == "サブクエスチョン"
    assert by_code["4-2"][5] is None  # question unknown: empty, never invented
    assert by_code["4-1"][6:8] == (None, None)
    assert by_code["8"][2] == "ITシステム構築の枠組み"

    quantitative = _sheet_values(data, "定量指標")
    assert quantitative[0] == QUANTITATIVE_HEADERS
    assert quantitative[1] == (
        "決算処理スピード",
        "日",
        12.5,
        5,
        "月次決算の締め日から\n報告までの営業日数",
        "=会計システム刷新",
        "はい",
    )
    assert quantitative[2][:4] == ("受注処理のデジタル化率", "%", 0.1234, None)
    assert quantitative[2][6] == "いいえ"

    info = dict(_sheet_values(data, "情報"))
    assert info["会社名"] == "テスト精密工業株式会社"
    assert info["版"] == filled.edition.key
    assert info["状態"] == "下書き"


def test_formula_like_text_is_never_a_formula(cast, filled):
    data = diagnosis_export_xlsx(diagnosis=filled)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert "<f>" not in archive.read(name).decode() and "<f " not in archive.read(name).decode()
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    cells = {c.value: c for row in wb["定性指標"].iter_rows() for c in row if isinstance(c.value, str)}
    for text in (FORMULA_LIKE, "+81 29 000 0000", "-減らす", "@SUM(A1:A3)", "=1+1"):
        assert cells[text].data_type == "s"
    wb.close()
    # Excel's quote prefix on the formula-like cells, so that editing them keeps them text.
    wb = load_workbook(io.BytesIO(data))
    row = next(r for r in wb["定性指標"].iter_rows(min_row=2) if r[0].value == "1")
    assert row[9].value == FORMULA_LIKE and row[9].quotePrefix
    assert not row[4].quotePrefix
    # 現在/目標 accept whole numbers 0–5 while typing in Excel.
    (validation,) = wb["定性指標"].data_validations.dataValidation
    assert (validation.type, validation.formula1, validation.formula2) == ("whole", "0", "5")
    assert str(validation.sqref) == "G2:H36"


# --- round trip -------------------------------------------------------------------------------------


def test_round_trip_is_lossless(cast, filled):
    first = diagnosis_export_xlsx(diagnosis=filled)
    before = _snapshot(filled)
    filled.delete()  # one draft per company: the fresh draft replaces it
    fresh = diagnosis_start(company=cast.company, user=cast.company_user)

    summary = diagnosis_import_xlsx(diagnosis=fresh, uploaded_file=_upload(first), user=cast.company_user)
    assert (summary.items, summary.indicators) == (35, 2)

    after = _snapshot(fresh)
    assert after == before
    second = diagnosis_export_xlsx(diagnosis=fresh)
    for sheet in ("定性指標", "定量指標"):
        assert _sheet_values(second, sheet) == _sheet_values(first, sheet)
    # Importing the same file again changes nothing.
    diagnosis_import_xlsx(diagnosis=fresh, uploaded_file=_upload(second), user=cast.company_user)
    assert _snapshot(fresh) == before


def test_import_fills_by_code_and_leaves_missing_rows(cast, draft):
    data = diagnosis_export_xlsx(diagnosis=draft)

    def change(wb):
        ws = wb["定性指標"]
        # Reverse the item rows: matching is by code, not by position.
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        ws.delete_rows(2, ws.max_row)
        for r in reversed(rows):
            if r[0] == "2":
                continue  # a missing row leaves the answer as it is
            r[6], r[7], r[8] = 3, "4", 1.0  # a number typed as text, a number as evidence
            ws.append(r)

    diagnosis_save_draft(diagnosis=draft, user=cast.company_user, answers={"2": {"current": 1, "target": 2}})
    summary = diagnosis_import_xlsx(
        diagnosis=draft, uploaded_file=_upload(_modified(data, change)), user=cast.company_user
    )
    assert summary.items == 34
    answers = {a.item.code: a for a in DiagnosisAnswer.objects.filter(diagnosis=draft).select_related("item")}
    assert (answers["4-1"].current, answers["4-1"].target, answers["4-1"].evidence) == (3, 4, "1")
    assert (answers["2"].current, answers["2"].target) == (1, 2)


# --- bad files --------------------------------------------------------------------------------------


def _rejected(cast, diagnosis, data: bytes, name: str = "diagnosis.xlsx") -> list[tuple]:
    before = _snapshot(diagnosis)
    with pytest.raises(DiagnosisImportRejected) as info:
        diagnosis_import_xlsx(diagnosis=diagnosis, uploaded_file=_upload(data, name), user=cast.company_user)
    assert _snapshot(diagnosis) == before
    return [(p.sheet, p.row, p.column) for p in info.value.problems]


def test_plain_text_is_not_an_xlsx(cast, filled):
    assert _rejected(cast, filled, "定性指標No.,現在\n1,3\n".encode()) == [("", None, None)]


def test_renamed_png_is_refused(cast, filled):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    with pytest.raises(DiagnosisImportRejected) as info:
        diagnosis_import_xlsx(diagnosis=filled, uploaded_file=_upload(png), user=cast.company_user)
    assert "PNG" in info.value.problems[0].message


def test_wrong_extension_and_other_zip_are_refused(cast, filled):
    data = diagnosis_export_xlsx(diagnosis=filled)
    assert _rejected(cast, filled, data, name="diagnosis.csv") == [("", None, None)]
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert _rejected(cast, filled, other.getvalue()) == [("", None, None)]


def test_missing_sheets_and_renamed_headers_are_listed(cast, filled):
    data = diagnosis_export_xlsx(diagnosis=filled)

    def change(wb):
        del wb["定量指標"]
        wb["定性指標"]["G1"] = "現状"

    problems = _rejected(cast, filled, _modified(data, change))
    assert ("定量指標", None, None) in problems
    assert ("定性指標", 1, "G") in problems


def test_every_cell_problem_is_listed_at_once(cast, filled):
    data = diagnosis_export_xlsx(diagnosis=filled)

    def change(wb):
        ws = wb["定性指標"]
        ws["A3"] = "99"  # unknown code
        ws["G4"] = 7  # level out of range
        ws["H5"] = "abc"
        ws["G6"] = 2.5
        ws["A7"] = "1"  # duplicate of row 2
        ws["I8"] = "=1+1"  # a formula
        q = wb["定量指標"]
        q["C2"] = "十二"  # not a number
        q["D3"] = "=C3*2"
        q["G3"] = "はい"  # not a library indicator name

    problems = _rejected(cast, filled, _modified(data, change))
    # Every problem at once, in reading order (sheet, row, column).
    assert problems == [
        ("定性指標", 3, "A"),
        ("定性指標", 4, "G"),
        ("定性指標", 5, "H"),
        ("定性指標", 6, "G"),
        ("定性指標", 7, "A"),
        ("定性指標", 8, "I"),
        ("定量指標", 2, "C"),
        ("定量指標", 3, "D"),
        ("定量指標", 3, "G"),
    ]


@pytest.mark.parametrize(
    ("cell", "value"),
    [("G2", 7), ("G2", "abc"), ("H2", 2.5), ("G2", -1), ("A2", "10-1"), ("G2", "=3")],
)
def test_single_bad_value(cast, filled, cell, value):
    data = diagnosis_export_xlsx(diagnosis=filled)

    def change(wb):
        wb["定性指標"][cell] = value

    assert _rejected(cast, filled, _modified(data, change)) == [("定性指標", 2, cell[0])]


def test_other_edition_is_refused(cast, filled):
    data = _modified(
        diagnosis_export_xlsx(diagnosis=filled), lambda wb: wb["情報"].__setitem__("B2", "dxpi-2099")
    )
    assert _rejected(cast, filled, data) == [("情報", 2, "B")]


def test_file_over_the_size_limit(cast, filled, settings):
    settings.DIAGNOSIS_XLSX_MAX_BYTES = 20_000
    data = _modified(
        diagnosis_export_xlsx(diagnosis=filled),
        # Incompressible text (hex of random bytes in many cells) makes the file large.
        lambda wb: [wb["情報"].append([f"x{i}", __import__("os").urandom(100).hex()]) for i in range(200)],
    )
    assert len(data) > 20_000
    problems = _rejected(cast, filled, data)
    assert problems == [("", None, None)]


def test_zip_bomb_is_refused_before_parsing(cast, filled, settings, monkeypatch):
    settings.DIAGNOSIS_XLSX_MAX_UNCOMPRESSED_BYTES = 5 * 1024 * 1024
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(8):  # 8 MB of zeros → a few KB compressed
                member.write(chunk)
    data = bomb.getvalue()
    assert len(data) < 100_000

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr("diagnosis.excel.workbook.load_workbook", never)
    assert _rejected(cast, filled, data) == [("", None, None)]


def test_submitted_diagnosis_is_locked(cast):
    diagnosis = submitted_diagnosis(cast)
    data = diagnosis_export_xlsx(diagnosis=diagnosis)
    with pytest.raises(DiagnosisLocked):
        diagnosis_import_xlsx(diagnosis=diagnosis, uploaded_file=_upload(data), user=cast.company_user)


def test_only_company_members_import(cast, filled):
    data = diagnosis_export_xlsx(diagnosis=filled)
    with pytest.raises(PermissionDenied):
        diagnosis_import_xlsx(diagnosis=filled, uploaded_file=_upload(data), user=cast.bank_user)


def test_export_and_import_are_fast(cast, filled):
    start = time.perf_counter()
    data = diagnosis_export_xlsx(diagnosis=filled)
    diagnosis_import_xlsx(diagnosis=filled, uploaded_file=_upload(data), user=cast.company_user)
    assert time.perf_counter() - start < 2  # target 0.5 s; generous for slow CI machines


# --- views ------------------------------------------------------------------------------------------


def _url(name, cast, diagnosis):
    return reverse(name, kwargs={"consortium_slug": cast.consortium.slug, "pk": diagnosis.pk})


def test_company_member_downloads(cast, filled, login):
    response = login(cast.company_user).get(_url("diagnosis:export_xlsx", cast, filled))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # RFC 5987: the Japanese file name percent-encoded in UTF-8.
    assert "filename*=utf-8''" in disposition
    assert "DX%E8%87%AA%E5%B7%B1%E8%A8%BA%E6%96%AD_" in disposition  # DX自己診断_
    assert re.search(r"_\d{8}\.xlsx$", disposition)
    assert _sheet_values(response.content, "定性指標")[1][0] == "1"


def test_bank_of_the_company_downloads_logged_but_cannot_upload(cast, filled, login):
    client = login(cast.bank_user)
    assert client.get(_url("diagnosis:export_xlsx", cast, filled)).status_code == 200
    assert AccessLog.objects.filter(company=cast.company, user=cast.bank_user, subject="diagnosis").exists()
    assert client.get(_url("diagnosis:import_xlsx", cast, filled)).status_code == 403
    data = diagnosis_export_xlsx(diagnosis=filled)
    response = client.post(_url("diagnosis:import_xlsx", cast, filled), {"file": _upload(data)})
    assert response.status_code == 403


def test_other_bank_and_other_consortium_get_404(cast, filled, login):
    for user in (cast.other_bank_user, cast.other_company_user, cast.vendor_user):
        client = login(user)
        assert client.get(_url("diagnosis:export_xlsx", cast, filled)).status_code == 404
        assert client.get(_url("diagnosis:import_xlsx", cast, filled)).status_code == 404
    url = reverse("diagnosis:export_xlsx", kwargs={"consortium_slug": cast.other.slug, "pk": filled.pk})
    assert login(cast.stranger_coordinator).get(url).status_code == 404


def test_upload_page_and_success(cast, filled, login):
    client = login(cast.company_user)
    page = client.get(_url("diagnosis:import_xlsx", cast, filled))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="file"' in html and "アップロード" in html

    data = _modified(diagnosis_export_xlsx(diagnosis=filled), lambda wb: wb["定性指標"].__setitem__("G3", 5))
    response = client.post(_url("diagnosis:import_xlsx", cast, filled), {"file": _upload(data)}, follow=True)
    assert response.redirect_chain[-1][0] == _url("diagnosis:edit", cast, filled)
    assert "35 項目を読み込みました" in response.content.decode()
    assert DiagnosisAnswer.objects.get(diagnosis=filled, item__code="2").current == 5


def test_upload_with_problems_shows_them_and_saves_nothing(cast, filled, login):
    before = _snapshot(filled)

    def change(wb):
        wb["定性指標"]["G2"] = 7
        wb["定性指標"]["H3"] = "abc"

    data = _modified(diagnosis_export_xlsx(diagnosis=filled), change)
    response = login(cast.company_user).post(
        _url("diagnosis:import_xlsx", cast, filled), {"file": _upload(data)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="import-problems"' in html
    assert "シート" in html and "内容" in html
    assert "<td>定性指標</td><td>2</td><td>G</td>" in html
    assert "<td>定性指標</td><td>3</td><td>H</td>" in html
    assert _snapshot(filled) == before


def test_upload_without_file_and_oversized_request(cast, filled, login, settings):
    client = login(cast.company_user)
    response = client.post(_url("diagnosis:import_xlsx", cast, filled), {})
    assert response.status_code == 400
    assert "ファイルを選んでください。" in response.content.decode()
    settings.DIAGNOSIS_XLSX_MAX_BYTES = 1000
    big = _upload(b"PK\x03\x04" + b"x" * 200_000)
    response = client.post(_url("diagnosis:import_xlsx", cast, filled), {"file": big})
    assert response.status_code == 400
    assert "ファイルが大きすぎます" in response.content.decode()


def test_upload_to_submitted_diagnosis_goes_to_result(cast, login):
    diagnosis = submitted_diagnosis(cast)
    response = login(cast.company_user).get(_url("diagnosis:import_xlsx", cast, diagnosis))
    assert response.status_code == 302
    assert response["Location"] == _url("diagnosis:result", cast, diagnosis)


def test_export_writes_only_strings_for_texts(cast, draft):
    """A blank workbook layout sanity check: the header is a row of strings and nothing else."""
    wb = Workbook()
    assert wb  # openpyxl importable in normal mode for the helpers above
    data = diagnosis_export_xlsx(diagnosis=draft)
    rows = _sheet_values(data, "定性指標")
    assert all(r[6:] == (None, None, None, None) for r in rows[1:])
    assert _sheet_values(data, "定量指標") == [QUANTITATIVE_HEADERS]
