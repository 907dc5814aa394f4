"""Forms of the members pages and of the invitation accept page. Shape only; rules live in invitations.py."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dxcommunity.access.rules import invitable_roles
from dxcommunity.tenancy.models import Company, Consortium, MemberOrganization, Membership, Region


class InviteForm(forms.Form):
    """招待: email, role, organization, company, region, is_executive (button 「招待する」).

    Choices are limited to the consortium: another tenant's id is refused as an invalid choice.
    ``for_executive=True`` (a company 経営者 inviting a colleague) keeps only email and is_executive;
    ``region`` (a regional coordinator's own region) leaves the coordinator role out and limits the
    companies, organizations and regions offered to that region (organizations without a region stay:
    they serve the whole consortium); a company of another region is then an invalid choice.
    """

    email = forms.EmailField(label=_("メールアドレス"))
    role = forms.ChoiceField(label=_("役割"), choices=Membership.Role.choices)
    organization = forms.ModelChoiceField(
        label=_("所属する構成員"), required=False, queryset=MemberOrganization.objects.none()
    )
    company = forms.ModelChoiceField(label=_("支援先企業"), required=False, queryset=Company.objects.none())
    region = forms.ModelChoiceField(label=_("地域"), required=False, queryset=Region.objects.none())
    is_executive = forms.BooleanField(label=_("経営者"), required=False)

    def __init__(
        self,
        *args,
        consortium: Consortium,
        for_executive: bool = False,
        region: Region | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        if for_executive:
            for name in ("role", "organization", "company", "region"):
                del self.fields[name]
            return
        regional = region is not None
        roles = invitable_roles(regional=regional)
        self.fields["role"].choices = [("", "---------"), *roles]  # no default: the inviter chooses
        organizations = MemberOrganization.objects.filter(consortium=consortium)
        companies = Company.objects.filter(consortium=consortium)
        regions = Region.objects.filter(consortium=consortium)
        if regional:
            organizations = organizations.filter(Q(region=region) | Q(region__isnull=True))
            companies = companies.filter(region=region)
            regions = regions.filter(pk=region.pk)
            self.fields["region"].initial = region.pk
        self.fields["organization"].queryset = organizations
        self.fields["company"].queryset = companies.order_by("name")
        self.fields["region"].queryset = regions


class InvitationSignupForm(forms.Form):
    """Account for an invited person: 姓, 名, password twice (Django's password validators)."""

    last_name = forms.CharField(label=_("姓"), max_length=150)
    first_name = forms.CharField(label=_("名"), max_length=150)
    password1 = forms.CharField(
        label=_("パスワード"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("パスワード（確認）"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict:
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("パスワードが一致しません。"))
        elif p1:
            from django.contrib.auth import get_user_model

            probe = get_user_model()(
                username=self.email,
                email=self.email,
                last_name=data.get("last_name", ""),
                first_name=data.get("first_name", ""),
            )
            try:
                password_validation.validate_password(p1, user=probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
