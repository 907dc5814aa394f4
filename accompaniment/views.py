"""Views of the accompaniment track: thin; parse the request, call one selector or service, render.

Not visible → 404 (selectors); visible but not allowed to change → 403 (PermissionDenied).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST
from rules import test_rule

from accompaniment import selectors, services
from accompaniment.forms import EnrollForm, SessionLogForm, SessionScheduleForm, SessionTemplateForm
from accompaniment.items import session_item_groups
from accompaniment.models import AccompanimentSession, Attendance, Homework, SessionLog
from dxcommunity import idempotency, registry
from dxcommunity.access import company_get_visible
from dxcommunity.access.rules import acts_as_coordinator
from dxcommunity.concurrency import EditConflict
from dxcommunity.consent.models import AccessLog
from dxcommunity.consent.services import access_log_record
from dxcommunity.edit_conflict import ConflictRow, edit_conflict_context
from dxcommunity.ui.forms import form_add_service_error
from dxcommunity.ui.names import person_name
from programs.participations.selectors import program_from_request

ATTENDEE_ROWS_MIN = 6
HOMEWORK_BLANK_ROWS = 2
RULE_TEXT = _lazy("経営者と担当者の2名以上")


@require_http_methods(["GET", "POST"])
def enroll(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """Coordinator enrolls a company in the accompaniment track (fields ``leader``, ``bank``)."""
    company = company_get_visible(
        membership=request.membership, pk=company_pk, perm="accompaniment.enroll", user=request.user
    )
    if selectors.track_for_company(company=company, program=program_from_request(request)) is not None:
        return redirect("accompaniment:track", consortium_slug, company.pk)
    form = EnrollForm(request.POST or None, consortium=request.consortium, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            services.track_enroll(
                company=company,
                leader=form.cleaned_data["leader"],
                bank=form.cleaned_data["bank"],
                program=form.cleaned_data["program"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("伴走支援に登録しました。"))
            url = reverse("accompaniment:track", args=[consortium_slug, company.pk])
            chosen = form.cleaned_data["program"]
            return redirect(f"{url}?program={chosen.pk}" if chosen else url)
    from programs.recruitment.selectors import selection_status_for_company

    # 選出結果 and 参加条件 (recruitment) of the program chosen (or offered first)
    program = getattr(form, "cleaned_data", {}).get("program") or (
        form.fields["program"].queryset.filter(pk=form.initial.get("program")).first()
    )
    selection = selection_status_for_company(company=company, program=program)
    return render(
        request, "accompaniment/enroll.html", {"company": company, "form": form, "selection": selection}
    )


def track(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """The 10 sessions with theme, status, date, logs and homework."""
    request.membership.user = request.user  # one user object: the rules cache its membership once
    company = selectors.company_get_for_track(
        membership=request.membership, company_pk=company_pk, user=request.user
    )
    program = program_from_request(request)
    tr = selectors.track_for_company(company=company, program=program)
    checks = selectors.track_checks(track=tr) if tr else None
    sessions = list(tr.sessions.all()) if tr else []
    homework = [h for s in sessions for h in s.homework.all()]
    context = {
        "company": company,
        "track": tr,
        "tracks": list(
            company.tracks.select_related("program").order_by("program__fiscal_year", "program__name")
        ),
        "today": timezone.localdate(),
        "rows": [(s, checks.by_session[s.pk]) for s in sessions] if checks else [],
        "checks": checks,
        "open_homework": [h for h in homework if not h.done],
        "done_homework": [h for h in homework if h.done],
        "rule_text": RULE_TEXT,
        "is_coordinator": bool(acts_as_coordinator(request.membership)),
        "progress": selectors.track_progress(track=tr) if tr else None,
        "can_log": request.user.has_perm("accompaniment.log_session", company),
        "can_enroll": request.user.has_perm("accompaniment.enroll", company),
        "can_update_homework": request.user.has_perm("accompaniment.update_homework", company),
    }
    if tr is not None:
        context["documents"] = registry.ask_one(
            "documents.for_company", company=company, kind="progress_report", default=[]
        )
        context["document_kind"] = "progress_report"
    return render(request, "accompaniment/track.html", context)


def _initial_rows(session: AccompanimentSession) -> tuple[list[dict], list[dict]]:
    """Attendee and homework rows for a GET: the saved ones, else the usual team, plus blank rows."""
    attendees = [{"role": a.role, "name": a.name, "errors": []} for a in session.attendances.all()]
    if not attendees:
        # The usual team: ITC leader and bank assistant every time, 経営者 and 担当者.
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
    """One session: its log read-only for viewers; the ITC leader or coordinator records it.

    POST: the SessionLogForm fields (``items``: the DX推進指標 items worked on, checkboxes by group),
    ``files`` (any number of attachments, saved with the log in one transaction) and ``idempotency_key``
    (a second POST with it redirects like the first, saving nothing). The page lists the log's items.
    """
    session = selectors.session_get_visible(membership=request.membership, pk=pk, user=request.user)
    company = session.track.company
    can_log = request.user.has_perm("accompaniment.log_session", company)
    log = getattr(session, "log", None)  # RelatedObjectDoesNotExist is an AttributeError
    log_items = (
        list(log.items.select_related("group").order_by("edition_id", "group__order", "order")) if log else []
    )
    # The DX推進指標 items the form offers, grouped; the log's own items stay offered (another edition).
    item_groups = session_item_groups(company=company, extra_ids=[i.pk for i in log_items]) if can_log else []
    form = None
    files_dropped = False
    conflict: dict = {}
    if request.method == "POST":
        if not can_log:
            raise PermissionDenied
        form = SessionLogForm(request.POST, item_groups=item_groups)
        uploads = request.FILES.getlist("files")  # picked on the same form: saved with the log
        if form.is_valid():
            try:
                services.session_log_record(
                    session=session,
                    author=request.user,
                    data=form.to_data(),
                    uploads=uploads,
                    idempotency_key=idempotency.key_from(request),
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                form_add_service_error(form, exc)
            except EditConflict as exc:
                conflict = _session_log_conflict(request, form, exc, session=session)
                log = exc.current
            else:
                messages.success(request, _("第%(n)s回の記録を保存しました。") % {"n": session.number})
                for upload in uploads:
                    messages.success(request, _("%(name)s を添付しました。") % {"name": upload.name})
                return redirect("accompaniment:track", consortium_slug, company.pk)
        files_dropped = bool(uploads)  # a browser cannot refill a file input: ask to pick them again
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
            form = SessionLogForm(
                initial={**_log_initial(session, log), "items": [i.pk for i in log_items]},
                item_groups=item_groups,
            )
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
            "earlier_open_homework": selectors.open_homework_before(session=session) if can_log else [],
            "done_ids": set(form.homework_done_ids()) if form is not None and form.is_bound else set(),
            "item_groups": item_groups,
            "selected_item_ids": form.selected_item_ids() if form is not None else set(),
            "log_items": log_items,
            "check": selectors.session_check(session=session),
            "attachments": selectors.attachments_of_session(session=session),
            "deleted_attachments": selectors.attachments_deleted_restorable(
                session=session, user=request.user
            ),
            "comments": list(session.log_comments.select_related("author")),
            "is_company_member": request.user.has_perm("programs.act_for_company", company),
            "is_coordinator_for_company": request.user.has_perm("accompaniment.enroll", company),
            "max_mb": services.attachment_max_bytes() // (1024 * 1024),
            "accept": ",".join(f".{e}" for e in services.ATTACHMENT_TYPES),
            "rule_text": RULE_TEXT,
            "files_dropped": files_dropped,
            **conflict,
        },
        status=409 if conflict else 200,
    )


def _log_initial(session: AccompanimentSession, log: SessionLog | None) -> dict:
    """The log form's values for ``session`` as stored (``version`` 0 when there is no log yet)."""
    initial = {"date": session.date, "version": 0}
    if log is not None:
        initial.update(
            agenda=log.agenda,
            discussion=log.discussion,
            decisions=log.decisions,
            next_session_date=log.next_session_date,
            version=log.version,
        )
    return initial


