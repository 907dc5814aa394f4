"""Views of reports: request a document, poll its status (htmx), download it, retry it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accompaniment.selectors import company_get_for_track
from dxcommunity.consent.models import AccessLog
from dxcommunity.consent.services import access_log_record
from programs.participations.selectors import program_from_request
from reports.documents import rendering, selectors, services
from reports.models import GeneratedDocument

# Shown when the broker was down at the request: the row is kept and the sweep sends it later.
WAITING_FOR_QUEUE = gettext_lazy(
    "処理キューに接続できないため、接続が戻りしだい作成します。このままお待ちください。"
)


def _back(
    consortium_slug: str, doc_kind: str, company_pk: int | None, diagnosis_pk: int | None = None
) -> HttpResponse:
    if company_pk is None:  # a program-level document (実績報告書)
        return redirect("results:index", consortium_slug)
    if diagnosis_pk is not None and doc_kind in services.DIAGNOSIS_KINDS:
        return redirect("diagnosis:result", consortium_slug, diagnosis_pk)
    if doc_kind == GeneratedDocument.Kind.DX_PLAN:
        return redirect("plan:detail", consortium_slug, company_pk)
    return redirect("accompaniment:track", consortium_slug, company_pk)


def _status(request: HttpRequest, doc: GeneratedDocument) -> HttpResponse:
    return render(request, "reports/_document_status.html", {"doc": doc})


@require_POST
@vary_on_headers("HX-Request")  # htmx gets a partial, a plain POST a redirect
def document_request(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """POST ``kind``, ``company`` (pk) and, for a diagnosis result / advice PDF, ``diagnosis`` (pk, one the
    user sees, of that company): queue a document. htmx → the status partial; else back to the page."""
    try:
        company_pk = int(request.POST.get("company", ""))
    except ValueError:
        raise Http404("No such company.") from None
    kind = request.POST.get("kind", "")
    if kind not in GeneratedDocument.Kind.values:
        # An unknown kind: the service explains it; the company must still be one whose track is visible.
        company = company_get_for_track(membership=request.membership, company_pk=company_pk)
    else:
        company = selectors.company_get_for_document(
            membership=request.membership, company_pk=company_pk, kind=kind
        )
    diagnosis = None
    if kind in services.DIAGNOSIS_KINDS:
        from diagnosis.selectors import diagnosis_get_visible

        try:
            diagnosis_pk = int(request.POST.get("diagnosis", ""))
        except ValueError:
            raise Http404("No such diagnosis.") from None
        diagnosis = diagnosis_get_visible(membership=request.membership, pk=diagnosis_pk)
    diagnosis_pk = diagnosis.pk if diagnosis is not None else None
    try:
        doc = services.document_request(
            kind=kind,
            company=company,
            user=request.user,
            diagnosis=diagnosis,
            program=program_from_request(request),
        )
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse("; ".join(exc.messages), status=400)
        for msg in exc.messages:
            messages.error(request, msg)
        return _back(consortium_slug, kind, company.pk, diagnosis_pk)
    if request.htmx:
        return _status(request, doc)
    if doc.waiting_for_queue:
        messages.warning(request, WAITING_FOR_QUEUE)
    return _back(consortium_slug, kind, company.pk, diagnosis_pk)


def document_status(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The status partial (polled every 2 s by htmx while queued/rendering)."""
    return _status(request, selectors.document_get_visible(membership=request.membership, pk=pk))


def document_download(request: HttpRequest, consortium_slug: str, pk: int) -> FileResponse:
    """The PDF, after the same visibility check as the plan; 404 when not visible or not ready."""
    doc = selectors.document_get_visible(membership=request.membership, pk=pk)
    if doc.status != GeneratedDocument.Status.READY or not doc.file:
        raise Http404("Document not ready.")
    if doc.company_id is not None:  # a company's document; the 実績報告書 has none
        access_log_record(
            membership=request.membership,
            company=doc.company,
            subject=AccessLog.Subject.DOCUMENT,
            object_id=doc.pk,
            path=request.path,
        )
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404("File missing.") from None
    return FileResponse(
        handle,
        as_attachment=request.GET.get("inline") != "1",
        filename=rendering.document_filename(document=doc),
        content_type="application/pdf",
    )


@require_POST
@vary_on_headers("HX-Request")  # htmx gets a partial, a plain POST a redirect
def document_retry(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """POST: re-queue a failed or stuck document (``services.document_retry``). htmx → the status
    partial; else back to the page."""
    doc = selectors.document_get_visible(membership=request.membership, pk=pk)
    try:
        doc = services.document_retry(document=doc, user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    if request.htmx:
        doc.refresh_from_db()
        return _status(request, doc)
    return _back(consortium_slug, doc.kind, doc.company_id, doc.diagnosis_id)
