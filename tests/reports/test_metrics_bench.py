"""`bench program` with tiny sizes: prints its figures and cleans up (no timing assertions)."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from dxcommunity.bench.program import bench_program
from dxcommunity.tenancy.models import Company, Consortium

pytestmark = pytest.mark.django_db(transaction=False)


def test_bench_program_prints_its_figures(index_edition):
    lines: list[str] = []
    bench_program(lines.append, n=12, small=4, report_n=6, requests=2)
    text = "\n".join(lines)
    for label in (
        "generated (12 companies)",
        "AccompanimentSession=120",
        "dashboard server time (4 companies)",
        "dashboard server time (12 companies)",
        "dashboard queries (4 companies)",
        "dashboard queries (12 companies)",
        "results report .xlsx (6 companies)",
        "cleaned up",
    ):
        assert label in text, text
    assert "equal, within budget ≤ 25" in text, text
    with scopes_disabled():
        assert not Consortium.objects.filter(slug__startswith="bench-").exists()
        assert not Company.objects.filter(name__startswith="ベンチ").exists()