def _session_log_conflict(
    request: HttpRequest, form: SessionLogForm, exc: EditConflict, *, session: AccompanimentSession
) -> dict:
    """The conflict context of the log form: the fields, then the attendees and homework as lines."""
    stored_session = AccompanimentSession.objects.get(consortium_id=session.consortium_id, pk=session.pk)
    roles = dict(Attendance.Role.choices)
    their_attendees = Attendance.objects.filter(consortium_id=session.consortium_id, session=session)
    their_homework = Homework.objects.filter(consortium_id=session.consortium_id, session=session)

    def homework_line(title: str, owner: str, due) -> str:
        return "｜".join([title, owner, due.isoformat() if due else ""])

    return edit_conflict_context(
        form=form,
        conflict=exc,
        theirs=_log_initial(stored_session, exc.current),
        reload_url=reverse("accompaniment:session_log", args=[request.consortium.slug, session.pk]),
        extra_rows=[
            ConflictRow(
                label=_("出席者"),
                theirs="\n".join(f"{roles.get(a.role, a.role)}: {a.name}" for a in their_attendees),
                mine="\n".join(f"{roles.get(r, r)}: {n}" for r, n in form.attendees),
            ),
            ConflictRow(
                label=_("宿題"),
                theirs="\n".join(homework_line(h.title, h.owner_name, h.due_date) for h in their_homework),
                mine="\n".join(homework_line(h.title, h.owner_name, h.due_date) for h in form.homework),
            ),
        ],
    )


