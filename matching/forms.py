"""Forms of matching."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import Company, MemberOrganization

from .models import Category, MatchingRequest


class MatchingRequestForm(forms.Form):
    """マッチング依頼: company, need (title, description), category, source, vendors (multi)."""

    company = forms.ModelChoiceField(label=_("支援先企業"), queryset=Company.objects.none())
    title = forms.CharField(label=_("ニーズ"), max_length=200)
    description = forms.CharField(label=_("詳細"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ChoiceField(label=_("カテゴリ"), choices=Category.choices)
    source = forms.ChoiceField(
        label=_("ニーズの出所"),
        choices=MatchingRequest.Source.choices,
        initial=MatchingRequest.Source.SESSION,
    )
    vendors = forms.ModelMultipleChoiceField(
        label=_("依頼先ベンダー"),
        queryset=MemberOrganization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("このコミュニティのITベンダーから選んでください。")},
    )

    def __init__(self, *args, companies, vendors, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies
        self.fields["vendors"].queryset = vendors


class VendorResponseForm(forms.Form):
    """A vendor's answer."""

    message = forms.CharField(label=_("回答"), widget=forms.Textarea(attrs={"rows": 5}))


class StatusForm(forms.Form):
    """Coordinator/ITC: the request's status."""

    status = forms.ChoiceField(label=_("状態"), choices=MatchingRequest.Status.choices)


class SolutionFilterForm(forms.Form):
    """Category filter of the tool database."""

    category = forms.ChoiceField(
        label=_("カテゴリ"), required=False, choices=[("", _("すべて"))] + list(Category.choices)
    )
