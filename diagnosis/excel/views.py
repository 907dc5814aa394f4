"""Views of the diagnosis as Excel: download (.xlsx) and upload to fill in a draft.

Lookups go through ``diagnosis_get_visible`` (404 for missing / other tenant / not visible alike);
visible but not allowed to fill in → 403.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from diagnosis.excel.workbook import (
    DEFAULT_MAX_BYTES,
    XLSX_CONTENT_TYPE,
    DiagnosisImportRejected,
    Problem,
    diagnosis_export_xlsx,
    diagnosis_import_xlsx,
)
from diagnosis.selectors import diagnosis_get_visible
from diagnosis.services import DiagnosisLocked
from dxcommunity.consent.models import AccessLog
from dxcommunity.consent.services import access_log_record

# Multipart overhead allowed on top of the file itself when checking Content-Length (bytes).
MULTIPART_SLACK = 64 * 1024


class DiagnosisUploadForm(forms.Form):
    """The upload form: one file field ``file`` (.xlsx)."""

    file = forms.FileField(
        label=gettext_lazy("Excelファイル（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": gettext_lazy("ファイルを選んでください。")},
    )


def _filename(company_name: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", company_name).strip("_") or "company"
    return f"DX自己診断_{safe}_{timezone.localdate():%Y%m%d}.xlsx"


@require_GET
def diagnosis_export_xlsx_view(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """GET: the diagnosis as .xlsx (anyone who may view it; logged as a view for bank/vendor users)."""
    membership = request.membership  # type: ignore[attr-defined]
    diagnosis = diagnosis_get_visible(
        membership=membership, pk=pk, perm="diagnosis.view_diagnosis", user=request.user
    )
    access_log_record(
        membership=membership,
        company=diagnosis.company,
        subject=AccessLog.Subject.DIAGNOSIS,
        object_id=diagnosis.pk,
        path=request.path,
    )
    response = HttpResponse(diagnosis_export_xlsx(diagnosis=diagnosis), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, _filename(diagnosis.company.name))
    response["Cache-Control"] = "private, no-store"
    return response


def _problem_rows(problems: list[Problem]) -> list[dict[str, str]]:
    return [
        {
            "sheet": p.sheet or _("ファイル全体"),
            "row": str(p.row) if p.row is not None else "—",
            "column": p.column or "—",
            "message": p.message,
        }
        for p in problems
    ]


@require_http_methods(["GET", "POST"])
def diagnosis_import_xlsx_view(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """GET: the upload form. POST ``file``: fill the draft from the workbook, then back to the form;
    on any problem the page again with the table of problems (status 400), nothing saved."""
    membership = request.membership  # type: ignore[attr-defined]
    diagnosis = diagnosis_get_visible(membership=membership, pk=pk)
    if not request.user.has_perm("diagnosis.fill_diagnosis", diagnosis):
        if diagnosis.is_locked and request.user.has_perm("programs.act_for_company", diagnosis.company):
            messages.info(request, _("この自己診断は提出済みです。"))
            return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
        raise PermissionDenied
    limit = int(getattr(settings, "DIAGNOSIS_XLSX_MAX_BYTES", DEFAULT_MAX_BYTES))
    problems: list[Problem] = []
    status = 200
    form = DiagnosisUploadForm()
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit + MULTIPART_SLACK:
            # Refuse before Django reads the body into memory or a temporary file.
            problems = [
                Problem(
                    "",
                    None,
                    None,
                    _("ファイルが大きすぎます（上限 %(mb)s MB）。") % {"mb": f"{limit / 1048576:g}"},
                )
            ]
        else:
            form = DiagnosisUploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    summary = diagnosis_import_xlsx(
                        diagnosis=diagnosis, uploaded_file=form.cleaned_data["file"], user=request.user
                    )
                except DiagnosisLocked:
                    messages.info(request, _("この自己診断は提出済みです。"))
                    return redirect("diagnosis:result", consortium_slug=consortium_slug, pk=diagnosis.pk)
                except DiagnosisImportRejected as rejected:
                    problems = rejected.problems
                else:
                    messages.success(request, _("%(n)d 項目を読み込みました") % {"n": summary.items})
                    return redirect("diagnosis:edit", consortium_slug=consortium_slug, pk=diagnosis.pk)
        status = 400
    context = {
        "diagnosis": diagnosis,
        "company": diagnosis.company,
        "form": form,
        "problems": _problem_rows(problems),
        "max_mb": f"{limit / 1048576:g}",
    }
    return render(request, "diagnosis/upload.html", context, status=status)
