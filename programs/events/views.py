"""Views of 事業と日程: programs, their events, registrations and attendance, the calendar and .ics.

Thin: parse the request, call one selector or service, render. Everything runs under
``/c/<consortium_slug>/programs/`` in the tenant scope. Reading is open to every member of the consortium
(members-only events are 404 for company members and vendors); programs are changed by the coordinator
only, events by the coordinator and by a regional coordinator for their own region (403 otherwise).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dxcommunity import idempotency
from dxcommunity.concurrency import EditConflict
from dxcommunity.edit_conflict import edit_conflict_context, form_values
from dxcommunity.tenancy.models import Region
from dxcommunity.ui.forms import form_add_service_error
from dxcommunity.ui.ics import ics_response, uid_host
from programs import closing
from programs import middleware as amendments
from programs.companies import selectors
from programs.events import selectors as sel
from programs.events import services
from programs.events.forms import (
    AttendanceForm,
    EventForm,
    ProgramAmendmentForm,
    ProgramCopyForm,
    ProgramForm,
)
from programs.events.ics import events_ics
from programs.models import Event, Program, SeminarRegistration, fiscal_year_label


@require_GET
def program_list(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """All programs of the consortium, newest fiscal year first, with their phase windows and counts."""
    programs = list(sel.programs_for_list(consortium=request.consortium))
    for program in programs:
        program.phases = sel.program_phases(program=program)
    return render(
        request,
        "programs/program/list.html",
        {"programs": programs, "can_edit": sel.program_can_edit(membership=request.membership)},
    )


def program_create(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """New program (coordinator only)."""
    if not sel.program_can_edit(membership=request.membership):
        raise PermissionDenied
    form = ProgramForm(request.POST or None, consortium=request.consortium)
    if request.method == "POST" and form.is_valid():
        try:
            program = services.program_create(
                consortium=request.consortium,
                data=form.cleaned_data,
                user=request.user,
                idempotency_key=idempotency.key_from(request),
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("事業「%(name)s」を登録しました。") % {"name": program.name})
            return redirect("programs:detail", consortium_slug=consortium_slug, pk=program.pk)
    return render(request, "programs/program/form.html", {"form": form, "program": None})


def program_edit(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Change a program (coordinator only; regional coordinators read it)."""
    program = sel.program_get(consortium=request.consortium, pk=pk)
    if not sel.program_can_edit(membership=request.membership):
        raise PermissionDenied
    form = ProgramForm(request.POST or None, instance=program, consortium=request.consortium)
    conflict: dict = {}
    if request.method == "POST" and form.is_valid():
        try:
            services.program_update(
                program=program, data=form.cleaned_data, version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
        except EditConflict as exc:
            stored = ProgramForm(instance=exc.current, consortium=request.consortium)
            conflict = edit_conflict_context(
                form=form, conflict=exc, theirs=form_values(stored), reload_url=request.path
            )
        else:
            messages.success(request, _("事業を更新しました。"))
            return redirect("programs:detail", consortium_slug=consortium_slug, pk=program.pk)
    return render(
        request,
        "programs/program/form.html",
        {"form": form, "program": program, **conflict},
        status=409 if conflict else 200,
    )


def program_copy(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """次年度の事業を作成 (coordinator only, as ``program_edit``): GET shows the form prefilled with the new
    name and 年度 and what is copied; POST creates the copy and redirects to it."""
    program = sel.program_get(consortium=request.consortium, pk=pk)
    if not sel.program_can_edit(membership=request.membership):
        raise PermissionDenied
    next_year = program.fiscal_year + 1
    form = ProgramCopyForm(
        request.POST or None,
        initial={
            "name": sel.copy_name(
                name=program.name, fiscal_year=program.fiscal_year, new_fiscal_year=next_year
            ),
            "fiscal_year": next_year,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.program_copy(
                program=program,
                user=request.user,
                name=form.cleaned_data["name"],
                fiscal_year=form.cleaned_data["fiscal_year"],
                idempotency_key=idempotency.key_from(request),
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("「%(source)s」から事業「%(name)s」を作成しました。")
                % {"source": program.name, "name": copy.name},
            )
            return redirect("programs:detail", consortium_slug=consortium_slug, pk=copy.pk)
    fiscal_year = form.cleaned_data.get("fiscal_year", next_year) if form.is_bound else next_year
    return render(
        request,
        "programs/program/copy.html",
        {
            "form": form,
            "program": program,
            "preview": sel.program_copy_preview(program=program, fiscal_year=fiscal_year),
            "new_label": fiscal_year_label(fiscal_year),
        },
    )


@require_GET
def program_detail(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The program's phase windows and its schedule of events in date order, with registration counts."""
    membership = request.membership
    program = sel.program_get(consortium=request.consortium, pk=pk)
    events = list(
        sel.events_with_counts(sel.events_of_programs_visible_to(membership=membership, programs=[program]))
    )
    mine = sel.registrations_by_event(consortium=request.consortium, email=request.user.email)
    amending = amendments.amendment_in_progress(request)
    # A closed program is changed only inside its amendment (修正を開始).
    changeable = not program.is_closed or (amending is not None and amending.program_id == program.pk)
    for event in events:
        event.is_live = sel.event_is_live(event)
        event.can_manage = changeable and sel.event_can_manage(membership=membership, event=event)
        event.mine = mine.get(event.pk)
    return render(
        request,
        "programs/program/detail.html",
        {
            "program": program,
            "phases": sel.program_phases(program=program),
            "events": events,
            "regions": list(program.regions.all()),
            "can_edit": sel.program_can_edit(membership=membership),
            "can_add_event": changeable and sel.event_can_create(membership=membership),
            "changeable": changeable,
            "amending_this": amending is not None and amending.program_id == program.pk,
            "closed_on": closing.closed_on_text(program),
            "amendment_form": ProgramAmendmentForm(),
            "show_counts": membership.role not in ("company_member", "vendor"),
        },
    )


# --- 事業完了 and corrections after it --------------------------------------------------------------


def program_close(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """事業完了にする (coordinator only, as ``program_edit``): GET the confirmation saying the data becomes
    read-only; POST closes the program (``closing.program_close``) and goes back to it."""
    program = sel.program_get(consortium=request.consortium, pk=pk)
    if not sel.program_can_edit(membership=request.membership):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        try:
            closing.program_close(program=program, user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("「%(name)s」を事業完了にしました。") % {"name": program.name})
            return redirect("programs:detail", consortium_slug=consortium_slug, pk=program.pk)
    return render(request, "programs/program/close.html", {"program": program, "error": error})


def program_amendment_start(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """修正を開始 (coordinator only): GET the reason form; POST ``reason`` (required) starts the amendment
    of the closed program for this coordinator's session: their next requests may change its data, each
    change listed on the ``ProgramAmendment``."""
    program = sel.program_get(consortium=request.consortium, pk=pk)
    if not sel.program_can_edit(membership=request.membership):
        raise PermissionDenied
    form = ProgramAmendmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = closing.program_amendment_start(
                program=program, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            amendments.amendment_session_start(request, amendment=amendment)
            messages.success(
                request,
                _("「%(name)s」の修正を開始しました。修正が終わったら「修正を終了」を押してください。")
                % {"name": program.name},
            )
            return redirect("programs:detail", consortium_slug=consortium_slug, pk=program.pk)
    return render(request, "programs/program/amendment_start.html", {"program": program, "form": form})


@require_POST
def program_amendment_end(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """修正を終了 (coordinator only): the session's amendment stops; back to its program."""
    if not sel.program_can_edit(membership=request.membership):
        raise PermissionDenied
    amendment = amendments.amendment_session_end(request)
    if amendment is None:
        return redirect("programs:list", consortium_slug=consortium_slug)
    messages.success(request, _("「%(name)s」の修正を終了しました。") % {"name": amendment.program.name})
    return redirect("programs:detail", consortium_slug=consortium_slug, pk=amendment.program_id)


# --- calendar and .ics ----------------------------------------------------------------------------


def _calendar_context(request, *, programs: list[Program], events: list[Event], default_month) -> dict:
    today = timezone.localdate()
    month = sel.parse_month(request.GET.get("month")) or default_month
    windows = sel.calendar_windows(programs=programs, events=events, prefix_program=len(programs) > 1)
    grid = sel.month_grid(month=month, events=events, windows=windows, today=today)
    days = [
        day
        for week in grid
        for day in week
        if day.in_month and (day.events or any(b["start"] == day.date for b in day.bands))
    ]
    return {
        "month": month,
        "nav": sel.month_nav(month),
        "today_month": today.strftime("%Y-%m"),
        "grid": grid,
        "list_days": days,
        "windows": windows,
        "weekdays": [_("月"), _("火"), _("水"), _("木"), _("金"), _("土"), _("日")],
    }


@require_GET
def program_calendar(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Month grid (``?month=YYYY-MM``) of the program's visible events and its phase windows."""
    program = sel.program_get(consortium=request.consortium, pk=pk)
    events = list(sel.events_of_programs_visible_to(membership=request.membership, programs=[program]))
    default = sel.calendar_default_month(program=program, events=events, today=timezone.localdate())
    context = _calendar_context(request, programs=[program], events=events, default_month=default)
    return render(request, "programs/program/calendar.html", {**context, "program": program})


@require_GET
def consortium_calendar(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Month grid across every program of the consortium (default: the current month)."""
    programs = list(Program.objects.filter(consortium=request.consortium).order_by("-fiscal_year", "pk"))
    events = list(sel.events_of_programs_visible_to(membership=request.membership))
    context = _calendar_context(
        request, programs=programs, events=events, default_month=timezone.localdate().replace(day=1)
    )
    return render(request, "programs/program/calendar.html", {**context, "program": None})


def _ics_response(request, *, name: str, events: list[Event], filename: str) -> HttpResponse:
    def url_of(event: Event) -> str:
        return request.build_absolute_uri(
            reverse("programs:event_detail", args=[request.consortium.slug, event.pk])
        )

    body = events_ics(name=name, events=events, url_of=url_of, host=uid_host(request))
    return ics_response(body, filename=filename)


@require_GET
def program_ics(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Every event of the program the user may see as one .ics (on-demand windows as all-day entries)."""
    program = sel.program_get(consortium=request.consortium, pk=pk)
    events = list(sel.events_of_programs_visible_to(membership=request.membership, programs=[program]))
    return _ics_response(request, name=program.name, events=events, filename=f"program-{program.pk}.ics")


@require_GET
def event_ics(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """One event as .ics (404 for what the user may not see)."""
    event = selectors.event_get_visible(membership=request.membership, pk=pk)
    return _ics_response(request, name=event.title, events=[event], filename=f"event-{event.pk}.ics")


# --- events ---------------------------------------------------------------------------------------


def _event_regions(*, request, program: Program):
    """Region choices of the event form: the regional coordinator's own region, else the program's
    regions (all the consortium's when the program has none)."""
    membership = request.membership
    if membership.role == "regional_coordinator":
        return Region.objects.filter(consortium=request.consortium, pk=membership.region_id)
    regions = program.regions.all()
    return regions if regions.exists() else Region.objects.filter(consortium=request.consortium)


def event_create(request: HttpRequest, consortium_slug: str, program_pk: int) -> HttpResponse:
    """New event of a program (coordinator; a regional coordinator for their region)."""
    program = sel.program_get(consortium=request.consortium, pk=program_pk)
    membership = request.membership
    if not sel.event_can_create(membership=membership):
        raise PermissionDenied
    regional = membership.role == "regional_coordinator"
    form = EventForm(
        request.POST or None,
        regions=_event_regions(request=request, program=program),
        region_required=regional,
        initial={"registration_open": True, "region": membership.region_id if regional else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                program=program,
                data=form.event_data(),
                user=request.user,
                idempotency_key=idempotency.key_from(request),
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("イベント「%(title)s」を登録しました。") % {"title": event.title})
            return redirect("programs:event_detail", consortium_slug=consortium_slug, pk=event.pk)
    return render(
        request, "programs/program/event_form.html", {"form": form, "program": program, "event": None}
    )


def _event_for_manager(request, pk: int) -> Event:
    return selectors.event_get_visible(
        membership=request.membership, pk=pk, perm="programs.manage_event", user=request.user
    )


def event_edit(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Change an event (its manager: coordinator, or the regional coordinator of its region)."""
    event = _event_for_manager(request, pk)
    form_kwargs = {
        "regions": _event_regions(request=request, program=event.program),
        "region_required": request.membership.role == "regional_coordinator",
    }
    form = EventForm(request.POST or None, instance=event, **form_kwargs)
    conflict: dict = {}
    if request.method == "POST" and form.is_valid():
        try:
            event, promoted = services.event_update(
                event=event, data=form.event_data(), version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
        except EditConflict as exc:
            stored = EventForm(instance=exc.current, **form_kwargs)
            conflict = edit_conflict_context(
                form=form, conflict=exc, theirs=form_values(stored), reload_url=request.path
            )
        else:
            messages.success(request, _("イベントを更新しました。"))
            if promoted:
                messages.info(
                    request,
                    _("キャンセル待ちの %(n)d 件を申込済にしました。") % {"n": len(promoted)},
                )
            return redirect("programs:event_detail", consortium_slug=consortium_slug, pk=event.pk)
    return render(
        request,
        "programs/program/event_form.html",
        {"form": form, "program": event.program, "event": event, **conflict},
        status=409 if conflict else 200,
    )


def event_delete(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Confirm (GET) and delete (POST) an event with its registrations."""
    event = _event_for_manager(request, pk)
    if request.method == "POST":
        program_pk = event.program_id
        try:
            services.event_delete(event=event)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("programs:event_detail", consortium_slug=consortium_slug, pk=event.pk)
        messages.success(request, _("イベント「%(title)s」を削除しました。") % {"title": event.title})
        return redirect("programs:detail", consortium_slug=consortium_slug, pk=program_pk)
    counts = sel.registration_counts(event=event)
    return render(request, "programs/program/event_delete.html", {"event": event, "counts": counts})


@require_GET
def event_detail(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The event: dates, on-demand window, place; the user's own registration (register / cancel); for its
    manager the registrations with the attendance form and the counts."""
    membership = request.membership
    event = selectors.event_get_visible(membership=membership, pk=pk)
    can_manage = sel.event_can_manage(membership=membership, event=event)
    mine = sel.registration_of(event=event, email=request.user.email)
    if mine is not None:
        mine.position = sel.waitlist_position(registration=mine)
    context = {
        "event": event,
        "program": event.program,
        "is_live": sel.event_is_live(event),
        "is_over": sel.event_is_over(event),
        "on_demand_available": sel.on_demand_available(event),
        "mine": mine if mine is not None and mine.status != SeminarRegistration.Status.CANCELLED else None,
        "can_manage": can_manage,
        "counts": sel.registration_counts(event=event) if can_manage else None,
    }
    if can_manage:
        registrations = list(sel.event_registrations(event=event))
        context["registrations"] = registrations
        context["attendance_form"] = AttendanceForm(
            registrations=[r for r in registrations if r.status != SeminarRegistration.Status.CANCELLED],
            initial={"attended": [r.pk for r in registrations if r.attended]},
        )
    return render(request, "programs/program/event_detail.html", context)


@require_POST
def event_attendance(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Save the attendance form: ticked registrations attended, the others not."""
    event = _event_for_manager(request, pk)
    registrations = list(
        sel.event_registrations(event=event).exclude(status=SeminarRegistration.Status.CANCELLED)
    )
    form = AttendanceForm(request.POST, registrations=registrations)
    if not form.is_valid():
        messages.error(request, _("出席の入力が正しくありません。"))
    else:
        changed = services.attendance_mark(event=event, attended_ids=set(form.cleaned_data["attended"]))
        messages.success(request, _("出席を保存しました（%(n)d 件を変更）。") % {"n": changed})
    return redirect("programs:event_detail", consortium_slug=consortium_slug, pk=event.pk)


@require_POST
def registration_cancel(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The registrant cancels their own registration for event ``pk``; the seat goes to the waitlist."""
    event = selectors.event_get_visible(membership=request.membership, pk=pk)
    registration = sel.registration_of(event=event, email=request.user.email)
    if registration is None or registration.status == SeminarRegistration.Status.CANCELLED:
        raise Http404("No registration.")
    services.registration_cancel(registration=registration)
    messages.success(request, _("「%(event)s」の申し込みを取り消しました。") % {"event": event.title})
    return redirect("programs:event_detail", consortium_slug=consortium_slug, pk=event.pk)
