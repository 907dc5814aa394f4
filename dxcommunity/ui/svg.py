"""Server-side SVG charts: no JavaScript, the same markup on a page and in a WeasyPrint PDF.

A chart module builds its elements as strings (every text through ``escape``) and hands
them to ``svg_chart``, which wraps them in the one ``<svg>`` element every chart shares (viewBox, size,
role="img", accessible title, Japanese font stack) and marks the result safe for templates.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# The fonts the Docker image installs for Japanese text; WeasyPrint and browsers fall back in this order.
FONT = "Noto Sans CJK JP, Noto Sans JP, sans-serif"


def svg_chart(
    elements: Iterable[str],
    *,
    css_class: str,
    width: int,
    height: int | float,
    title: str,
    font_size: int,
) -> SafeString:
    """The ``<svg>`` document of a chart: ``elements`` (markup already escaped by the caller) inside an
    ``<svg>`` of ``width`` × ``height`` viewBox units (also its size in px; it scales to its container),
    with ``title`` as its accessible name and first child. Returns markup safe to insert as is."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}" font-size="{font_size}">'
        f"<title>{escape(title)}</title>"
    )
    return mark_safe(head + "".join(elements) + "</svg>")  # noqa: S308 - the caller escaped every text
