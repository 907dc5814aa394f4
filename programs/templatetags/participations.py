"""Template filters of participations: ``{{ value|stage_label }}``."""

from __future__ import annotations

from django import template

from programs.participations.selectors import stage_label as _stage_label

register = template.Library()


@register.filter
def stage_label(value: str | None) -> str:
    """The label of a ``Participation.Stage`` value ('' for None)."""
    return _stage_label(value)
