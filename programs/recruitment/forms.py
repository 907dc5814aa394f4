"""Forms of recruitment and selection: shape only; the rules (duplicates, capacity, conditions) live in
``programs.recruitment.services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dxcommunity.edit_conflict import version_form_field
from dxcommunity.tenancy.models import Company, Region
from programs.models import Event, SelectionDecision

TEXTAREA = {"rows": 4}


class CompanyApplicationForm(forms.Form):
    """公開応募フォーム (no account).

    会社名・組織名*, 代表者名, 名前*, 部門名・役職, メールアドレス*, 電話番号, 申し込み地域* (the program's
    regions), 業種, 従業員数, 参加者（経営者）/（担当者）, 応募動機・DXへの意欲, 現在の課題,
    事務局への連絡内容, 個人情報の取扱いに同意*. ``website`` is a honeypot: people never see it; a value
    means a bot (the view then answers as if it had worked and records nothing).
    """

    company_name = forms.CharField(
        label=_("会社名・組織名"),
        max_length=200,
        error_messages={"required": _("会社名・組織名を入力してください。")},
    )
    representative_name = forms.CharField(label=_("代表者名"), max_length=100, required=False)
    applicant_name = forms.CharField(
        label=_("名前"), max_length=100, error_messages={"required": _("お名前を入力してください。")}
    )
    department_title = forms.CharField(label=_("部門名・役職"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("メールアドレス"),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式が正しくありません（例: name@example.jp）。"),
        },
    )
    phone = forms.CharField(label=_("電話番号"), max_length=30, required=False)
    region = forms.ModelChoiceField(
        label=_("申し込み地域"),
        queryset=Region.objects.none(),
        empty_label=_("選択してください"),
        error_messages={
            "required": _("申し込み地域を選んでください。"),
            "invalid_choice": _("この事業の地域から選んでください。"),
        },
    )
    industry = forms.ChoiceField(
        label=_("業種"), choices=Company.Industry.choices, initial=Company.Industry.OTHER, required=False
    )
    employees = forms.IntegerField(label=_("従業員数"), min_value=0, max_value=1_000_000, required=False)
    executive_participant = forms.CharField(label=_("参加者（経営者）"), max_length=100, required=False)
    staff_participant = forms.CharField(label=_("参加者（担当者）"), max_length=100, required=False)
    motivation = forms.CharField(
        label=_("応募動機・DXへの意欲"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    current_issues = forms.CharField(
        label=_("現在の課題"), max_length=4000, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    message_to_office = forms.CharField(
        label=_("事務局への連絡内容"), max_length=4000, required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    privacy_consent = forms.BooleanField(
        label=_("個人情報の取扱いに同意する"),
        error_messages={"required": _("個人情報の取扱いへの同意が必要です。")},
    )
    website = forms.CharField(
        label=_("ウェブサイト（入力しないでください）"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, regions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

    def clean_industry(self) -> str:
        return self.cleaned_data.get("industry") or Company.Industry.OTHER

    @property
    def is_bot(self) -> bool:
        """The honeypot field was filled."""
        return bool((self.data.get("website") or "").strip())

    def visible_fields_for_page(self):
        """The fields people fill in (the honeypot is rendered apart, hidden)."""
        return [f for f in self if f.name != "website"]


class RecommendationForm(CompanyApplicationForm):
    """企業を推薦 (bank / association staff): the application's fields minus the consent, plus 推薦理由."""

    recommendation_note = forms.CharField(
        label=_("推薦理由"),
        max_length=4000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("推薦理由を入力してください。")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["privacy_consent"]
        del self.fields["website"]
        self.fields["applicant_name"].label = _("ご担当者名（企業側）")
        self.fields["email"].label = _("ご担当者のメールアドレス（企業側）")


class SelectionDecisionForm(forms.Form):
    """One row of the 支援企業選出検討会: decision, reasons (required), ratings 1–5, the meeting."""

    application = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("選出結果"), choices=SelectionDecision.Decision.choices)
    reasons = forms.CharField(
        label=_("理由"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("理由を入力してください。")},
    )
    commitment_rating = forms.TypedChoiceField(
        label=_("取組意欲"),
        choices=[("", "—")] + [(i, str(i)) for i in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    team_rating = forms.TypedChoiceField(
        label=_("推進体制"),
        choices=[("", "—")] + [(i, str(i)) for i in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    meeting = forms.ChoiceField(label=_("選出検討会"), required=False)
    # The decision's version when the row was loaded (0: no decision yet).
    version = version_form_field()

    def __init__(self, *args, meetings: list[Event], **kwargs) -> None:
        """``meetings``: the program's selection_meeting events, loaded once for every row of the page."""
        super().__init__(*args, **kwargs)
        self._meetings = {str(m.pk): m for m in meetings}
        self.fields["meeting"].choices = [("", "—")] + [
            (str(m.pk), f"{m.title}（{m.starts_at:%Y/%m/%d}）") for m in meetings
        ]

    def clean_meeting(self) -> Event | None:
        return self._meetings.get(self.cleaned_data.get("meeting") or "")


class ConditionsForm(forms.Form):
    """参加条件の確認: 経営者 and 担当者 (both, different people) and all 10 sessions."""

    executive_participant = forms.CharField(label=_("参加者（経営者）"), max_length=100, required=False)
    staff_participant = forms.CharField(label=_("参加者（担当者）"), max_length=100, required=False)
    attends_all_sessions = forms.BooleanField(label=_("全10回の伴走支援に参加します"), required=False)
