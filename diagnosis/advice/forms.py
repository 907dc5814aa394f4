"""Forms of the DX診断アドバイス: the appointment (日程を確定) and the advice with item notes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from diagnosis.models import Diagnosis, IndexItem
from dxcommunity.edit_conflict import version_form_field

NOTE_PREFIX = "note_"


def note_field_name(code: str) -> str:
    """Form field of an item's hearing note, e.g. ``note_1-1`` (the item code as in the index)."""
    return f"{NOTE_PREFIX}{code}"


class ScheduleForm(forms.Form):
    """日程を確定: ``advice_scheduled_at`` (datetime-local, the consortium's time zone), ``advice_place``."""

    advice_scheduled_at = forms.DateTimeField(
        label=_("日時"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("日時を入力してください。"),
            "invalid": _("日時の形式が正しくありません。"),
        },
    )
    advice_place = forms.CharField(
        label=_("場所・URL"),
        max_length=300,
        required=False,
        help_text=_("対面なら住所・会議室、オンラインなら会議のURL。"),
    )


class AdviceDetailForm(forms.Form):
    """DX診断アドバイス: 実施日, 形式, 強化すべき項目 (``weak_items``), 目指す姿, デジタル化の手順,
    アドバイス, 全体のメモ and one ``note_<code>`` textarea per item (items given at construction)."""

    held_on = forms.DateField(
        label=_("実施日"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    mode = forms.ChoiceField(label=_("形式"), choices=Diagnosis.AdviceMode.choices)
    weak_items = forms.ModelMultipleChoiceField(
        label=_("強化すべき項目"),
        queryset=IndexItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    target_state = forms.CharField(
        label=_("目指す姿"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    digitization_steps = forms.CharField(
        label=_("DXの前に取り組むデジタル化・デジタライゼーション"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    advice = forms.CharField(label=_("アドバイス"), required=False, widget=forms.Textarea(attrs={"rows": 8}))
    notes = forms.CharField(
        label=_("ヒアリングメモ（全体）"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    # The advisor session's version when the form was loaded (0: none yet); it covers notes and items.
    version = version_form_field()

    def __init__(self, *args: Any, items: list[IndexItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["weak_items"].queryset = IndexItem.objects.filter(pk__in=[i.pk for i in items]).order_by(
            "order"
        )
        self.fields["weak_items"].label_from_instance = lambda item: f"{item.code} {item.title}"
        for item in items:
            self.fields[note_field_name(item.code)] = forms.CharField(
                label=f"{item.code} {item.title}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def item_notes(self) -> dict[int, str]:
        """{item id: note text} from the cleaned data (every item, empty strings included)."""
        return {item.pk: self.cleaned_data.get(note_field_name(item.code), "") for item in self.items}

    def record_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``services_advice.advice_record``."""
        data = self.cleaned_data
        return {
            "held_on": data["held_on"],
            "mode": data["mode"],
            "notes": data["notes"],
            "advice": data["advice"],
            "target_state": data["target_state"],
            "digitization_steps": data["digitization_steps"],
            "weak_items": list(data["weak_items"]),
            "item_notes": self.item_notes(),
            "version": data["version"],
        }
