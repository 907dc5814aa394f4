"""Forms of matching: the tool database (filters, solution, case), needs, pipeline steps, vendors' answers.

Forms parse and check shapes; the services check the rules (permissions, item codes, transitions) and
their ValidationErrors are put back on the form by the views.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dxcommunity.edit_conflict import add_version_field
from dxcommunity.tenancy.models import Company, MemberOrganization, Region
from dxcommunity.ui.names import person_name
from matching.models import Category, MatchingRequest, Solution, SolutionCase, VendorResponse
from matching.solutions.services import CASE_FIELDS, SOLUTION_FIELDS
from programs.models import Event

PRICE_WIDGET = forms.NumberInput(attrs={"min": 0, "step": 1000, "inputmode": "numeric"})


class SolutionFilterForm(forms.Form):
    """Filters and free-text search of the tool database (all optional)."""

    q = forms.CharField(
        label=_("キーワード"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("例: クラウド 在庫")}),
    )
    category = forms.ChoiceField(
        label=_("カテゴリ"), required=False, choices=[("", _("すべて"))] + list(Category.choices)
    )
    region = forms.ModelChoiceField(
        label=_("対応地域"), required=False, queryset=Region.objects.none(), empty_label=_("すべて")
    )
    price_min = forms.IntegerField(
        label=_("価格（円）から"), required=False, min_value=0, widget=PRICE_WIDGET
    )
    price_max = forms.IntegerField(
        label=_("価格（円）まで"), required=False, min_value=0, widget=PRICE_WIDGET
    )
    it_subsidy = forms.BooleanField(label=_("IT導入補助金の対象のみ"), required=False)
    vendor = forms.ModelChoiceField(
        label=_("ベンダー"),
        required=False,
        queryset=MemberOrganization.objects.none(),
        empty_label=_("すべて"),
    )
    unpublished = forms.BooleanField(label=_("非公開も表示"), required=False)

    def __init__(self, *args, regions, vendors, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["vendor"].queryset = vendors

    def clean(self):
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("上限は下限以上にしてください。"))
        return data


class SolutionForm(forms.ModelForm):
    """A solution of the tool database; ``vendor`` only for coordinators (vendors edit their own)."""

    item_codes = forms.CharField(
        label=_("対応するDX推進指標の項目"),
        required=False,
        help_text=_("定性指標No.をカンマ区切りで（例: 4, 4-1, 9-2）。診断で弱い項目からの提案に使います。"),
    )
    vendor = forms.ModelChoiceField(label=_("ベンダー"), queryset=MemberOrganization.objects.none())
    url = forms.URLField(label=_("製品URL"), required=False, assume_scheme="https", max_length=200)
    # Declared (not generated from the model) so that no scoped query runs at import time.
    regions = forms.ModelMultipleChoiceField(
        label=_("対応地域"),
        queryset=Region.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("空欄は全地域に対応"),
    )

    field_order = ["vendor", "name", "category", "description", "regions"]

    class Meta:
        model = Solution
        # The fields the service saves (services_solutions.SOLUTION_FIELDS) plus vendor and regions.
        fields = ["vendor", *SOLUTION_FIELDS, "regions"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "price_min": PRICE_WIDGET,
            "price_max": PRICE_WIDGET,
        }

    def __init__(self, *args, regions, vendors=None, **kwargs) -> None:
        instance = kwargs.get("instance")
        if instance is not None and instance.pk and "initial" not in kwargs:
            kwargs["initial"] = {"item_codes": ", ".join(str(c) for c in instance.item_codes)}
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = regions
        self.fields["price_min"].min_value = 0
        if vendors is None:
            del self.fields["vendor"]
        else:
            self.fields["vendor"].queryset = vendors
        add_version_field(self)

    def clean_price_min(self):
        value = self.cleaned_data.get("price_min")
        if value is not None and value < 0:
            raise forms.ValidationError(_("価格は0円以上で入力してください。"))
        return value

    def _post_clean(self) -> None:
        # The service validates and saves (item codes against the current edition, prices); the model's
        # own full_clean runs there, not here, so that item_codes may stay text until then.
        pass


class SolutionCaseForm(forms.ModelForm):
    """A case example (導入事例) of a solution."""

    field_order = ["vendor", "name", "category", "description", "regions"]

    class Meta:
        model = SolutionCase
        fields = list(CASE_FIELDS)
        widgets = {"summary": forms.Textarea(attrs={"rows": 4}), "result": forms.Textarea(attrs={"rows": 3})}


class MatchingRequestForm(forms.Form):
    """A company need (ニーズ): company, need, category, where it came from, bridging ITC, vendors."""

    company = forms.ModelChoiceField(label=_("支援先企業"), queryset=Company.objects.none())
    title = forms.CharField(label=_("ニーズ"), max_length=200)
    description = forms.CharField(label=_("詳細"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ChoiceField(label=_("カテゴリ"), choices=Category.choices)
    source = forms.ChoiceField(
        label=_("ニーズの出所"),
        choices=MatchingRequest.Source.choices,
        initial=MatchingRequest.Source.SESSION,
    )
    source_event = forms.ModelChoiceField(
        label=_("セミナー（出所がセミナーのとき）"), required=False, queryset=Event.objects.none()
    )
    source_session = forms.ModelChoiceField(
        label=_("伴走支援の回（出所が伴走支援のとき）"), required=False, queryset=None
    )
    source_item_codes = forms.CharField(
        label=_("診断の弱い項目"),
        required=False,
        help_text=_(
            "定性指標No.をカンマ区切りで。出所が自己診断で空欄のときは最新の診断の弱い項目を入れます。"
        ),
    )
    itc = forms.ModelChoiceField(
        label=_("担当ITC（橋渡し）"), required=False, queryset=None, empty_label=_("（未定）")
    )
    vendors = forms.ModelMultipleChoiceField(
        label=_("依頼先ベンダー"),
        required=False,
        queryset=MemberOrganization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("このコミュニティのITベンダーから選んでください。")},
        help_text=_("候補選定の後で追加することもできます。"),
    )

    def __init__(self, *args, companies, vendors, events, sessions, itcs, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies
        self.fields["vendors"].queryset = vendors
        self.fields["source_event"].queryset = events
        self.fields["source_session"].queryset = sessions
        self.fields["source_session"].label_from_instance = lambda s: f"{s.track.company.name} {s}"
        self.fields["itc"].queryset = itcs
        self.fields["itc"].label_from_instance = person_name


class TransitionForm(forms.Form):
    """One pipeline step: the next status (only the allowed ones are offered), a note, and the outcome."""

    to_status = forms.ChoiceField(label=_("次の状態"), choices=())
    note = forms.CharField(label=_("メモ"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contract_amount = forms.IntegerField(
        label=_("契約金額（円）"), required=False, min_value=0, widget=PRICE_WIDGET
    )
    outcome_note = forms.CharField(label=_("結果"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    declined_reason = forms.CharField(
        label=_("見送り理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, allowed: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(MatchingRequest.Status.choices)
        self.fields["to_status"].choices = [(s, labels[s]) for s in allowed]


class ShortlistForm(forms.Form):
    """The ITC adds a suggested solution to the candidates, optionally addressing its vendor."""

    solution = forms.ModelChoiceField(label=_("ソリューション"), queryset=Solution.objects.none())
    address_vendor = forms.BooleanField(label=_("ベンダーに依頼する"), required=False)

    def __init__(self, *args, solutions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["solution"].queryset = solutions


class AddressForm(forms.Form):
    """Address the request to more vendors."""

    vendors = forms.ModelMultipleChoiceField(
        label=_("依頼先ベンダーを追加"),
        queryset=MemberOrganization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("このコミュニティのITベンダーから選んでください。")},
    )

    def __init__(self, *args, vendors, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendors"].queryset = vendors


class VendorResponseForm(forms.Form):
    """A vendor's answer: propose (one of its solutions and an estimate), ask, or decline."""

    answer = forms.ChoiceField(
        label=_("回答区分"),
        choices=VendorResponse.Answer.choices,
        initial=VendorResponse.Answer.QUESTION,
        widget=forms.RadioSelect,
        required=False,
    )
    solution = forms.ModelChoiceField(
        label=_("提案するソリューション"), required=False, queryset=Solution.objects.none()
    )
    proposed_price = forms.IntegerField(
        label=_("概算見積（円）"), required=False, min_value=0, widget=PRICE_WIDGET
    )
    message = forms.CharField(label=_("回答"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, solutions=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["solution"].queryset = solutions if solutions is not None else Solution.objects.none()

    def clean_answer(self):
        return self.cleaned_data.get("answer") or VendorResponse.Answer.QUESTION
