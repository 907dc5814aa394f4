"""Formula-safe spreadsheet cells (dxcommunity.ui.cells)."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from dxcommunity.ui.cells import clean_text, is_formula_like, text_cell


@pytest.fixture
def ws():
    return Workbook(write_only=True).create_sheet("s")


@pytest.mark.parametrize("text", ["=1+1", "+81", "-3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_formula_like_text_is_a_quote_prefixed_string(ws, text):
    cell = text_cell(ws, text)

    assert is_formula_like(text)
    assert cell.data_type == "s" and cell.value == text and cell.quotePrefix


def test_plain_text_is_a_string_without_prefix_and_empty_is_none(ws):
    cell = text_cell(ws, "水戸建設")
    assert cell.data_type == "s" and cell.value == "水戸建設" and not cell.quotePrefix
    assert text_cell(ws, "").value is None and text_cell(ws, None).value is None


def test_control_characters_xml_cannot_hold_are_dropped():
    assert clean_text("a\x00b\x1fc") == "abc"
    assert clean_text(None) == ""
