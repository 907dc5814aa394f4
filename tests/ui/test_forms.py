"""A service's ValidationError shown on the form (dxcommunity.ui.forms)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from dxcommunity.ui.forms import form_add_service_error


class NameForm(forms.Form):
    name = forms.CharField()
    note = forms.CharField(required=False)


def bound(**data):
    form = NameForm({"name": "水戸建設", **data})
    assert form.is_valid()
    return form


def test_field_errors_go_on_their_fields_and_unknown_keys_on_the_form():
    form = bound()
    form_add_service_error(form, ValidationError({"name": "同じ名前があります。", "program": "締切後です。"}))

    assert form.errors["name"] == ["同じ名前があります。"]
    assert form.non_field_errors() == ["締切後です。"]
    assert "name" not in form.cleaned_data


def test_plain_messages_are_non_field_errors_with_their_code():
    form = bound()
    form_add_service_error(form, ValidationError(["一つ目", "二つ目"]))

    assert form.non_field_errors() == ["一つ目", "二つ目"]
    form = bound()
    form_add_service_error(form, ValidationError("満席です。", code="full"))
    assert form.has_error(forms.forms.NON_FIELD_ERRORS, "full")


def test_a_default_field_takes_what_names_no_field():
    form = bound()
    form_add_service_error(form, ValidationError("割り当てできません。"), default_field="name")

    assert form.errors["name"] == ["割り当てできません。"] and not form.non_field_errors()


def test_a_message_dict_and_an_unvalidated_form():
    form = NameForm({"name": "x"})  # not validated yet: the helper cleans it first
    form_add_service_error(form, {"note": ["長すぎます。"], "items": ["項目が足りません。"]})

    assert form.errors["note"] == ["長すぎます。"] and form.non_field_errors() == ["項目が足りません。"]
