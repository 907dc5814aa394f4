"""Forms of the consent pages and the company page's comments. Shape only; rules in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dxcommunity.consent.models import CompanyShare


class CompanyShareForm(forms.Form):
    """「共有する」: ``organization`` (a member organization of the consortium), ``subject``."""

    organization = forms.ModelChoiceField(
        label=_("共有先の組織"), queryset=None, empty_label=_("選択してください")
    )
    subject = forms.ChoiceField(label=_("共有する対象"), choices=CompanyShare.Subject.choices)

    def __init__(self, *args, organizations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].label_from_instance = self.organization_label

    @staticmethod
    def organization_label(organization) -> str:
        """「name（kind）」, in the active language."""
        return gettext("%(name)s（%(kind)s）") % {
            "name": organization.name,
            "kind": organization.get_kind_display(),
        }


class CompanyCommentForm(forms.Form):
    """「コメントを追加」: ``body``."""

    body = forms.CharField(label=_("コメント"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
