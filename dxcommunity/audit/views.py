"""Views of the 'audit' namespace (監査ログ): read-only, GET only, for the consortium's coordinator.

Who may read it: the coordinator (事務局・全体まとめ) only. A regional coordinator (地域まとめ) sees only
the companies of its region, while the log spans every region and the membership changes of the whole
consortium, so regional coordinators get the same 404 as every other role.
"""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from rules import test_rule

from dxcommunity.audit import log as audit

PER_PAGE = 50


class AuditFilterForm(forms.Form):
    """GET filters: ``model``, ``user``, ``date_from``, ``date_to``, ``action``, ``object`` (row id)."""

    model = forms.ChoiceField(label=_("対象"), required=False)
    user = forms.TypedChoiceField(label=_("操作者"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("期間（開始）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("期間（終了）"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    action = forms.ChoiceField(
        label=_("操作"),
        required=False,
        choices=[("", _("すべて"))] + [(k, v) for k, v in audit.ACTION_LABELS.items()],
    )
    object = forms.IntegerField(label=_("ID"), required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, users: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("すべて"))] + audit.model_choices()
        self.fields["user"].choices = [("", _("すべて"))] + users

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("終了日は開始日以降の日付にしてください。"))
        return data


@require_safe
def index(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """The audit log, newest first, 50 per page (GET ``page``), with the filters of ``AuditFilterForm``."""
    if not test_rule("programs.view_audit_log", request.membership):  # type: ignore[attr-defined]
        raise Http404("Not found.")
    consortium = request.consortium  # type: ignore[attr-defined]
    form = AuditFilterForm(request.GET or None, users=audit.audit_users(consortium=consortium))
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "model": data["model"] or None,
            "user": data["user"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "action": data["action"] or None,
            "object_id": data["object"],
        }
    page_number = request.GET.get("page", "1")
    page_number = int(page_number) if page_number.isdigit() and int(page_number) > 0 else 1
    result = (
        audit.audit_entries(consortium=consortium, page=page_number, per_page=PER_PAGE, **filters)
        if not form.is_bound or form.is_valid()
        else audit.AuditPage(entries=[], page=1, per_page=PER_PAGE, has_next=False)
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "programs/audit_index.html",
        {"form": form, "result": result, "query": query.urlencode(), "filtered": bool(form.is_bound)},
    )
