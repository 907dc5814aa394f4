"""Reads for 事業と日程: program list and detail, who may change what, the month calendar.

All functions expect the tenant scope to be active (``ConsortiumMiddleware`` does it for requests).
Dates are JST (``TIME_ZONE = Asia/Tokyo``); a program's phase windows are ``DateField`` pairs.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dxcommunity import registry
from dxcommunity.tenancy.models import Membership
from programs import rules
from programs.models import Event, Program, SeminarRegistration, fiscal_year_label

Status = SeminarRegistration.Status

# (key, label, from field, until field): the phase windows of a program, in the order of the journey.
PHASES: list[tuple[str, str, str, str]] = [
    ("recruitment", _("募集期間"), "recruitment_from", "recruitment_until"),
    ("self_diagnosis", _("自己診断"), "self_diagnosis_from", "self_diagnosis_until"),
    ("advice", _("DX診断アドバイス"), "advice_from", "advice_until"),
    ("accompaniment", _("伴走支援"), "accompaniment_from", "accompaniment_until"),
    ("matching", _("マッチング"), "matching_from", "matching_until"),
]


@dataclass
class Window:
    """A phase window or an on-demand window: ``start``..``end`` inclusive (dates, JST)."""

    key: str
    label: str
    start: dt.date | None
    end: dt.date | None
    program: Program | None = None
    event: Event | None = None

    def contains(self, day: dt.date) -> bool:
        return self.start is not None and self.end is not None and self.start <= day <= self.end


def program_phases(*, program: Program) -> list[Window]:
    """The program's phase windows in journey order.

    募集期間, 自己診断, DX診断アドバイス, 伴走支援, マッチング.

    Windows with neither date are left out; a window with one date has the other None.
    """
    windows = []
    for key, label, start, end in PHASES:
        a, b = getattr(program, start), getattr(program, end)
        if a or b:
            windows.append(Window(key=key, label=str(label), start=a, end=b, program=program))
    return windows


# --- who may do what ------------------------------------------------------------------------------


def sees_members_only(*, membership: Membership) -> bool:
    """Members-only events (キックオフ連絡会, 構成員報告会) are hidden from company members and vendors."""
    return bool(rules.sees_members_only_events(membership))


def program_can_edit(*, membership: Membership) -> bool:
    """Programs are created and changed by the consortium coordinator only (regional: read-only)."""
    return bool(rules.may_edit_programs(membership))


def event_can_create(*, membership: Membership) -> bool:
    """The coordinator, and a regional coordinator (for events of their own region)."""
    return bool(rules.may_create_event(membership))


def event_can_manage(*, membership: Membership, event: Event) -> bool:
    """Edit, delete, see the registrations and mark attendance: the coordinator for every event, a regional
    coordinator for the events of their own region (not the common ones, ``region`` empty)."""
    return rules.coordinates_event(membership, event)


# --- programs -------------------------------------------------------------------------------------


def programs_for_list(*, consortium) -> QuerySet[Program]:
    """The consortium's programs, newest fiscal year first, with ``event_count`` and ``company_count``
    (ints) annotated and the regions prefetched."""
    return (
        Program.objects.filter(consortium=consortium)
        .annotate(
            event_count=Count("events", distinct=True),
            company_count=Count("participations", distinct=True),
        )
        .prefetch_related("regions")
        .order_by("-fiscal_year", "name", "pk")
    )


def program_get(*, consortium, pk: int) -> Program:
    """One program of the consortium; ``Http404`` for missing and other tenant alike."""
    program = Program.objects.filter(consortium=consortium, pk=pk).first()
    if program is None:
        raise Http404("No such program.")
    return program


# --- copying a program to the next fiscal year (次年度の事業を作成) --------------------------------------


@dataclass(frozen=True)
class CopyItem:
    """Per-program data of another app that ``program_copy`` copies too (the ``programs.copy_preview``
    hook): ``label`` (e.g. 伴走支援テンプレート) and ``detail`` what there is (None: nothing to copy)."""

    label: str
    detail: str | None


@dataclass
class WindowShift:
    """One phase window of the source and the same window in the copy (dates, JST; None = not set)."""

    label: str
    start: dt.date | None
    end: dt.date | None
    new_start: dt.date | None
    new_end: dt.date | None


@dataclass
class ProgramCopyPreview:
    """What ``program_copy(program=..., fiscal_year=...)`` would make: the shifted windows, the number of
    events copied, and the other apps' per-program data (``CopyItem``s)."""

    windows: list[WindowShift]
    event_count: int
    items: list[CopyItem]


