"""Forms of diagnosis: the self-diagnosis form (fields built from the index edition) and the advice form.

Field names are part of the interface (end-to-end tests use them): ``current_<code>``, ``target_<code>``,
``evidence_<code>``, ``action_<code>`` (code like ``4-1``), ``advice_mode``, ``advice_date_candidates``,
``questionnaire``, ``dx_stage``; 定量指標 rows ``ind_<row id>_<name|unit|current_value|target_value|
calculation_method|action>`` and, to add a row, ``new_indicator`` (library id) or ``new_indicator_name`` /
``new_indicator_unit``. Validation of values is the service's job (one set of rules); the form
only renders, keeps what was typed, and shows the service's errors next to each field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from diagnosis.models import (
    Diagnosis,
    DiagnosisAnswer,
    DiagnosisIndicator,
    IndexItem,
    MaturityLevel,
    QuantitativeIndicator,
    RespondentAnswer,
)
from diagnosis.services import (
    ANSWER_LEVEL_FIELDS,
    ANSWER_TEXT_FIELDS,
    INDICATOR_DECIMAL_FIELDS,
    INDICATOR_TEXT_FIELDS,
    AnswerData,
    DiagnosisMeta,
    IndicatorData,
    form_field_name,
    indicator_field_name,
)
from dxcommunity.edit_conflict import version_form_field
from dxcommunity.ui.forms import form_add_service_error
from dxcommunity.ui.names import person_with_organization

META_FIELDS = ("advice_mode", "advice_date_candidates", "questionnaire", "dx_stage")


def _item_fields(item: Any, level_choices: list[tuple[str, str]]) -> dict[str, forms.Field]:
    """One item's answer fields: ``current_<code>`` and ``target_<code>`` (radio over ``level_choices``,
    maturity 0–5) and ``evidence_<code>`` (text), all optional (the service checks completeness)."""
    return {
        form_field_name("current", item.code): forms.CharField(
            label=_("現在"), required=False, widget=forms.RadioSelect(choices=level_choices)
        ),
        form_field_name("target", item.code): forms.CharField(
            label=_("目標（3年後）"), required=False, widget=forms.RadioSelect(choices=level_choices)
        ),
        form_field_name("evidence", item.code): forms.CharField(
            label=_("根拠・エビデンス"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        ),
    }


class DiagnosisForm(forms.Form):
    """The DX自己診断 form of one diagnosis: per item 現在 / 目標（3年後） (radio 0–5), 根拠, アクション."""

    advice_mode = forms.ChoiceField(
        label=_("アドバイス希望形式"),
        choices=Diagnosis.AdviceMode.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    advice_date_candidates = forms.CharField(
        label=_("アドバイス希望日時（候補）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("例: 8/3 午後、8/5 終日")}),
    )
    questionnaire = forms.CharField(
        label=_("アンケート"),
        required=False,
        help_text=_("DXへの期待、困りごと、事務局への要望などをご記入ください。"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    dx_stage = forms.TypedChoiceField(
        label=_("DXの段階（自己評価）"),
        choices=Diagnosis.DxStage.choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args: Any,
        items: list[IndexItem],
        levels: list[MaturityLevel],
        answers: dict[int, DiagnosisAnswer] | None = None,
        diagnosis: Diagnosis | None = None,
        indicators: list[DiagnosisIndicator] | None = None,
        library: list[QuantitativeIndicator] | None = None,
        **kwargs: Any,
    ) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        answers = answers or {}
        self.indicator_rows = list(indicators or [])
        for row in self.indicator_rows:
            for field in (*INDICATOR_TEXT_FIELDS, *INDICATOR_DECIMAL_FIELDS):
                value = getattr(row, field)
                if field in INDICATOR_DECIMAL_FIELDS and value is not None:
                    value = format(value.normalize(), "f")  # 12.5000 → "12.5"
                initial.setdefault(indicator_field_name(field, row.pk), "" if value is None else value)
        if diagnosis is not None:
            for field in META_FIELDS:
                initial.setdefault(field, getattr(diagnosis, field))
            initial.setdefault("version", diagnosis.version)
        level_choices = [(str(lv.level), f"{lv.level} {lv.name}") for lv in levels]
        self.items = items
        for item in items:
            answer = answers.get(item.pk)
            for field in ANSWER_LEVEL_FIELDS:
                name = form_field_name(field, item.code)
                if answer is not None and getattr(answer, field) is not None:
                    initial.setdefault(name, str(getattr(answer, field)))
            for field in ANSWER_TEXT_FIELDS:
                name = form_field_name(field, item.code)
                if answer is not None:
                    initial.setdefault(name, getattr(answer, field))
        super().__init__(*args, initial=initial, **kwargs)
        # The draft's version when the page was loaded (the autosave answer moves it on); it covers the
        # answers and indicator rows.
        self.fields["version"] = version_form_field()
        for item in items:
            self.fields.update(_item_fields(item, level_choices))
            self.fields[form_field_name("action", item.code)] = forms.CharField(
                label=_("アクション"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        for row in self.indicator_rows:
            self._add_indicator_fields(row)
        self.fields["new_indicator"] = forms.ChoiceField(
            label=_("ライブラリから選ぶ"),
            required=False,
            choices=[("", gettext("選択してください"))] + [(str(i.pk), i.name) for i in (library or [])],
        )
        self.fields["new_indicator_name"] = forms.CharField(
            label=_("または自社で定義する指標名"), required=False, max_length=200
        )
        self.fields["new_indicator_unit"] = forms.CharField(
            label=_("単位"), required=False, max_length=50, widget=forms.TextInput(attrs={"size": 8})
        )

    def _add_indicator_fields(self, row: DiagnosisIndicator) -> None:
        def name(field: str) -> str:
            return indicator_field_name(field, row.pk)

        number = {"inputmode": "decimal", "autocomplete": "off"}
        self.fields[name("name")] = forms.CharField(label=_("指標名"), required=False, max_length=200)
        self.fields[name("unit")] = forms.CharField(
            label=_("単位"), required=False, max_length=50, widget=forms.TextInput(attrs={"size": 8})
        )
        self.fields[name("current_value")] = forms.CharField(
            label=_("現在値"), required=False, widget=forms.TextInput(attrs=number)
        )
        self.fields[name("target_value")] = forms.CharField(
            label=_("3年後の目標値"), required=False, widget=forms.TextInput(attrs=number)
        )
        self.fields[name("calculation_method")] = forms.CharField(
            label=_("算出方法・エビデンス"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
        self.fields[name("action")] = forms.CharField(
            label=_("アクション"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        )

    def indicator_fields(self) -> list[dict[str, Any]]:
        """Per 定量指標 row: ``{"row", "name", "unit", "current_value", "target_value",
        "calculation_method", "action"}`` (bound fields), for the template."""
        return [
            {
                "row": row,
                **{
                    f: self[indicator_field_name(f, row.pk)]
                    for f in (*INDICATOR_TEXT_FIELDS, *INDICATOR_DECIMAL_FIELDS)
                },
            }
            for row in self.indicator_rows
        ]

    def indicators_data(self) -> dict[int, IndicatorData]:
        """The typed 定量指標 values keyed by row id, raw (the service validates). Rows whose fields were
        not sent (e.g. removed meanwhile) are left out."""
        data: dict[int, IndicatorData] = {}
        for row in self.indicator_rows:
            values = {
                f: self.data[indicator_field_name(f, row.pk)]
                for f in (*INDICATOR_TEXT_FIELDS, *INDICATOR_DECIMAL_FIELDS)
                if self.is_bound and indicator_field_name(f, row.pk) in self.data
            }
            if values:
                data[row.pk] = values  # type: ignore[assignment]
        return data

    def raw(self, name: str) -> str:
        """The value as typed (bound form) for ``name``; the service validates it."""
        return self.data.get(name, "") if self.is_bound else ""

    def answers_data(self) -> dict[str, AnswerData]:
        """The typed answers keyed by item code, raw (the service validates; blank clears)."""
        return {
            item.code: {
                field: self.raw(form_field_name(field, item.code))
                for field in (*ANSWER_LEVEL_FIELDS, *ANSWER_TEXT_FIELDS)
            }
            for item in self.items
        }

    def meta_data(self) -> DiagnosisMeta:
        """The typed submission details, raw (the service validates)."""
        return {field: self.raw(field) for field in META_FIELDS}  # type: ignore[return-value]

    def add_service_errors(self, message_dict: dict[str, list[str]]) -> None:
        """Attach a service ``ValidationError.message_dict`` to the fields it names (others: non-field)."""
        form_add_service_error(self, message_dict)


class RespondentForm(forms.Form):
    """One respondent's own answers (回答者別): ``current_<code>``, ``target_<code>`` (radio 0–5),
    ``evidence_<code>``. The service validates."""

    def __init__(
        self,
        *args: Any,
        items: list[IndexItem],
        levels: list[MaturityLevel],
        answers: dict[int, RespondentAnswer] | None = None,
        **kwargs: Any,
    ) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        answers = answers or {}
        self.items = items
        for item in items:
            answer = answers.get(item.pk)
            if answer is None:
                continue
            for field in ANSWER_LEVEL_FIELDS:
                if getattr(answer, field) is not None:
                    initial.setdefault(form_field_name(field, item.code), str(getattr(answer, field)))
            initial.setdefault(form_field_name("evidence", item.code), answer.evidence)
        super().__init__(*args, initial=initial, **kwargs)
        level_choices = [(str(lv.level), f"{lv.level} {lv.name}") for lv in levels]
        for item in items:
            self.fields.update(_item_fields(item, level_choices))

    def answers_data(self) -> dict[str, AnswerData]:
        """The typed answers keyed by item code, raw."""
        return {
            item.code: {
                field: self.data.get(form_field_name(field, item.code), "")
                for field in (*ANSWER_LEVEL_FIELDS, "evidence")
            }
            for item in self.items
        }

    add_service_errors = DiagnosisForm.add_service_errors


class ReopenForm(forms.Form):
    """差し戻し: ``reason`` (required)."""

    reason = forms.CharField(
        label=_("差し戻しの理由"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("企業と事務局に表示され、変更履歴に残ります。"),
        error_messages={"required": _("差し戻しの理由を入力してください。")},
    )


class AdvisorChoiceField(forms.ModelChoiceField):
    """Users shown as 「姓 名（組織）」."""

    def label_from_instance(self, obj) -> str:
        return person_with_organization(obj, getattr(obj, "itc_organization_name", ""))


class AdvisorAssignForm(forms.Form):
    """DX診断アドバイザーの割り当て: ``advisor`` = an ITC member of the consortium (others refused)."""

    advisor = AdvisorChoiceField(
        label=_("DX診断アドバイザー"), queryset=None, empty_label=_("選択してください")
    )

    def __init__(self, *args, consortium, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model
        from django.db.models import OuterRef, Subquery

        from dxcommunity.tenancy.models import Membership

        itc = Membership.objects.filter(consortium=consortium, role=Membership.Role.ITC, is_active=True)
        self.fields["advisor"].queryset = (
            get_user_model()
            .objects.filter(pk__in=itc.values("user"))
            .annotate(
                itc_organization_name=Subquery(
                    itc.filter(user=OuterRef("pk")).values("organization__name")[:1]
                )
            )
            .order_by("last_name", "first_name", "pk")
        )
