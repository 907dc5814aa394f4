"""`manage.py bench diagnosis`: prints its figures (no timing assertions: numbers are for people)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from dxcommunity.tenancy.models import Consortium

pytestmark = pytest.mark.django_db


def test_bench_diagnosis_prints_its_figures(index_edition):
    out = StringIO()
    with scopes_disabled():
        call_command("bench", "diagnosis", "--n", "20", "--requests", "3", stdout=out)
    text = out.getvalue()
    for line in (
        "n=20 submitted diagnoses",
        "result page server time (3 GETs)",
        "result page queries (n=20)",
        "result page queries (n=10)",
        ".xlsx export + import (one diagnosis)",
        "consortium means over 20 diagnoses",
        "consortium mean current / target",
        "cleaned up",
    ):
        assert line in text, text
    assert "(constant)" in text and "of the page (budget ≤ 15)" in text, text
    with scopes_disabled():
        assert not Consortium.objects.filter(slug__startswith="bench-").exists()
