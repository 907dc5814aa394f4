"""Service errors shown on the form that sent the data."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def form_add_service_error(
    form: forms.BaseForm,
    error: ValidationError | Mapping[str, list[str]],
    *,
    default_field: str | None = None,
) -> None:
    """Put what a service refused on ``form``, so the page shows it where the user typed.

    ``error``: the service's ``ValidationError`` (keyed by field name, or plain messages) or a
    ``message_dict``. A key that names one of the form's fields goes on that field; any other key and
    the plain messages go on ``default_field`` (None: the form's non-field errors). Codes and params
    of the ValidationError are kept. The form's own cleaning runs first when it has not yet.
    """
    form.errors  # noqa: B018 - full_clean first: add_error needs cleaned_data
    if isinstance(error, ValidationError) and not hasattr(error, "error_dict"):
        form.add_error(default_field, error.error_list)
        return
    errors = error.error_dict if isinstance(error, ValidationError) else error
    for name, messages in errors.items():
        form.add_error(name if name in form.fields else default_field, list(messages))
