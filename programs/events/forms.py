"""Forms of 事業と日程: the program and its events, attendance. Shape and cross-field checks; writes go
through ``services_program``."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dxcommunity.edit_conflict import add_version_field
from dxcommunity.tenancy.models import Region
from programs.events.selectors import PHASES, event_is_live
from programs.events.services import PROGRAM_FIELDS
from programs.models import Event, Program

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
FISCAL_YEAR_MIN = 2000
FISCAL_YEAR_AHEAD = 5  # a program may be prepared up to five fiscal years ahead


def check_fiscal_year(year: int) -> int:
    """``year`` (年度 as its starting year) when within FISCAL_YEAR_MIN..this year + FISCAL_YEAR_AHEAD;
    forms.ValidationError otherwise."""
    latest = timezone.localdate().year + FISCAL_YEAR_AHEAD
    if not FISCAL_YEAR_MIN <= year <= latest:
        raise forms.ValidationError(
            _("年度は %(min)d〜%(max)d の西暦（年度開始年）で入力してください（例: 2022 = 令和4年度）。"),
            params={"min": FISCAL_YEAR_MIN, "max": latest},
        )
    return year


class ProgramForm(forms.ModelForm):
    """事業: name, 年度 (starting year, April–March), funder, 募集社数, regions of this consortium only,
    the phase windows (each from ≤ until) and the public application switch."""

    # Declared with an empty queryset: a model-derived field would query Region at import, outside a scope.
    regions = forms.ModelMultipleChoiceField(
        label=_("地域"), queryset=Region.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    field_order = ["name", "fiscal_year", "funder", "capacity", "regions"]

    class Meta:
        model = Program
        # The fields the service saves (services_program.PROGRAM_FIELDS) plus regions.
        fields = [*PROGRAM_FIELDS, "regions"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            **{name: DATE for _k, _l, a, b in PHASES for name in (a, b)},
        }

    def __init__(self, *args, consortium, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only this consortium's regions are choices: a foreign id is "not one of the available choices".
        self.fields["regions"].queryset = Region.objects.filter(consortium=consortium).order_by("key")
        self.fields["fiscal_year"].widget.attrs.update({"min": FISCAL_YEAR_MIN, "inputmode": "numeric"})
        self.fields["capacity"].widget.attrs["min"] = 0
        add_version_field(self)

    def clean_fiscal_year(self) -> int:
        return check_fiscal_year(self.cleaned_data["fiscal_year"])

    def clean(self):
        data = super().clean()
        for _key, label, start, end in PHASES:
            a, b = data.get(start), data.get(end)
            if a and b and b < a:
                self.add_error(end, _("%(phase)s の終了日は開始日以降にしてください。") % {"phase": label})
        return data


class ProgramCopyForm(forms.Form):
    """次年度の事業を作成: the new program's name and 年度 (starting year); the rest is copied
    (``services.program_copy``)."""

    name = forms.CharField(label=_("事業名"), max_length=200)
    fiscal_year = forms.IntegerField(label=_("年度"), help_text=_("西暦の年度開始年（2022 = 令和4年度）"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].widget.attrs.update({"min": FISCAL_YEAR_MIN, "inputmode": "numeric"})

    def clean_fiscal_year(self) -> int:
        return check_fiscal_year(self.cleaned_data["fiscal_year"])


class ProgramAmendmentForm(forms.Form):
    """修正を開始: the reason for correcting a closed program's data (required, kept in the 実績報告書)."""

    reason = forms.CharField(
        label=_("修正理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("修正理由を入力してください。")},
        help_text=_("実績報告書の「事業完了後の修正」に記録されます。"),
    )


class EventForm(forms.ModelForm):
    """イベント: live date + start (and end) time, and/or an on-demand window (both dates).

    ``starts_at``/``ends_at`` are composed in JST from ``date``, ``start_time``, ``end_time``. An
    on-demand-only event (no live date) is stored with ``starts_at`` = the window's first day 00:00 and no
    ``ends_at`` (``selectors_program.event_is_live`` reads it back). ``regions``: the choices of
    ``region``; ``region_required``: a regional coordinator's events belong to their region.
    """

    date = forms.DateField(label=_("開催日"), required=False, widget=DATE)
    start_time = forms.TimeField(label=_("開始時刻"), required=False, widget=TIME)
    end_time = forms.TimeField(label=_("終了時刻"), required=False, widget=TIME)
    region = forms.ModelChoiceField(
        label=_("地域"), queryset=Region.objects.none(), required=False, empty_label=_("共通（全地域）")
    )
    online_url = forms.URLField(label=_("オンライン参加URL"), required=False, assume_scheme="https")

    class Meta:
        model = Event
        fields = [
            "kind",
            "title",
            "date",
            "start_time",
            "end_time",
            "on_demand_from",
            "on_demand_until",
            "capacity",
            "place",
            "online_url",
            "region",
            "members_only",
            "registration_open",
            "description",
        ]
        widgets = {
            "on_demand_from": DATE,
            "on_demand_until": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"capacity": _("会場（ライブ）の定員。空欄は無制限。オンデマンド視聴は数えません。")}

    def __init__(self, *args, regions, region_required: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if region_required:
            self.fields["region"].required = True
            self.fields["region"].empty_label = None
        self.fields["capacity"].min_value = 1
        self.fields["capacity"].widget.attrs["min"] = 1
        add_version_field(self)
        event = self.instance
        if event.pk and not self.is_bound and event_is_live(event):
            start = timezone.localtime(event.starts_at)
            self.initial.update({"date": start.date(), "start_time": start.time().replace(second=0)})
            if event.ends_at:
                self.initial["end_time"] = timezone.localtime(event.ends_at).time().replace(second=0)

    def clean(self):
        data = super().clean()
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        od_from, od_until = data.get("on_demand_from"), data.get("on_demand_until")
        if self.errors:
            return data
        if bool(od_from) != bool(od_until):
            self.add_error(
                "on_demand_until" if od_from else "on_demand_from",
                _("オンデマンド配信は開始日と終了日の両方を入力してください。"),
            )
        elif od_from and od_until < od_from:
            self.add_error("on_demand_until", _("配信終了日は配信開始日以降にしてください。"))
        live = bool(day or start or end)
        if live and not day:
            self.add_error("date", _("開催日を入力してください。"))
        if live and not start:
            self.add_error("start_time", _("開始時刻を入力してください。"))
        if day and start and end and end <= start:
            self.add_error("end_time", _("終了時刻は開始時刻より後にしてください。"))
        if not live and not od_from and not od_until:
            raise forms.ValidationError(
                _("ライブの開催日時か、オンデマンド配信の期間のどちらかを入力してください。")
            )
        if self.errors:
            return data
        tz = timezone.get_current_timezone()
        if live:
            data["starts_at"] = dt.datetime.combine(day, start, tzinfo=tz)
            data["ends_at"] = dt.datetime.combine(day, end, tzinfo=tz) if end else None
        else:
            data["starts_at"] = dt.datetime.combine(od_from, dt.time(0, 0), tzinfo=tz)
            data["ends_at"] = None
        return data

    def _post_clean(self) -> None:
        # The composed times go on the instance before the model validation of ModelForm.
        if "starts_at" in self.cleaned_data:
            self.instance.starts_at = self.cleaned_data["starts_at"]
            self.instance.ends_at = self.cleaned_data["ends_at"]
        super()._post_clean()

    def event_data(self) -> dict:
        """The cleaned data in the shape of ``services_program.event_create`` / ``event_update``."""
        data = dict(self.cleaned_data)
        for name in ("date", "start_time", "end_time"):
            data.pop(name, None)
        return data


class AttendanceForm(forms.Form):
    """出席: one checkbox per registration (``attended`` = the ticked pks), saved in one POST."""

    attended = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, registrations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(r.pk, r.name) for r in registrations]
