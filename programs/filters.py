"""List filters of programs' pages (django-filter), applied by the selectors below."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dxcommunity.tenancy.models import Company, MemberOrganization, Region
from dxcommunity.ui.filters import Filtered, filter_queryset
from programs.models import CompanyApplication, Participation, Program


def _scoped_already(queryset: QuerySet, name: str, value: Any) -> QuerySet:
    """The program filter's method: the view has scoped the list to the program (``program_from_request``)."""
    return queryset


class CompanyFilter(django_filters.FilterSet):
    """Filters of the company list (GET ``program``: pk of a program, applied by the view; ``stage``:
    Participation.Stage value of the company's participation shown; ``region``: pk of a region)."""

    program = django_filters.ModelChoiceFilter(
        label=_("事業"), queryset=Program.objects.none(), empty_label=_("現在の参加"), method=_scoped_already
    )
    stage = django_filters.ChoiceFilter(
        label=_("ステージ"), choices=Participation.Stage.choices, empty_label=_("すべて")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("地域"), queryset=Region.objects.none(), empty_label=_("すべて")
    )

    def __init__(
        self, *args: Any, regions: QuerySet[Region], programs: QuerySet[Program], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = regions
        self.filters["program"].queryset = programs


def companies_filtered(
    *, companies: QuerySet[Company], data: Any, regions: QuerySet[Region], programs: QuerySet[Program]
) -> Filtered[Company]:
    """``companies`` narrowed by the company list's GET ``data``; ``regions`` and ``programs``: those that
    may be chosen."""
    return filter_queryset(CompanyFilter, data=data, queryset=companies, regions=regions, programs=programs)


class ApplicationFilter(django_filters.FilterSet):
    """Filters of the coordinator's application list (GET ``status``, ``region``, ``source``,
    ``recommender``: a CompanyApplication.Status / Source value or the pk of a region / organization)."""

    status = django_filters.ChoiceFilter(
        label=_("状態"), choices=CompanyApplication.Status.choices, empty_label=_("すべて")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("地域"), queryset=Region.objects.none(), empty_label=_("すべて")
    )
    source = django_filters.ChoiceFilter(
        label=_("応募経路"), choices=CompanyApplication.Source.choices, empty_label=_("すべて")
    )
    recommender = django_filters.ModelChoiceFilter(
        label=_("推薦機関"),
        field_name="recommended_by",
        queryset=MemberOrganization.objects.none(),
        empty_label=_("すべて"),
    )

    def __init__(
        self,
        *args: Any,
        regions: QuerySet[Region],
        organizations: QuerySet[MemberOrganization],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = regions
        self.filters["recommender"].queryset = organizations


def applications_filtered(
    *,
    applications: QuerySet[CompanyApplication],
    data: Any,
    regions: QuerySet[Region],
    organizations: QuerySet[MemberOrganization],
) -> Filtered[CompanyApplication]:
    """``applications`` narrowed by the application list's GET ``data``; ``regions`` and ``organizations``
    (recommenders): those that may be chosen."""
    return filter_queryset(
        ApplicationFilter, data=data, queryset=applications, regions=regions, organizations=organizations
    )
