"""The DX plan's roadmap as a server-side SVG Gantt chart (months over the plan's span): no JavaScript,
the same markup on the plan page and in WeasyPrint. Every text is escaped here; the result is safe."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dxcommunity.ui.svg import svg_chart

WIDTH = 680  # viewBox units
LABEL_W = 200  # title (+ owner) column
PLOT_RIGHT = 670
ROW_H = 22
TOP = 40  # year row + month row
COLORS = ("#1f5fbf", "#f3a33a", "#2f9e6b", "#9b59b6", "#d9534f", "#5b6b7f")
MAX_TITLE = 16  # characters shown in the label column (full title in the bar's <title>)


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def roadmap_svg(*, items: list[Any], title: str = "ロードマップ") -> SafeString:
    """SVG of ``items`` (objects or dicts with ``title``, ``start_month``, ``end_month`` (dates, first of
    the month), ``owner``): one bar per item from its start month to the end of its end month, over the
    months from the earliest start to the latest end (a year row and a month row on top). Returns "" for
    no items."""

    def get(item: Any, key: str) -> Any:
        return item[key] if isinstance(item, dict) else getattr(item, key)

    if not items:
        return mark_safe("")
    first = min(get(i, "start_month") for i in items).replace(day=1)
    last = max(get(i, "end_month") for i in items).replace(day=1)
    n_months = _months_between(first, last) + 1
    col = (PLOT_RIGHT - LABEL_W) / n_months
    height = TOP + len(items) * ROW_H + 8
    step = 1 if col >= 14 else (3 if col >= 5 else 6)  # month labels every 1 / 3 / 6 months
    parts: list[str] = []
    # Month grid, month numbers, and a year label at each January (and at the first month).
    for m in range(n_months):
        year, month0 = divmod(first.month - 1 + m, 12)
        year += first.year
        x = LABEL_W + m * col
        shade = "#f4f6fa" if (year % 2) else "#ffffff"
        parts.append(
            f'<rect x="{x:.1f}" y="16" width="{col:.1f}" height="{height - 24}" fill="{shade}" '
            f'stroke="#dde2ea" stroke-width="0.5"/>'
        )
        if m % step == 0:
            parts.append(
                f'<text x="{x + col / 2:.1f}" y="{TOP - 6}" text-anchor="middle" fill="#444">'
                f"{month0 + 1}</text>"
            )
        if m == 0 or month0 == 0:
            parts.append(f'<text x="{x + 2:.1f}" y="12" fill="#1d2433" font-weight="bold">{year}年</text>')
    for row, item in enumerate(items):
        y = TOP + row * ROW_H
        start = _months_between(first, get(item, "start_month").replace(day=1))
        span = _months_between(get(item, "start_month"), get(item, "end_month")) + 1
        name = str(get(item, "title"))
        owner = str(get(item, "owner") or "")
        label = _short(name, MAX_TITLE)
        parts.append(f'<text x="4" y="{y + 15}" fill="#1d2433">{escape(label)}</text>')
        if owner:
            parts.append(
                f'<text x="{LABEL_W - 4}" y="{y + 15}" text-anchor="end" fill="#666" font-size="8">'
                f"{escape(_short(owner, 8))}</text>"
            )
        color = COLORS[row % len(COLORS)]
        parts.append(
            f'<rect class="bar" x="{LABEL_W + start * col + 1:.1f}" y="{y + 4}" '
            f'width="{max(span * col - 2, 2):.1f}" height="{ROW_H - 8}" rx="3" fill="{color}">'
            f"<title>{escape(name)} {get(item, 'start_month'):%Y-%m}〜"
            f"{get(item, 'end_month'):%Y-%m}</title></rect>"
        )
    parts.append(
        f'<line x1="{LABEL_W}" y1="16" x2="{LABEL_W}" y2="{height - 8}" stroke="#8892a0" stroke-width="1"/>'
    )
    return svg_chart(parts, css_class="roadmap-chart", width=WIDTH, height=height, title=title, font_size=10)
