"""Views of the accompaniment track: thin; parse the request, call one selector or service, render.

Not visible → 404 (selectors); visible but not allowed to change → 403 (PermissionDenied).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from programs.consent import access_log_record
from programs.models import AccessLog
from programs.selectors import company_get_visible

from . import selectors, services
from .forms import EnrollForm, SessionLogForm
from .models import AccompanimentSession, Attendance
from .templatetags.people import person_name

ATTENDEE_ROWS_MIN = 6
HOMEWORK_BLANK_ROWS = 2


def _apply_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where the form has it, else non-field."""
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


@require_http_methods(["GET", "POST"])
def enroll(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """Coordinator enrolls a company in the accompaniment track (fields ``leader``, ``bank``)."""
    company = company_get_visible(membership=request.membership, pk=company_pk)
    if not request.user.has_perm("accompaniment.enroll", company):
        raise PermissionDenied
    if selectors.track_for_company(company=company) is not None:
        return redirect("accompaniment:track", consortium_slug, company.pk)
    form = EnrollForm(request.POST or None, consortium=request.consortium, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            services.track_enroll(
                company=company,
                leader=form.cleaned_data["leader"],
                bank=form.cleaned_data["bank"],
                program=None,
                user=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("伴走支援に登録しました。"))
            return redirect("accompaniment:track", consortium_slug, company.pk)
    return render(request, "accompaniment/enroll.html", {"company": company, "form": form})


def track(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """The 10 sessions with theme, status, date, logs and homework."""
    company = selectors.company_get_for_track(membership=request.membership, company_pk=company_pk)
    tr = selectors.track_for_company(company=company)
    context = {
        "company": company,
        "track": tr,
        "progress": selectors.track_progress(track=tr) if tr else None,
        "can_log": request.user.has_perm("accompaniment.log_session", company),
        "can_enroll": request.user.has_perm("accompaniment.enroll", company),
        "can_update_homework": request.user.has_perm("accompaniment.update_homework", company),
    }
    if tr is not None:
        from reports.models import GeneratedDocument
        from reports.selectors import documents_for_company

        context["documents"] = documents_for_company(
            company=company, kind=GeneratedDocument.Kind.PROGRESS_REPORT
        )
        context["document_kind"] = GeneratedDocument.Kind.PROGRESS_REPORT
    return render(request, "accompaniment/track.html", context)


def _initial_rows(session: AccompanimentSession) -> tuple[list[dict], list[dict]]:
    """Attendee and homework rows for a GET: the saved ones, else the usual team, plus blank rows."""
    attendees = [{"role": a.role, "name": a.name, "errors": []} for a in session.attendances.all()]
    if not attendees:
        # The usual team (DOMAIN.md): ITC leader and bank assistant every time, 経営者 and 担当者.
        track = session.track
        team = selectors.track_team(track=track)
        attendees = [{"role": Attendance.Role.ITC_LEADER, "name": person_name(track.leader), "errors": []}]
        for role, names in (
            (Attendance.Role.BANK_ASSISTANT, team.bank_staff),
            (Attendance.Role.COMPANY_EXECUTIVE, team.executives),
            (Attendance.Role.COMPANY_STAFF, team.staff),
        ):
            attendees += [{"role": role, "name": n, "errors": []} for n in names or [""]]
        if session.number in (5, 8):
            attendees.append({"role": Attendance.Role.IT_VENDOR, "name": "", "errors": []})
    while len(attendees) < ATTENDEE_ROWS_MIN:
        attendees.append({"role": "", "name": "", "errors": []})
    homework = [
        {
            "title": h.title,
            "owner": h.owner_name,
            "due": h.due_date.isoformat() if h.due_date else "",
            "errors": [],
        }
        for h in session.homework.all()
    ]
    homework += [{"title": "", "owner": "", "due": "", "errors": []} for _i in range(HOMEWORK_BLANK_ROWS)]
    return attendees, homework


def _numbered(rows: list[dict]) -> list[dict]:
    return [{**r, "n": i} for i, r in enumerate(rows, start=1)]


@require_http_methods(["GET", "POST"])
def session_log(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """One session: its log read-only for viewers; the ITC leader or coordinator records it."""
    session = selectors.session_get_visible(membership=request.membership, pk=pk)
    company = session.track.company
    can_log = request.user.has_perm("accompaniment.log_session", company)
    log = getattr(session, "log", None)  # RelatedObjectDoesNotExist is an AttributeError
    form = None
    if request.method == "POST":
        if not can_log:
            raise PermissionDenied
        form = SessionLogForm(request.POST)
        if form.is_valid():
            try:
                services.session_log_submit(session=session, author=request.user, data=form.to_data())
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("第%(n)s回の記録を保存しました。") % {"n": session.number})
                return redirect("accompaniment:track", consortium_slug, company.pk)
        attendee_rows = form.attendee_rows or []
        homework_rows = form.homework_rows or []
        while len(attendee_rows) < ATTENDEE_ROWS_MIN:
            attendee_rows.append({"role": "", "name": "", "errors": []})
        if not any(not (r["title"] or r["owner"] or r["due"]) for r in homework_rows):
            homework_rows.append({"title": "", "owner": "", "due": "", "errors": []})
    else:
        access_log_record(
            membership=request.membership,
            company=company,
            subject=AccessLog.Subject.SESSION_LOG,
            object_id=session.pk,
            path=request.path,
        )
        attendee_rows, homework_rows = _initial_rows(session)
        if can_log:
            initial = {"date": session.date}
            if log is not None:
                initial.update(
                    agenda=log.agenda,
                    discussion=log.discussion,
                    decisions=log.decisions,
                    next_session_date=log.next_session_date,
                )
            form = SessionLogForm(initial=initial)
    return render(
        request,
        "accompaniment/session_log.html",
        {
            "company": company,
            "session": session,
            "log": log,
            "form": form,
            "can_log": can_log,
            "attendee_rows": _numbered(attendee_rows),
            "homework_rows": _numbered(homework_rows),
            "role_choices": Attendance.Role.choices,
        },
    )


@require_POST
def homework_done(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """POST ``done`` = "1"/"0": mark a 宿題 done or open again; back to the track."""
    item = selectors.homework_get_visible(membership=request.membership, pk=pk)
    services.homework_set_done(homework=item, user=request.user, done=request.POST.get("done") == "1")
    return redirect("accompaniment:track", consortium_slug, item.session.track.company_id)