@require_POST
def homework_done(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """POST ``done`` = "1"/"0": mark a 宿題 done or open again; back to the track."""
    item = selectors.homework_get_visible(membership=request.membership, pk=pk, user=request.user)
    services.homework_set_done(homework=item, user=request.user, done=request.POST.get("done") == "1")
    return redirect("accompaniment:track", consortium_slug, item.session.track.company_id)


@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, consortium_slug: str, program_pk: int) -> HttpResponse:
    """The coordinator edits the program's session template: ``theme_N``, ``order_N``, ``roles_N``
    (checkboxes), ``remove_N``; a blank row adds a session (button 「保存」). New tracks follow it."""
    program = selectors.program_get_for_template(membership=request.membership, pk=program_pk)
    if not test_rule("accompaniment.edit_session_template", request.membership):
        raise PermissionDenied
    errors: list[str] = []
    if request.method == "POST":
        parsed = SessionTemplateForm(request.POST)
        try:
            services.session_template_save(program=program, user=request.user, sessions=parsed.sessions())
        except ValidationError as exc:
            errors = exc.messages
            rows = [{**r, "order": int(r["order"])} for r in parsed.rows]
        else:
            messages.success(request, _("伴走支援テンプレートを保存しました。"))
            return redirect("accompaniment:template_edit", consortium_slug, program.pk)
    else:
        rows = [
            {
                "n": row["number"],
                "theme": row["theme"],
                "order": row["number"],
                "expected_roles": row["expected_roles"],
            }
            for row in selectors.session_template_for(program=program)
        ]
    rows = [{**r, "n": i} for i, r in enumerate(rows, start=1)]
    rows.append(
        {"n": len(rows) + 1, "theme": "", "order": len(rows) + 1, "expected_roles": [], "blank": True}
    )
    return render(
        request,
        "accompaniment/template_edit.html",
        {"program": program, "rows": rows, "errors": errors, "role_choices": Attendance.Role.choices},
    )


@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Status and schedule of one session (ITC leader, coordinator): status, date, start_time,
    duration_minutes, mode, place (button 「保存」). The history keeps earlier dates."""
    session = selectors.session_get_visible(
        membership=request.membership, pk=pk, perm="accompaniment.log_session", user=request.user
    )
    company = session.track.company
    initial = {
        "status": session.status,
        "date": session.date,
        "start_time": session.start_time,
        "duration_minutes": session.duration_minutes,
        "mode": session.mode,
        "place": session.place,
    }
    form = SessionScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_schedule_update(session=session, user=request.user, data=form.to_data())
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("第%(n)s回の日程を保存しました。") % {"n": session.number})
            return redirect("accompaniment:track", consortium_slug, company.pk)
    history = list(session.history.order_by("-history_date")[:10])
    return render(
        request,
        "accompaniment/session_edit.html",
        {"company": company, "session": session, "form": form, "history": history},
    )


def alerts(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Coordinator view: tracks breaking the attendance rule, with missed sessions or missing supporters
    (regional coordinators: their region)."""
    if not test_rule("accompaniment.view_alerts", request.membership):
        raise PermissionDenied
    return render(
        request,
        "accompaniment/alerts.html",
        {"alerts": selectors.track_alerts(membership=request.membership), "rule_text": RULE_TEXT},
    )