def shift_date(day: dt.date | None, *, years: int) -> dt.date | None:
    """``day`` moved by whole ``years`` (may be negative); 29 February becomes 28 February in a year
    without it. None stays None."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def shift_to_weekday(day: dt.date, *, years: int) -> dt.date:
    """``day`` moved by ``years`` (``shift_date``), then to the nearest date with the weekday of ``day``
    (at most 3 days away), so that a Tuesday seminar stays a Tuesday."""
    shifted = shift_date(day, years=years)
    delta = (day.weekday() - shifted.weekday()) % 7
    return shifted + dt.timedelta(days=delta - 7 if delta > 3 else delta)


def copy_name(*, name: str, fiscal_year: int, new_fiscal_year: int) -> str:
    """The copy's default name: the 年度 label of ``fiscal_year`` in ``name`` replaced by the label of
    ``new_fiscal_year`` (「令和4年度 …」 -> 「令和5年度 …」); without the label, the new label is prefixed."""
    old, new = fiscal_year_label(fiscal_year), fiscal_year_label(new_fiscal_year)
    if old in name:
        return name.replace(old, new)
    return f"{new} {name}"


def program_copy_preview(*, program: Program, fiscal_year: int) -> ProgramCopyPreview:
    """What copying ``program`` to ``fiscal_year`` copies (see ``ProgramCopyPreview``); the other apps'
    items come from the ``programs.copy_preview`` hook: ``provider(program=Program) -> list[CopyItem]``."""
    years = fiscal_year - program.fiscal_year
    windows = []
    for _key, label, start, end in PHASES:
        a, b = getattr(program, start), getattr(program, end)
        if a or b:
            windows.append(
                WindowShift(
                    label=str(label),
                    start=a,
                    end=b,
                    new_start=shift_date(a, years=years),
                    new_end=shift_date(b, years=years),
                )
            )
    items = [item for found in registry.ask("programs.copy_preview", program=program) for item in found]
    return ProgramCopyPreview(
        windows=windows,
        event_count=Event.objects.filter(consortium=program.consortium_id, program=program).count(),
        items=items,
    )


# --- events ---------------------------------------------------------------------------------------


def events_of_programs_visible_to(*, membership: Membership, programs=None) -> QuerySet[Event]:
    """Events of the membership's consortium (of ``programs``, an iterable/queryset, when given) that it
    may see, in date order, with ``program`` and ``region`` loaded."""
    qs = Event.objects.filter(consortium=membership.consortium_id)
    if programs is not None:
        qs = qs.filter(program__in=programs)
    if not sees_members_only(membership=membership):
        qs = qs.filter(members_only=False)
    return qs.select_related("program", "region").order_by("starts_at", "pk")


def events_with_counts(events: QuerySet[Event]) -> QuerySet[Event]:
    """``events`` annotated with registration counts (ints): ``live_count`` (registered, live),
    ``on_demand_count`` (registered, on demand), ``waitlist_count``, ``attended_count``."""
    active = ~Q(registrations__status=Status.CANCELLED)
    return events.annotate(
        live_count=Count(
            "registrations",
            filter=Q(registrations__status=Status.REGISTERED, registrations__on_demand=False),
        ),
        on_demand_count=Count(
            "registrations",
            filter=Q(registrations__status=Status.REGISTERED, registrations__on_demand=True),
        ),
        waitlist_count=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)),
        attended_count=Count("registrations", filter=active & Q(registrations__attended=True)),
    )


def event_is_live(event: Event) -> bool:
    """Whether the event has a live session.

    The model requires ``starts_at``; an on-demand-only event is stored with ``starts_at`` = the first
    day of its on-demand window at 00:00 JST and no ``ends_at`` (``forms_program.EventForm``).
    """
    if not event.on_demand_from or event.ends_at is not None:
        return True
    local = timezone.localtime(event.starts_at)
    return not (local.date() == event.on_demand_from and local.time() == dt.time(0, 0))


def event_is_over(event: Event, *, now: dt.datetime | None = None) -> bool:
    """The live session has ended (``ends_at``, else ``starts_at``) or there is none."""
    now = now or timezone.now()
    if not event_is_live(event):
        return True
    return (event.ends_at or event.starts_at) <= now


def on_demand_available(event: Event, *, today: dt.date | None = None) -> bool:
    """The on-demand window is open now or still to come."""
    today = today or timezone.localdate()
    return bool(event.on_demand_until) and today <= event.on_demand_until


def event_registrations(*, event: Event) -> QuerySet[SeminarRegistration]:
    """The event's registrations: registered first (live, then on demand), then the waitlist in order,
    then the cancelled; each group in order of registration (``created_at``)."""
    from django.db.models import Case, IntegerField, Value, When

    order = Case(
        When(status=Status.REGISTERED, then=Value(0)),
        When(status=Status.WAITLISTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        SeminarRegistration.objects.filter(consortium=event.consortium_id, event=event)
        .select_related("company")
        .annotate(group=order)
        .order_by("group", "on_demand", "created_at", "pk")
    )


def registration_counts(*, event: Event) -> dict[str, int]:
    """``{"live", "on_demand", "registered", "waitlisted", "cancelled", "attended",
    "attended_live", "attended_on_demand"}`` for one event (cancelled registrations never count as
    attended)."""
    counts = {"live": 0, "on_demand": 0, "registered": 0, "waitlisted": 0, "cancelled": 0}
    counts |= {"attended": 0, "attended_live": 0, "attended_on_demand": 0}
    rows = (
        SeminarRegistration.objects.filter(consortium=event.consortium_id, event=event)
        .values_list("status", "on_demand", "attended")
        .order_by()
    )
    for status, on_demand, attended in rows:
        counts[status] += 1
        if status == Status.REGISTERED:
            counts["on_demand" if on_demand else "live"] += 1
        if status != Status.CANCELLED and attended:
            counts["attended"] += 1
            counts["attended_on_demand" if on_demand else "attended_live"] += 1
    return counts


def registration_of(*, event: Event, email: str) -> SeminarRegistration | None:
    """The registration of ``email`` (case-insensitive) for ``event``, any status; None without one."""
    if not email:
        return None
    return SeminarRegistration.objects.filter(
        consortium=event.consortium_id, event=event, email__iexact=email
    ).first()


def waitlist_position(*, registration: SeminarRegistration) -> int | None:
    """1-based place of a waitlisted registration in its event's waitlist (order of ``created_at``, then
    pk); None when it is not waitlisted."""
    if registration.status != Status.WAITLISTED:
        return None
    ahead = SeminarRegistration.objects.filter(
        consortium=registration.consortium_id, event=registration.event_id, status=Status.WAITLISTED
    ).filter(
        Q(created_at__lt=registration.created_at)
        | Q(created_at=registration.created_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def registrations_by_event(*, consortium, email: str) -> dict[int, SeminarRegistration]:
    """``{event_id: registration}`` of ``email``'s registrations in the consortium that are not cancelled,
    each with ``position`` (int | None, its waitlist place) set."""
    if not email:
        return {}
    regs = SeminarRegistration.objects.filter(consortium=consortium, email__iexact=email).exclude(
        status=Status.CANCELLED
    )
    found = {}
    for reg in regs:
        reg.position = waitlist_position(registration=reg)
        found[reg.event_id] = reg
    return found


# --- calendar -------------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    """One cell of the month grid."""

    date: dt.date
    in_month: bool
    is_today: bool
    events: list[Event] = field(default_factory=list)
    bands: list[dict] = field(default_factory=list)  # {"key", "label", "show_label", "event"}


def parse_month(value: str | None) -> dt.date | None:
    """``YYYY-MM`` → the first day of that month; None for empty or malformed input (years 1900–2200)."""
    if not value:
        return None
    try:
        year, month = (int(part) for part in value.split("-", 1))
        if 1900 <= year <= 2200:
            return dt.date(year, month, 1)
    except ValueError:
        pass
    return None


def program_span(*, program: Program, events: list[Event]) -> tuple[dt.date | None, dt.date | None]:
    """First and last day (JST) touched by the program's events, on-demand windows and phase windows."""
    days: list[dt.date] = []
    for event in events:
        days.append(timezone.localdate(event.starts_at))
        days += [d for d in (event.on_demand_from, event.on_demand_until) if d]
        if event.ends_at:
            days.append(timezone.localdate(event.ends_at))
    for window in program_phases(program=program):
        days += [d for d in (window.start, window.end) if d]
    return (min(days), max(days)) if days else (None, None)


