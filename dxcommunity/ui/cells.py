"""Formula-safe spreadsheet cells (openpyxl): a user's text is written as text, never run as a formula.

openpyxl takes any ``str`` starting with "=" for a formula, so a text cell's type is forced to string;
a text a spreadsheet could still take for a formula or DDE (starting with = + - @, tab or CR) also
carries Excel's quote prefix, so that editing the cell keeps it text.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A text starting with one of these could be taken for a formula (or DDE) by a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: Any) -> str:
    """``value`` as text without the control characters XML cannot hold; "" for None."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value)) if value is not None else ""


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula (it starts with = + - @, tab or CR)."""
    return text.startswith(FORMULA_PREFIXES)


def text_cell(ws: Any, value: Any) -> WriteOnlyCell:
    """A write-only cell of ``ws`` holding ``value`` as text: a string cell (never a formula),
    quote-prefixed when formula-like; empty (None) for "" or None. No style is set."""
    text = clean_text(value)
    cell = WriteOnlyCell(ws, value=text or None)
    if text:
        cell.data_type = "s"
        if is_formula_like(text):
            cell.quotePrefix = True
    return cell