@require_POST
def attachment_upload(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """POST ``file`` (and ``idempotency_key``): attach a file to the session log; errors come back as
    messages. The session log page sends its files with the log itself (``session_log``)."""
    session = selectors.session_get_visible(
        membership=request.membership, pk=pk, perm="accompaniment.log_session", user=request.user
    )
    try:
        att = services.attachment_add(
            session=session,
            user=request.user,
            upload=request.FILES.get("file"),
            idempotency_key=idempotency.key_from(request),
        )
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("%(name)s を添付しました。") % {"name": att.original_name})
    return redirect("accompaniment:session_log", consortium_slug, session.pk)


def attachment_download(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The file, for whoever sees the session log (404 otherwise); always a download, never sniffed."""
    from django.http import FileResponse

    att = selectors.attachment_get_visible(membership=request.membership, pk=pk, user=request.user)
    access_log_record(
        membership=request.membership,
        company=att.session.track.company,
        subject=AccessLog.Subject.SESSION_LOG,
        object_id=att.session_id,
        path=request.path,
    )
    response = FileResponse(
        att.file.open("rb"), as_attachment=True, filename=att.original_name, content_type=att.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def attachment_delete(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """削除 of an attachment (its uploader or a coordinator). GET: what deleting does (button 「削除する」);
    POST: delete (hidden, kept: 「元に戻す」 on the session log restores it)."""
    att = selectors.attachment_get_visible(
        membership=request.membership, pk=pk, perm="accompaniment.delete_attachment", user=request.user
    )
    if request.method == "GET":
        return render(
            request, "accompaniment/attachment_delete.html", {"attachment": att, "session": att.session}
        )
    services.attachment_delete(attachment=att, user=request.user)
    messages.success(
        request,
        _("%(name)s を削除しました。下の「削除した添付ファイル」から元に戻せます。")
        % {"name": att.original_name},
    )
    return redirect("accompaniment:session_log", consortium_slug, att.session_id)


@require_POST
def attachment_restore(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Restore a deleted attachment (POST, button 「元に戻す」; whoever may delete it)."""
    att = selectors.attachment_get_visible(
        membership=request.membership,
        pk=pk,
        include_deleted=True,
        perm="accompaniment.delete_attachment",
        user=request.user,
    )
    services.attachment_restore(attachment=att, user=request.user)
    messages.success(request, _("%(name)s を元に戻しました。") % {"name": att.original_name})
    return redirect("accompaniment:session_log", consortium_slug, att.session_id)


@require_POST
def log_confirm(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The company confirms the session log (button 「内容を確認しました」); company members only."""
    session = selectors.session_get_visible(
        membership=request.membership, pk=pk, perm="programs.act_for_company", user=request.user
    )
    log = SessionLog.objects.filter(consortium=request.consortium, session=session).first()
    if log is None:
        from django.http import Http404

        raise Http404("No log yet.")
    services.session_log_confirm(log=log, user=request.user)
    messages.success(request, _("記録の内容を確認しました。"))
    return redirect("accompaniment:session_log", consortium_slug, session.pk)


@require_POST
def log_comment(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The company comments on the session log (``body``, button 「コメントする」); company members only."""
    session = selectors.session_get_visible(
        membership=request.membership, pk=pk, perm="programs.act_for_company", user=request.user
    )
    try:
        services.session_log_comment_add(
            session=session,
            user=request.user,
            body=request.POST.get("body", ""),
            idempotency_key=idempotency.key_from(request),
        )
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("コメントしました。"))
    return redirect("accompaniment:session_log", consortium_slug, session.pk)
