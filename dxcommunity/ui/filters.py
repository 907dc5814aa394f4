"""List filters (django-filter) applied the same way on every list page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import django_filters
from django import forms
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

EMPTY_VALUES = (None, "", [], (), {})


@dataclass(frozen=True)
class Filtered(Generic[M]):
    """A list filtered by GET parameters.

    ``queryset``: the filtered rows (the base queryset itself when no filter applies); ``form``: the
    filter form to render again (bound, with its errors, when parameters were given); ``active``: True
    when the parameters were valid and at least one filter had a value.
    """

    queryset: QuerySet[M]
    form: forms.Form
    active: bool


def filter_queryset(
    filterset_class: type[django_filters.FilterSet],
    *,
    data: Any,
    queryset: QuerySet[M],
    **kwargs: Any,
) -> Filtered[M]:
    """Apply ``filterset_class`` to ``queryset`` with ``data`` (usually ``request.GET``).

    Empty ``data`` leaves the form unbound (no errors shown). Invalid parameters (an unknown choice, a
    pk of another tenant, a letter where a number goes) filter nothing: the whole ``queryset`` comes
    back and the form carries the errors. ``kwargs`` go to the FilterSet's constructor (e.g. the
    tenant's regions for a region filter).
    """
    filterset = filterset_class(data or None, queryset=queryset, **kwargs)
    if not filterset.is_bound or not filterset.is_valid():
        return Filtered(queryset=queryset, form=filterset.form, active=False)
    active = any(value not in EMPTY_VALUES for value in filterset.form.cleaned_data.values())
    return Filtered(queryset=filterset.qs if active else queryset, form=filterset.form, active=active)


class IntegerFilter(django_filters.NumberFilter):
    """An exact match on an integer (an ``IntegerField`` in the form, so "1.5" is an error, not 1)."""

    field_class = forms.IntegerField
