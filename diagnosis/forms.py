"""Forms of diagnosis: the self-diagnosis form (fields built from the index edition) and the advice form.

Field names are part of the interface (end-to-end tests use them): ``current_<code>``, ``target_<code>``,
``evidence_<code>``, ``action_<code>`` (code like ``4-1``), ``advice_mode``, ``advice_date_candidates``,
``questionnaire``, ``dx_stage``. Validation of values is the service's job (one set of rules); the form
only renders, keeps what was typed, and shows the service's errors next to each field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Diagnosis, DiagnosisAnswer, IndexItem, MaturityLevel
from .services import ANSWER_LEVEL_FIELDS, ANSWER_TEXT_FIELDS, AnswerData, DiagnosisMeta, form_field_name

META_FIELDS = ("advice_mode", "advice_date_candidates", "questionnaire", "dx_stage")


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
        **kwargs: Any,
    ) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        answers = answers or {}
        if diagnosis is not None:
            for field in META_FIELDS:
                initial.setdefault(field, getattr(diagnosis, field))
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
        for item in items:
            self.fields[form_field_name("current", item.code)] = forms.CharField(
                label=_("現在"), required=False, widget=forms.RadioSelect(choices=level_choices)
            )
            self.fields[form_field_name("target", item.code)] = forms.CharField(
                label=_("目標（3年後）"), required=False, widget=forms.RadioSelect(choices=level_choices)
            )
            self.fields[form_field_name("evidence", item.code)] = forms.CharField(
                label=_("根拠・エビデンス"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[form_field_name("action", item.code)] = forms.CharField(
                label=_("アクション"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

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
        self.errors  # noqa: B018 - runs the form's cleaning first; add_error needs cleaned_data
        for name, messages in message_dict.items():
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)


class AdviceForm(forms.Form):
    """DX診断アドバイス: 実施日, 形式, ヒアリングメモ, アドバイス."""

    held_on = forms.DateField(
        label=_("実施日"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    mode = forms.ChoiceField(label=_("形式"), choices=Diagnosis.AdviceMode.choices)
    notes = forms.CharField(
        label=_("ヒアリングメモ"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    advice = forms.CharField(label=_("アドバイス"), required=False, widget=forms.Textarea(attrs={"rows": 8}))


class AdvisorChoiceField(forms.ModelChoiceField):
    """Users shown as 「姓 名（組織）」."""

    def label_from_instance(self, obj) -> str:
        name = f"{obj.last_name} {obj.first_name}".strip() or obj.email
        org = getattr(obj, "itc_organization_name", "")
        return gettext("%(name)s（%(organization)s）") % {"name": name, "organization": org} if org else name


class AdvisorAssignForm(forms.Form):
    """DX診断アドバイザーの割り当て: ``advisor`` = an ITC member of the consortium (others refused)."""

    advisor = AdvisorChoiceField(
        label=_("DX診断アドバイザー"), queryset=None, empty_label=_("選択してください")
    )

    def __init__(self, *args, consortium, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model
        from django.db.models import OuterRef, Subquery

        from programs.models import Membership

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