def calendar_default_month(*, program: Program, events: list[Event], today: dt.date) -> dt.date:
    """The month shown without ``?month=``: the current month while the program runs (today within its
    span), else the month of its first event (or first phase day); the current month when it has none."""
    first, last = program_span(program=program, events=events)
    if first is None or first <= today <= last:
        return today.replace(day=1)
    first_event = min((timezone.localdate(e.starts_at) for e in events), default=first)
    return first_event.replace(day=1)


def month_grid(
    *, month: dt.date, events: list[Event], windows: list[Window], today: dt.date
) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of the month containing ``month``, each a list of 7 ``CalendarDay``.

    A live event is on the day it starts (JST); an on-demand-only event and every window (phase or
    on-demand) are bands on each day they cover, with ``show_label`` on the window's first day and on
    each Monday / first day of the month (so a band's name is readable in every week row).
    """
    first = month.replace(day=1)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    by_day: dict[dt.date, list[Event]] = {}
    for event in events:
        if event_is_live(event):
            by_day.setdefault(timezone.localdate(event.starts_at), []).append(event)
    grid = []
    for week in weeks:
        row = []
        for day in week:
            cell = CalendarDay(
                date=day, in_month=day.month == first.month, is_today=day == today, events=by_day.get(day, [])
            )
            for window in windows:
                if window.contains(day):
                    cell.bands.append(
                        {
                            "key": window.key,
                            "label": window.label,
                            "show_label": day == window.start or day.weekday() == 0 or day == week[0],
                            "event": window.event,
                            "start": window.start,
                            "end": window.end,
                        }
                    )
            row.append(cell)
        grid.append(row)
    return grid


def calendar_windows(*, programs: list[Program], events: list[Event], prefix_program: bool) -> list[Window]:
    """Phase windows of ``programs`` and the on-demand windows of ``events`` (label 「配信: title」).

    ``prefix_program``: prefix phase labels with the program's 令和N年度 label (consortium calendar).
    """
    windows: list[Window] = []
    for program in programs:
        for window in program_phases(program=program):
            if prefix_program:
                window.label = f"{program.fiscal_year_label} {window.label}"
            windows.append(window)
    for event in events:
        if event.on_demand_from and event.on_demand_until:
            windows.append(
                Window(
                    key="on_demand",
                    label=str(_("配信: %(title)s") % {"title": event.title}),
                    start=event.on_demand_from,
                    end=event.on_demand_until,
                    event=event,
                )
            )
    return windows


def month_nav(month: dt.date) -> dict[str, str]:
    """``{"prev", "next", "current"}`` as ``YYYY-MM`` strings around ``month``."""
    prev = (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return {"prev": prev.strftime("%Y-%m"), "next": nxt.strftime("%Y-%m"), "current": month.strftime("%Y-%m")}
