"""The form and page side of optimistic locking (the service side is ``dxcommunity.concurrency``).

Every edit form carries ``version`` (``version_form_field``: hidden, required), the version of the record
the form was loaded with; the view passes it to the service. When the service raises ``EditConflict``,
the view calls ``edit_conflict_context`` and renders the same page with status 409: the form stays bound
to what the user typed, its ``version`` becomes the stored one (so 「保存」 again means "keep mine,
overwrite theirs"), and ``templates/includes/edit_conflict.html`` shows field by field what the other
person saved next to what this user typed, with a link that reloads the stored record ("take theirs").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from dxcommunity.concurrency import EditConflict

VERSION_FIELD = "version"


def version_form_field() -> forms.IntegerField:
    """The hidden ``version`` field of an edit form: the record's version when the form was loaded
    (0 for a record not created yet). Required: a form without it is not accepted."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": _lazy("画面を読み込み直してから入力してください。")},
    )


def add_version_field(form: forms.ModelForm) -> None:
    """Give a ModelForm editing a stored record its ``version`` field (initial: the record's version);
    a create form (unsaved instance) gets none."""
    if form.instance.pk:
        form.fields[VERSION_FIELD] = version_form_field()
        form.initial.setdefault(VERSION_FIELD, form.instance.version)


@dataclass(frozen=True)
class ConflictRow:
    """One line of the comparison: label, the stored text (theirs), the typed text (mine)."""

    label: str
    theirs: str
    mine: str

    @property
    def changed(self) -> bool:
        return self.theirs.strip() != self.mine.strip()


def _choice_labels(field: forms.Field | forms.Widget) -> dict[str, str]:
    labels: dict[str, str] = {}
    for key, label in field.choices:
        if isinstance(label, list | tuple):  # an optgroup
            labels.update({str(k): str(v) for k, v in label})
        else:
            labels[str(getattr(key, "value", key))] = str(label)
    return labels


def field_text(field: forms.Field, value: Any) -> str:
    """``value`` (stored Python value or typed data) as the text a person reads: choice labels, はい /
    いいえ, dates as the widget shows them."""
    value = field.prepare_value(value)
    if isinstance(field, forms.BooleanField):
        return _("はい") if value else _("いいえ")
    if hasattr(field, "choices") or getattr(field.widget, "choices", None):
        labels = _choice_labels(field if hasattr(field, "choices") else field.widget)
        values = value if isinstance(value, list | tuple) else [value]
        return "、".join(labels.get(str(v), str(v)) for v in values if v not in (None, ""))
    if value is None:
        return ""
    shown = field.widget.format_value(value)
    return "" if shown is None else str(shown)


def form_values(form: forms.BaseForm) -> dict[str, Any]:
    """{field name: value} of an unbound form (its initial values): the stored record as the form shows
    it, for ``edit_conflict_context(theirs=…)``."""
    return {name: form[name].value() for name in form.fields}


def posted_version(data: Mapping[str, Any]) -> int:
    """The ``version`` a POST carried, for views that read raw data instead of a validated form.
    Raises ValidationError({"version": …}) when it is missing or not a whole number ≥ 0."""
    try:
        return version_form_field().clean(data.get(VERSION_FIELD))
    except ValidationError as exc:
        raise ValidationError({VERSION_FIELD: exc.messages}) from None


def edit_conflict_context(
    *,
    form: forms.BaseForm,
    conflict: EditConflict,
    reload_url: str,
    theirs: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    extra_rows: Iterable[ConflictRow] = (),
) -> dict[str, Any]:
    """Prepare the page of a conflict: returns ``{"edit_conflict": {"rows": [ConflictRow] (the fields
    that differ), "reload_url", "saved_at", "version"}}`` for the shared include, and sets the bound
    ``form``'s ``version`` to the stored one (the form keeps every typed value).

    ``theirs``: {form field name: stored value} (default: the stored record's fields of the same name);
    fields missing from it are not compared (``form_values(fresh_form)`` gives it for a form built from the
    stored record). ``labels``: {field name: label} where the field's own label is not enough (default:
    the field's label). ``extra_rows``: rows the form has no field for (KPI lines, attendees, …).
    """
    current = conflict.current
    stored = dict(model_to_dict(current) if theirs is None else theirs)
    data = form.data.copy()
    data[form.add_prefix(VERSION_FIELD)] = str(current.version)
    form.data = data
    rows = [
        ConflictRow(
            label=str((labels or {}).get(name) or field.label or name),
            theirs=field_text(field, stored[name]),
            mine=field_text(field, form[name].value()),
        )
        for name, field in form.fields.items()
        if name != VERSION_FIELD and name in stored
    ]
    rows += list(extra_rows)
    return {
        "edit_conflict": {
            "rows": [r for r in rows if r.changed],
            "reload_url": reload_url,
            "saved_at": getattr(current, "updated_at", None),
            "version": current.version,
        }
    }
