"""Server-side SVG charts of a diagnosis result: no JavaScript, the same markup on the page and in WeasyPrint.

One horizontal bar chart per group (経営視点 / IT視点): per item the current maturity (blue bar), the
3-year target (orange bar) and the consortium's mean (black diamond); IPA's national means (current and
target, group figures where published, else the overall figure) as vertical reference lines, with their
year and n in the legend. Every text is escaped here; the result is marked safe for templates.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from dxcommunity.ui.svg import svg_chart

WIDTH = 640  # viewBox units (px on screen; the SVG scales to its container)
LABEL_W = 250  # item code + title column
PLOT_RIGHT = 620
ROW_H = 24
TOP = 64  # legend rows + axis labels
MAX_LEVEL = 5
COLOR_CURRENT = "#1f5fbf"
COLOR_TARGET = "#f3a33a"
COLOR_CONSORTIUM = "#1d2433"
COLOR_IPA_CURRENT = "#6b7280"
COLOR_IPA_TARGET = "#b45309"


def _x(level: float | Decimal) -> float:
    return round(LABEL_W + float(level) * (PLOT_RIGHT - LABEL_W) / MAX_LEVEL, 1)


def _fmt(value: Any) -> str:
    return "—" if value is None else str(value)


def group_chart_svg(
    *,
    title: str,
    rows: list[dict[str, Any]],
    ipa: dict[str, Any] | None,
    ipa_group: dict[str, Any] | None,
    consortium_n: int,
) -> SafeString:
    """SVG of one group. ``rows``: result rows (``code``, ``title``, ``current``, ``target``, ``consortium``
    {"current"}); ``ipa``: the IPA series (``year``, ``n``, ``overall``); ``ipa_group``: its figures for this
    group ({"current", "target"}, values may be None → the overall figure is used and the legend says so).
    Maturity: 0–5. Returns markup safe to insert as is.
    """
    height = TOP + len(rows) * ROW_H + 10
    bottom = TOP + len(rows) * ROW_H
    parts: list[str] = []
    # Legend, line 1: own answers and the consortium's mean.
    legend = [
        ("rect", COLOR_CURRENT, _("現在")),
        ("rect", COLOR_TARGET, _("目標（3年後）")),
        ("diamond", COLOR_CONSORTIUM, _("コミュニティ平均（現在, n=%(n)s）") % {"n": consortium_n}),
    ]
    x = 4
    for shape, color, label in legend:
        if shape == "rect":
            parts.append(f'<rect x="{x}" y="6" width="12" height="8" fill="{color}"/>')
        else:
            parts.append(f'<path d="M{x + 6} 4 L{x + 11} 10 L{x + 6} 16 L{x + 1} 10 Z" fill="{color}"/>')
        parts.append(f'<text x="{x + 16}" y="14">{escape(label)}</text>')
        x += 24 + len(label) * 11
    # Legend, line 2: IPA's national means.
    if ipa is not None:
        current = (ipa_group or {}).get("current")
        target = (ipa_group or {}).get("target")
        scope_label = _("視点別")
        if current is None:
            current, target, scope_label = ipa["overall"]["current"], ipa["overall"]["target"], _("全体")
        ipa_text = _("IPA全国平均（%(year)s年, n=%(n)s, %(scope)s）: 現在 %(current)s / 目標 %(target)s") % {
            "year": ipa["year"],
            "n": f"{ipa['n']:,}",
            "scope": scope_label,
            "current": _fmt(current),
            "target": _fmt(target),
        }
        parts.append(
            f'<line x1="4" y1="28" x2="16" y2="28" stroke="{COLOR_IPA_CURRENT}" stroke-width="2" '
            f'stroke-dasharray="4 2"/><line x1="20" y1="28" x2="32" y2="28" stroke="{COLOR_IPA_TARGET}" '
            f'stroke-width="2" stroke-dasharray="1 2"/>'
        )
        parts.append(f'<text x="36" y="32">{escape(ipa_text)}</text>')
    else:
        parts.append(
            f'<text x="4" y="32" fill="#666">{escape(_("IPAの全国平均は登録されていません。"))}</text>'
        )
    # Axis: levels 0–5.
    for level in range(MAX_LEVEL + 1):
        lx = _x(level)
        parts.append(f'<line x1="{lx}" y1="{TOP - 8}" x2="{lx}" y2="{bottom}" stroke="#e2e5eb"/>')
        parts.append(f'<text x="{lx}" y="{TOP - 12}" text-anchor="middle" fill="#666">{level}</text>')
    for i, r in enumerate(rows):
        y = TOP + i * ROW_H
        label = f"{r['code']} {r['title']}"
        tip = _("%(label)s: 現在 %(current)s / 目標 %(target)s / コミュニティ平均 %(mean)s") % {
            "label": label,
            "current": _fmt(r["current"]),
            "target": _fmt(r["target"]),
            "mean": _fmt((r.get("consortium") or {}).get("current")),
        }
        parts.append(f"<g><title>{escape(tip)}</title>")
        weight = ' font-weight="bold"' if r.get("kind") == "key" else ""
        parts.append(f'<text x="4" y="{y + 15}"{weight}>{escape(label)}</text>')
        if r["current"] is not None:
            w = _x(r["current"]) - LABEL_W
            parts.append(f'<rect x="{LABEL_W}" y="{y + 3}" width="{w}" height="8" fill="{COLOR_CURRENT}"/>')
        if r["target"] is not None:
            w = _x(r["target"]) - LABEL_W
            parts.append(f'<rect x="{LABEL_W}" y="{y + 12}" width="{w}" height="8" fill="{COLOR_TARGET}"/>')
        mean = (r.get("consortium") or {}).get("current")
        if mean is not None:
            mx = _x(mean)
            parts.append(
                f'<path d="M{mx} {y + 2} L{mx + 5} {y + 7} L{mx} {y + 12} L{mx - 5} {y + 7} Z" '
                f'fill="{COLOR_CONSORTIUM}" stroke="#fff" stroke-width="0.8"/>'
            )
        parts.append("</g>")
    if ipa is not None:
        current = (ipa_group or {}).get("current")
        target = (ipa_group or {}).get("target")
        if current is None:
            current, target = ipa["overall"]["current"], ipa["overall"]["target"]
        for value, color, dash in ((current, COLOR_IPA_CURRENT, "4 2"), (target, COLOR_IPA_TARGET, "1 2")):
            if value is not None:
                lx = _x(value)
                parts.append(
                    f'<line x1="{lx}" y1="{TOP - 6}" x2="{lx}" y2="{bottom}" stroke="{color}" '
                    f'stroke-width="1.5" stroke-dasharray="{dash}"/>'
                )
    return svg_chart(parts, css_class="dx-chart", width=WIDTH, height=height, title=title, font_size=11)


def result_charts(*, results: dict[str, Any], comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """One chart per group: ``[{"key", "name", "svg"}]`` in the index's group order."""
    ipa = comparison.get("ipa")
    charts = []
    for group in results["groups"]:
        rows = [r for r in results["rows"] if r["group_key"] == group["key"]]
        name = _("%(group)s（%(n)s項目）") % {"group": group["short_name"] or group["name"], "n": len(rows)}
        charts.append(
            {
                "key": group["key"],
                "name": name,
                "svg": group_chart_svg(
                    title=_("%(group)s: 現在・目標・コミュニティ平均・IPA全国平均") % {"group": name},
                    rows=rows,
                    ipa=ipa,
                    ipa_group=(ipa or {}).get("groups", {}).get(group["key"]),
                    consortium_n=comparison["consortium"]["diagnoses"],
                ),
            }
        )
    return charts
