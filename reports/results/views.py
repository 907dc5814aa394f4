"""Views of the 実績報告書 (coordinators) and of the .xlsx exports of lists (every member, what they see).

The results page, its .xlsx and its PDF are for the coordinator (every company) and regional coordinators
(their region's companies); every other role gets 404, as for a page that does not exist for them.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from programs.models import Program, fiscal_year_label
from reports.documents import selectors, services
from reports.documents.views import WAITING_FOR_QUEUE
from reports.results import exports
from reports.results.report import results_report_data, results_report_xlsx
from reports.results.xlsx import XLSX_CONTENT_TYPE


def _program_label(program: Program) -> str:
    """「令和4年度 <name>」, without repeating the 令和N年度 a name already starts with."""
    label = program.fiscal_year_label
    return program.name if program.name.startswith(label) else f"{label} {program.name}"


class ResultsScopeForm(forms.Form):
    """The scope of a results report: ``scope`` = "fy:<year>" (every program of the fiscal year) or
    "program:<pk>" (one program of the consortium). ``cleaned_data["program"]`` / ``["fiscal_year"]``."""

    scope = forms.ChoiceField(label=gettext_lazy("対象"))

    def __init__(self, *args, programs: list[Program], **kwargs):
        super().__init__(*args, **kwargs)
        years = sorted({p.fiscal_year for p in programs}, reverse=True)
        self.programs = {p.pk: p for p in programs}
        self.fields["scope"].choices = [
            (
                _("年度"),
                [(f"fy:{y}", _("%(fy)s 全事業") % {"fy": fiscal_year_label(y)}) for y in years],
            ),
            (
                _("事業"),
                [(f"program:{p.pk}", _program_label(p)) for p in programs],
            ),
        ]
        self.fields["scope"].error_messages["invalid_choice"] = _("事業または年度を一覧から選んでください。")

    def clean(self):
        data = super().clean()
        value = data.get("scope") or ""
        kind, _sep, key = value.partition(":")
        data["program"], data["fiscal_year"] = None, None
        if kind == "program":
            data["program"] = self.programs[int(key)]
        elif kind == "fy":
            data["fiscal_year"] = int(key)
        return data


def _programs(request: HttpRequest) -> list[Program]:
    return list(Program.objects.filter(consortium=request.consortium).order_by("-fiscal_year", "name"))


def _scope_form(request: HttpRequest, data) -> ResultsScopeForm:
    programs = _programs(request)
    if not data.get("scope") and programs:
        data = {"scope": f"program:{programs[0].pk}"}  # the latest program by default
    return ResultsScopeForm(data, programs=programs)


def _xlsx_response(data: bytes, stem: str) -> HttpResponse:
    """An .xlsx attachment named ``<stem>_<YYYYMMDD>.xlsx`` (RFC 5987 ``filename*`` for Japanese)."""
    filename = f"{stem}_{timezone.localdate():%Y%m%d}.xlsx".replace("/", "_")
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _stem(program: Program | None, fiscal_year: int | None) -> str:
    if program is not None:
        return f"実績報告書_{_program_label(program)}"
    return f"実績報告書_{fiscal_year_label(fiscal_year)}"


@require_GET
def results_index(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """GET ``scope`` ("fy:<year>" or "program:<pk>"; the latest program by default): the report's tables,
    the Excel download and the PDF (request + latest documents with their status)."""
    companies = selectors.results_companies_for(membership=request.membership)
    form = _scope_form(request, request.GET)
    report, documents = None, []
    if form.is_valid():
        program, fiscal_year = form.cleaned_data["program"], form.cleaned_data["fiscal_year"]
        report = results_report_data(
            consortium=request.consortium, program=program, fiscal_year=fiscal_year, companies=companies
        )
        documents = selectors.results_documents_for_scope(
            membership=request.membership,
            program_id=program.pk if program else None,
            fiscal_year=fiscal_year,
        )
    context = {
        "form": form,
        "report": report,
        "documents": documents,
        "scope": form.data.get("scope", ""),
        "has_programs": bool(form.programs),
    }
    return render(request, "reports/results.html", context)


@require_GET
def results_xlsx(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """GET ``scope``: the 実績報告書（集計） .xlsx of that scope (a regional coordinator: its region)."""
    companies = selectors.results_companies_for(membership=request.membership)
    form = _scope_form(request, request.GET)
    if not form.is_valid():
        for msg in form.errors.get("scope", []):
            messages.error(request, msg)
        return redirect("results:index", consortium_slug)
    program, fiscal_year = form.cleaned_data["program"], form.cleaned_data["fiscal_year"]
    data = results_report_xlsx(
        consortium=request.consortium, program=program, fiscal_year=fiscal_year, companies=companies
    )
    return _xlsx_response(data, _stem(program, fiscal_year))


@require_POST
@vary_on_headers("HX-Request")  # htmx gets a partial, a plain POST a redirect
def results_pdf_request(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """POST ``scope``: queue the 実績報告書 PDF. htmx → the status partial; else back to the page."""
    selectors.results_companies_for(membership=request.membership)  # 404 for other roles
    form = _scope_form(request, request.POST)
    back = reverse("results:index", args=[consortium_slug])
    error = None
    if not form.is_valid():
        error = "; ".join(form.errors.get("scope", [])) or _("事業または年度を1つ選んでください。")
    else:
        try:
            doc = services.results_document_request(
                membership=request.membership,
                program=form.cleaned_data["program"],
                fiscal_year=form.cleaned_data["fiscal_year"],
            )
        except ValidationError as exc:
            error = "; ".join(exc.messages)
    if error:
        if request.htmx:
            return HttpResponse(error, status=400)
        messages.error(request, error)
        return redirect(back)
    if request.htmx:
        return render(request, "reports/_document_status.html", {"doc": doc})
    if doc.waiting_for_queue:
        messages.warning(request, WAITING_FOR_QUEUE)
    return redirect(f"{back}?scope={form.cleaned_data['scope']}")


@require_GET
def export_companies(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """支援先企業 .xlsx: the companies the user sees (stage-level ones: name, region, stage only)."""
    return _xlsx_response(exports.companies_export_xlsx(membership=request.membership), "支援先企業")


@require_GET
def export_sessions(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """伴走支援セッション .xlsx: the sessions of the companies the user sees in full."""
    return _xlsx_response(exports.sessions_export_xlsx(membership=request.membership), "伴走支援セッション")


@require_GET
def export_diagnoses(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """DX自己診断 .xlsx: the diagnoses the user may see, with the 経営 / IT means."""
    return _xlsx_response(exports.diagnoses_export_xlsx(membership=request.membership), "DX自己診断")
