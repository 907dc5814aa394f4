"""List filters of matching's pages (django-filter), applied by the selectors below."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dxcommunity.ui.filters import Filtered, filter_queryset
from matching.models import MatchingRequest


class MatchingRequestFilter(django_filters.FilterSet):
    """GET filter of the needs list: ``status`` (a MatchingRequest.Status value, one pipeline column)."""

    status = django_filters.ChoiceFilter(
        label=_("状態"), choices=MatchingRequest.Status.choices, empty_label=_("すべて")
    )


def matching_requests_filtered(
    *, requests: QuerySet[MatchingRequest], data: Any
) -> Filtered[MatchingRequest]:
    """``requests`` narrowed by the needs list's GET ``data``; an unknown status shows every request."""
    return filter_queryset(MatchingRequestFilter, data=data, queryset=requests)
