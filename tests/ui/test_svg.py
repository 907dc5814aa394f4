"""The shared <svg> wrapper of the server-side charts (dxcommunity.ui.svg)."""

from __future__ import annotations

from django.utils.safestring import SafeString

from dxcommunity.ui.svg import FONT, svg_chart


def test_the_chart_document_has_size_accessible_title_and_font():
    svg = svg_chart(
        ['<rect x="0" y="0"/>'], css_class="dx-chart", width=640, height=88, title="現在<目標>", font_size=11
    )

    assert isinstance(svg, SafeString)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="dx-chart" viewBox="0 0 640 88" ')
    assert 'role="img" aria-label="現在&lt;目標&gt;"' in svg and f'font-family="{FONT}" font-size="11"' in svg
    assert svg.endswith('<title>現在&lt;目標&gt;</title><rect x="0" y="0"/></svg>')
