"""List filters of accompaniment's pages (django-filter), applied by the selectors below."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accompaniment.models import SatisfactionResponse
from dxcommunity.tenancy.models import Consortium, Region
from dxcommunity.ui.filters import Filtered, IntegerFilter, filter_queryset
from programs.models import Program


class SurveyResultsFilter(django_filters.FilterSet):
    """GET filters of the survey results: ``program`` and ``region`` (pks of the consortium's), ``kind``
    (SatisfactionResponse.Kind value), ``number`` (the session's number, 1–30)."""

    program = django_filters.ModelChoiceFilter(label=_("事業"), queryset=Program.objects.none())
    kind = django_filters.ChoiceFilter(
        label=_("種類"), choices=SatisfactionResponse.Kind.choices, empty_label=_("すべて")
    )
    number = IntegerFilter(label=_("回"), field_name="session__number", min_value=1, max_value=30)
    region = django_filters.ModelChoiceFilter(
        label=_("地域"), field_name="company__region", queryset=Region.objects.none()
    )

    def __init__(self, *args: Any, consortium: Consortium, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["program"].queryset = Program.objects.filter(consortium=consortium).order_by(
            "-fiscal_year"
        )
        self.filters["region"].queryset = Region.objects.filter(consortium=consortium).order_by("key")


def survey_responses_filtered(
    *, responses: QuerySet[SatisfactionResponse], data: Any, consortium: Consortium
) -> Filtered[SatisfactionResponse]:
    """``responses`` narrowed by the results page's GET ``data``; the choices are ``consortium``'s."""
    return filter_queryset(SurveyResultsFilter, data=data, queryset=responses, consortium=consortium)
