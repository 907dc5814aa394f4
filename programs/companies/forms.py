"""Forms of programs. Validation of shape only; rules (one per company, …) live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dxcommunity.tenancy.models import Region


class ApplicationForm(forms.Form):
    """自己診断申し込み (FY2022 form).

    名前*, 会社名・組織名*, 部門名・役職, メールアドレス*, 申し込み地域, 事務局への連絡内容.
    """

    applicant_name = forms.CharField(label=_("名前"), max_length=100)
    organization_name = forms.CharField(label=_("会社名・組織名"), max_length=200)
    department_title = forms.CharField(label=_("部門名・役職"), max_length=200, required=False)
    email = forms.EmailField(label=_("メールアドレス"))
    region = forms.ModelChoiceField(label=_("申し込み地域"), queryset=Region.objects.none(), empty_label=None)
    message_to_office = forms.CharField(
        label=_("事務局への連絡内容"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, regions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
