"""The 満足度アンケート form (after a session and at the end of the track)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accompaniment.models import SatisfactionResponse
from accompaniment.survey.services import SurveyData


class SurveyForm(forms.Form):
    """satisfaction (required) and usefulness (optional) on the 5-point scale 大変満足 … 不満; comment."""

    satisfaction = forms.TypedChoiceField(
        label=_("満足度"),
        choices=SatisfactionResponse.Scale.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("満足度を選んでください。")},
    )
    usefulness = forms.TypedChoiceField(
        label=_("役に立ちましたか（役立ち度）"),
        choices=SatisfactionResponse.Scale.choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("ご意見・ご感想"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("2000文字まで。事務局と担当のITコーディネータが読みます。"),
    )

    @classmethod
    def initial_from(cls, response: SatisfactionResponse | None) -> dict:
        """Initial values from an earlier answer (editing it)."""
        if response is None:
            return {}
        return {
            "satisfaction": response.satisfaction,
            "usefulness": response.usefulness,
            "comment": response.comment,
        }

    def to_data(self) -> SurveyData:
        d = self.cleaned_data
        return SurveyData(
            satisfaction=d["satisfaction"], usefulness=d["usefulness"], comment=d["comment"].strip()
        )
