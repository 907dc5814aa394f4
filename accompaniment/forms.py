"""Forms of the accompaniment pages. They parse and validate input; services do the writes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accompaniment.models import AccompanimentSession, Attendance, DxPlan
from accompaniment.services import PLAN_FIELDS, HomeworkItem, SessionLogData, SessionScheduleData
from dxcommunity.edit_conflict import version_form_field
from dxcommunity.tenancy.models import Consortium, MemberOrganization, Membership
from dxcommunity.ui.names import person_with_organization
from programs.models import Program

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LeaderChoiceField(forms.ModelChoiceField):
    """ITC users, shown as 「姓 名（所属）」; ``org_names`` maps user id → organization name."""

    org_names: dict[int, str] = {}

    def label_from_instance(self, obj: Any) -> str:
        return person_with_organization(obj, self.org_names.get(obj.pk))


class EnrollForm(forms.Form):
    """Coordinator's enrollment form. Choices come from the consortium: another tenant's id is invalid."""

    leader = LeaderChoiceField(
        label=_("伴走支援リーダ（ITC）"),
        queryset=get_user_model().objects.none(),
        error_messages={
            "required": _("伴走支援リーダを選んでください。"),
            "invalid_choice": _("このコンソーシアムのITコーディネータを選んでください。"),
        },
    )
    bank = forms.ModelChoiceField(
        label=_("伴走支援補助（金融機関）"),
        queryset=MemberOrganization.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("このコンソーシアムの金融機関を選んでください。")},
    )
    program = forms.ModelChoiceField(
        label=_("事業"),
        queryset=Program.objects.none(),
        required=False,
        error_messages={
            "required": _("事業を選んでください。"),
            "invalid_choice": _("この企業が参加している、完了していない事業を選んでください。"),
        },
    )
    reason = forms.CharField(
        label=_("登録理由（不選出だった企業を登録する場合）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, consortium: Consortium, company: Any = None, **kwargs: Any) -> None:
        """``program`` offers the open programs the company takes part in (the current one first)."""
        super().__init__(*args, **kwargs)
        if company is not None:
            from programs.participations.selectors import participation_current

            self.fields["program"].queryset = Program.objects.filter(
                consortium=consortium, participations__company=company, closed_at__isnull=True
            ).order_by("-fiscal_year", "name")
            current = participation_current(company=company)
            if current is not None and not self.is_bound:
                self.initial.setdefault("program", current.program_id)
        itcs = list(
            Membership.objects.filter(
                consortium=consortium, role=Membership.Role.ITC, is_active=True
            ).select_related("organization")
        )
        leader_field = self.fields["leader"]
        leader_field.queryset = (
            get_user_model().objects.filter(pk__in=[m.user_id for m in itcs]).order_by("email")
        )
        leader_field.org_names = {m.user_id: m.organization.name for m in itcs if m.organization}
        self.fields["bank"].queryset = MemberOrganization.objects.filter(
            consortium=consortium, kind=MemberOrganization.Kind.BANK
        ).order_by("name")
        if company is not None and not self.is_bound:
            regional = [m.user_id for m in itcs if m.region_id == company.region_id]
            if len(regional) == 1:
                self.initial.setdefault("leader", regional[0])  # the region's ITC usually leads
            if company.main_bank_id:
                self.initial.setdefault("bank", company.main_bank_id)


class SessionLogForm(forms.Form):
    """The ITC's session record. Attendee and homework rows come as numbered fields:

    ``attendee_role_N`` / ``attendee_name_N`` and ``homework_title_N`` / ``homework_owner_N`` /
    ``homework_due_N`` (N = 1, 2, …). Attendee rows without a name and blank homework rows are skipped;
    ``attendee_rows`` / ``homework_rows`` keep what was typed with row-level ``errors``.

    ``items`` (checkboxes, any number): pks of the DX推進指標 items the session worked on, among
    ``item_groups`` (``accompaniment.items.session_item_groups``: the edition of the company's latest
    diagnosis, or the current one); an id that is not offered is an error on the field.
    """

    date = forms.DateField(label=_("実施日"), widget=DATE_WIDGET)
    agenda = forms.CharField(label=_("アジェンダ"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    discussion = forms.CharField(
        label=_("議事内容"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    decisions = forms.CharField(label=_("決定事項"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    next_session_date = forms.DateField(label=_("次回予定日"), required=False, widget=DATE_WIDGET)
    items = forms.TypedMultipleChoiceField(
        label=_("扱ったDX推進指標の項目"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "「%(value)s」は選べる項目ではありません。この企業の自己診断の版（DX推進指標）の項目から選んでください。"
            )
        },
    )
    # The log's version when the form was loaded (0: no log yet); it covers attendees and homework.
    version = version_form_field()

    ROW_RE = re.compile(r"^(attendee_role|attendee_name|homework_title|homework_owner|homework_due)_(\d+)$")

    def __init__(self, *args: Any, item_groups: Sequence[Any] = (), **kwargs: Any) -> None:
        """``item_groups``: [ItemGroup] (``group``, ``items``) offered as ``items``; none offered: every
        ticked id is an error."""
        super().__init__(*args, **kwargs)
        self.item_groups = list(item_groups)
        self.fields["items"].choices = [
            (item.pk, f"{item.code} {item.title}") for g in self.item_groups for item in g.items
        ]
        self.attendee_rows: list[dict[str, Any]] = []
        self.homework_rows: list[dict[str, Any]] = []
        self.attendees: list[tuple[str, str]] = []
        self.homework: list[HomeworkItem] = []

    def _rows(self) -> dict[tuple[str, int], str]:
        out: dict[tuple[str, int], str] = {}
        for key in self.data:
            m = self.ROW_RE.match(key)
            if m:
                out[(m.group(1), int(m.group(2)))] = (self.data.get(key) or "").strip()
        return out

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        raw = self._rows()
        roles = dict(Attendance.Role.choices)
        for n in sorted({n for (k, n) in raw if k.startswith("attendee")}):
            role, name = raw.get(("attendee_role", n), ""), raw.get(("attendee_name", n), "")
            row: dict[str, Any] = {"n": n, "role": role, "name": name, "errors": []}
            self.attendee_rows.append(row)
            if not name:
                # A role without a name is a slot nobody filled (the form suggests the usual team).
                continue
            if role not in roles:
                row["errors"].append(_("役割を選んでください。"))
            if not row["errors"]:
                self.attendees.append((role, name))
        for n in sorted({n for (k, n) in raw if k.startswith("homework")}):
            title, owner, due = (
                raw.get((k, n), "") for k in ("homework_title", "homework_owner", "homework_due")
            )
            row = {"n": n, "title": title, "owner": owner, "due": due, "errors": []}
            self.homework_rows.append(row)
            if not title and not owner and not due:
                continue
            if not title:
                row["errors"].append(_("宿題の内容を入力してください。"))
            due_date: dt.date | None = None
            if due:
                try:
                    due_date = dt.date.fromisoformat(due)
                except ValueError:
                    row["errors"].append(_("期限は YYYY-MM-DD の形式で入力してください。"))
            if not row["errors"]:
                self.homework.append(HomeworkItem(title=title, owner_name=owner, due_date=due_date))
        if any(r["errors"] for r in self.attendee_rows):
            self.add_error(None, _("出席者の行に誤りがあります。"))
        if any(r["errors"] for r in self.homework_rows):
            self.add_error(None, _("宿題の行に誤りがあります。"))
        return cleaned

    def to_data(self) -> SessionLogData:
        c = self.cleaned_data
        return SessionLogData(
            date=c["date"],
            agenda=c.get("agenda", ""),
            discussion=c.get("discussion", ""),
            decisions=c.get("decisions", ""),
            next_session_date=c.get("next_session_date"),
            attendees=self.attendees,
            homework=list(self.homework),
            homework_done_ids=self.homework_done_ids(),
            item_ids=list(c.get("items") or []),
        )

    def selected_item_ids(self) -> set[int]:
        """The item ids to show ticked: as sent (a bound form, valid or not: what was ticked stays
        ticked) or the initial ``items``. Ids that are not numbers are left out."""
        raw = self.data.getlist("items") if self.is_bound and hasattr(self.data, "getlist") else None
        if raw is None:
            raw = self.data.get("items", []) if self.is_bound else self.initial.get("items", [])
        out = set()
        for value in raw:
            try:
                out.add(int(value))
            except (TypeError, ValueError):
                continue
        return out

    def homework_done_ids(self) -> list[int]:
        """Ids from the ticked ``homework_done_<id>`` checkboxes (open homework of earlier sessions)."""
        out = []
        for key in self.data:
            m = re.fullmatch(r"homework_done_(\d+)", key)
            if m and self.data.get(key):
                out.append(int(m.group(1)))
        return out


class PlanForm(forms.Form):
    """One textarea per DxPlan section, named by the field name (a plain form: the service writes)."""

    def __init__(self, *args: Any, plan: DxPlan, **kwargs: Any) -> None:
        initial = {name: getattr(plan, name) for name in PLAN_FIELDS} | {"version": plan.version}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for name in PLAN_FIELDS:
            self.fields[name] = DxPlan._meta.get_field(name).formfield(
                widget=forms.Textarea(attrs={"rows": 5})
            )
        # The plan's version when the form was loaded (it covers the KPI and roadmap rows).
        self.fields["version"] = version_form_field()


class SessionScheduleForm(forms.Form):
    """Status and schedule of one session (fields as AccompanimentSession; button 「保存」)."""

    status = forms.ChoiceField(label=_("状態"), choices=AccompanimentSession.Status.choices)
    date = forms.DateField(label=_("日付"), required=False, widget=DATE_WIDGET)
    start_time = forms.TimeField(
        label=_("開始時刻"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("時間（分）"),
        min_value=15,
        max_value=600,
        error_messages={
            "min_value": _("時間は15〜600分で入力してください。"),
            "max_value": _("時間は15〜600分で入力してください。"),
        },
    )
    mode = forms.ChoiceField(label=_("形式"), choices=AccompanimentSession.Mode.choices)
    place = forms.CharField(label=_("場所"), required=False, max_length=200)

    def to_data(self) -> SessionScheduleData:
        c = self.cleaned_data
        return SessionScheduleData(
            status=c["status"],
            date=c.get("date"),
            start_time=c.get("start_time"),
            duration_minutes=c["duration_minutes"],
            mode=c["mode"],
            place=c.get("place", ""),
        )


class SessionTemplateForm:
    """The template editor's rows: ``theme_N``, ``order_N`` (number), ``roles_N`` (checkboxes, Role values),
    ``remove_N`` (checkbox) for N = 1, 2, …; a row with an empty theme and no roles is skipped (the blank
    row for adding one). ``rows`` keeps what was typed; ``sessions()`` gives the rows in the chosen order."""

    ROW_RE = re.compile(r"^(theme|order|roles|remove)_(\d+)$")

    def __init__(self, data: Any) -> None:
        self.data = data
        self.rows: list[dict[str, Any]] = []
        numbers = sorted({int(m.group(2)) for k in data if (m := self.ROW_RE.match(k))})
        for n in numbers:
            order_raw = (data.get(f"order_{n}") or "").strip()
            try:
                order = float(order_raw) if order_raw else float(n)
            except ValueError:
                order = float(n)
            self.rows.append(
                {
                    "n": n,
                    "theme": (data.get(f"theme_{n}") or "").strip(),
                    "order": order,
                    "expected_roles": data.getlist(f"roles_{n}"),
                    "remove": bool(data.get(f"remove_{n}")),
                }
            )

    def sessions(self) -> list[dict[str, Any]]:
        kept = [r for r in self.rows if not r["remove"] and (r["theme"] or r["expected_roles"])]
        kept.sort(key=lambda r: (r["order"], r["n"]))
        return [{"theme": r["theme"], "expected_roles": r["expected_roles"]} for r in kept]
