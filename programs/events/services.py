"""Writes for 事業と日程: programs, events, seminar registration with capacity and waitlist, attendance.

Keyword-only, typed; each runs in one transaction. simple-history records every change with the acting
user of the request (HistoryRequestMiddleware).

Capacity (``Event.capacity``, None = unlimited) counts live seats only: registrations with status
``registered`` and ``on_demand`` False. A live registration over capacity is put on the waitlist
(``waitlisted``); when a live seat frees (cancellation, capacity raised) the first waitlisted registration
in order of ``created_at`` (then pk) is promoted. On-demand registrations never take a live seat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dxcommunity import registry
from dxcommunity.concurrency import versioned_save
from dxcommunity.idempotency import create_once, save_once
from dxcommunity.tenancy.models import Company, Region
from programs.events import selectors as sel
from programs.models import Event, Program, SeminarRegistration, fiscal_year_label

Status = SeminarRegistration.Status

PROGRAM_FIELDS = [
    "name",
    "fiscal_year",
    "funder",
    "capacity",
    "recruitment_from",
    "recruitment_until",
    "public_application_open",
    "self_diagnosis_from",
    "self_diagnosis_until",
    "advice_from",
    "advice_until",
    "accompaniment_from",
    "accompaniment_until",
    "matching_from",
    "matching_until",
    "description",
]
EVENT_FIELDS = [
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "on_demand_from",
    "on_demand_until",
    "place",
    "online_url",
    "capacity",
    "members_only",
    "region",
    "description",
    "registration_open",
]


def _check_regions(*, consortium_id: int, regions) -> list[Region]:
    """The regions as a list; ValidationError({"regions": ...}) if one belongs to another consortium."""
    regions = list(regions or [])
    if any(r.consortium_id != consortium_id for r in regions):
        raise ValidationError({"regions": _("この コンソーシアムの地域から選んでください。")})
    return regions


# --- programs -------------------------------------------------------------------------------------


@transaction.atomic
def program_create(
    *, consortium, data: dict, user: Any = None, idempotency_key: str | None = None
) -> Program:
    """Create a program of ``consortium`` from ``data`` (``PROGRAM_FIELDS`` plus ``regions``: Regions of
    this consortium). Raises ValidationError (model validation, foreign regions). The same form sent
    twice by ``user`` (same ``idempotency_key``, dxcommunity.idempotency) creates one program."""
    regions = _check_regions(consortium_id=consortium.pk, regions=data.get("regions"))

    def create() -> Program:
        program = Program(consortium=consortium, **{k: data[k] for k in PROGRAM_FIELDS if k in data})
        program.full_clean()
        program.save()
        program.regions.set(regions)
        return program

    return create_once(
        key=idempotency_key,
        scope="programs.program_create",
        consortium_id=consortium.pk,
        user=user,
        create=create,
    )[0]


@transaction.atomic
def program_update(*, program: Program, data: dict, version: int | None = None) -> Program:
    """Change a program's fields and regions (see ``program_create`` for ``data``).

    ``version``: the program's ``version`` the form was loaded with (it covers the regions); None: no
    check. Raises ``EditConflict`` (nothing written) when someone changed the program since.
    """
    # Compare with the stored row: a bound ModelForm has already copied the new values onto its instance.
    program = Program.objects.select_for_update().get(pk=program.pk, consortium=program.consortium_id)
    regions = _check_regions(consortium_id=program.consortium_id, regions=data.get("regions"))
    changed = [k for k in PROGRAM_FIELDS if k in data and getattr(program, k) != data[k]]
    regions_changed = "regions" in data and {r.pk for r in regions} != set(
        program.regions.values_list("pk", flat=True)
    )
    for k in changed:
        setattr(program, k, data[k])
    program.full_clean(exclude=["version"])
    if changed or regions_changed:
        versioned_save(instance=program, version=version, update_fields=[*changed, "updated_at"])
    if regions_changed:
        program.regions.set(regions)
    return program


# --- copying a program to the next fiscal year (次年度の事業を作成) --------------------------------------

# Copied as they are; the phase windows are shifted (``PHASE_DATE_FIELDS``), the 年度 and name are new,
# the public application form starts closed.
COPIED_PROGRAM_FIELDS = ["funder", "capacity", "description"]
PHASE_DATE_FIELDS = [name for _key, _label, start, end in sel.PHASES for name in (start, end)]
# Event fields ``_copy_event`` sets itself (the dates are shifted, the region is copied by id).
_EVENT_FIELDS_NOT_COPIED = {
    "starts_at",
    "ends_at",
    "on_demand_from",
    "on_demand_until",
    "region",
    "registration_open",
}


def _copy_event(*, event: Event, target: Program, years: int) -> Event:
    """An unsaved copy of ``event`` for ``target``, ``years`` later.

    A live event keeps its weekday and time of day (JST, ``sel.shift_to_weekday``); its end and its
    on-demand window move by the same number of days. An on-demand-only event moves its window by whole
    years and starts at the window's first day 00:00 (as ``EventForm`` stores it). Registration is open.
    """
    copy = Event(
        consortium_id=target.consortium_id,
        program=target,
        region_id=event.region_id,
        registration_open=True,
        **{k: getattr(event, k) for k in EVENT_FIELDS if k not in _EVENT_FIELDS_NOT_COPIED},
    )
    tz = timezone.get_current_timezone()
    if sel.event_is_live(event):
        start = timezone.localtime(event.starts_at)
        days = sel.shift_to_weekday(start.date(), years=years) - start.date()
        # Same wall-clock time on the new date (a UTC offset change would otherwise move it).
        copy.starts_at = dt.datetime.combine(start.date() + days, start.time(), tzinfo=tz)
        copy.ends_at = copy.starts_at + (event.ends_at - event.starts_at) if event.ends_at else None
        copy.on_demand_from = event.on_demand_from + days if event.on_demand_from else None
        copy.on_demand_until = event.on_demand_until + days if event.on_demand_until else None
    else:
        copy.on_demand_from = sel.shift_date(event.on_demand_from, years=years)
        copy.on_demand_until = sel.shift_date(event.on_demand_until, years=years)
        copy.starts_at = dt.datetime.combine(copy.on_demand_from, dt.time(0, 0), tzinfo=tz)
        copy.ends_at = None
    return copy


@transaction.atomic
def program_copy(
    *,
    program: Program,
    user: Any,
    name: str | None = None,
    fiscal_year: int | None = None,
    idempotency_key: str | None = None,
) -> Program:
    """Create the next fiscal year's program from ``program`` (次年度の事業を作成); returns the new one.

    ``fiscal_year``: the new 年度 (starting year), default the source's + 1; must be later than the
    source's. ``name``: default ``sel.copy_name`` (the 年度 label in the name replaced, or prefixed).
    Copied: funder, 募集社数, 事業概要, regions; every phase window shifted by the difference in years
    (29 February -> 28 February); the events (``_copy_event``: same weekday and time, no registrations);
    and what other apps keep per program, through the ``programs.copy`` hook, called inside this
    transaction as ``provider(source=Program, target=Program) -> None`` (accompaniment: the session
    template). The public application form starts closed. The source is not changed.

    Raises PermissionDenied unless ``user`` edits programs of the consortium (``programs.rules.
    may_edit_programs``); ValidationError ``{"fiscal_year": ...}`` when the year is not later than the
    source's or the consortium already has a program of that name and 年度, ``{"name": ...}`` (empty, too
    long). The same form sent twice by ``user`` (same ``idempotency_key``) creates one program.
    """
    from dxcommunity.access.rules import membership_for
    from programs.rules import may_edit_programs

    if not may_edit_programs(membership_for(user, program.consortium_id)):
        raise PermissionDenied("Only the coordinator copies a program.")
    fiscal_year = program.fiscal_year + 1 if fiscal_year is None else fiscal_year
    name = (name or "").strip() or sel.copy_name(
        name=program.name, fiscal_year=program.fiscal_year, new_fiscal_year=fiscal_year
    )

    def create() -> Program:
        # Lock the source: two copies of it at once (two forms, two coordinators) run one after the other,
        # so the second sees the first's program and is refused as a duplicate.
        source = Program.objects.select_for_update().get(pk=program.pk, consortium=program.consortium_id)
        if fiscal_year <= source.fiscal_year:
            raise ValidationError(
                {
                    "fiscal_year": _("コピー先の年度は %(label)s より後にしてください。")
                    % {"label": source.fiscal_year_label}
                }
            )
        if Program.objects.filter(
            consortium=source.consortium_id, name=name, fiscal_year=fiscal_year
        ).exists():
            raise ValidationError(
                {
                    "fiscal_year": _("%(label)s の「%(name)s」は既にあります。")
                    % {"label": fiscal_year_label(fiscal_year), "name": name}
                }
            )
        years = fiscal_year - source.fiscal_year
        target = Program(
            consortium_id=source.consortium_id,
            name=name,
            fiscal_year=fiscal_year,
            public_application_open=False,
            previous=source,
            **{k: getattr(source, k) for k in COPIED_PROGRAM_FIELDS},
            **{k: sel.shift_date(getattr(source, k), years=years) for k in PHASE_DATE_FIELDS},
        )
        target.full_clean(exclude=["version"])
        target.save()
        target.regions.set(source.regions.all())
        events = Event.objects.filter(consortium=source.consortium_id, program=source).order_by(
            "starts_at", "pk"
        )
        for event in events:  # one save() each: simple-history records every copy
            _copy_event(event=event, target=target, years=years).save()
        registry.ask("programs.copy", source=source, target=target)
        return target

    return create_once(
        key=idempotency_key,
        scope="programs.program_copy",
        consortium_id=program.consortium_id,
        user=user,
        create=create,
    )[0]


# --- events ---------------------------------------------------------------------------------------


def _check_event(event: Event) -> None:
    """Cross-field rules the form also checks (kept here so that every write path obeys them)."""
    errors: dict[str, str] = {}
    if event.ends_at and event.ends_at <= event.starts_at:
        errors["ends_at"] = _("終了は開始より後にしてください。")
    if bool(event.on_demand_from) != bool(event.on_demand_until):
        errors["on_demand_until"] = _("オンデマンド配信は開始日と終了日の両方を入力してください。")
    elif event.on_demand_from and event.on_demand_until < event.on_demand_from:
        errors["on_demand_until"] = _("配信終了日は配信開始日以降にしてください。")
    if event.region_id is not None:
        program_regions = set(event.program.regions.values_list("pk", flat=True))
        region = event.region
        if region.consortium_id != event.consortium_id or (
            program_regions and region.pk not in program_regions
        ):
            errors["region"] = _("この事業の地域から選んでください。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_create(
    *, program: Program, data: dict, user: Any = None, idempotency_key: str | None = None
) -> Event:
    """Create an event of ``program`` from ``data`` (``EVENT_FIELDS``; ``region`` a Region of the program
    or None = common). Raises ValidationError (end before start, on-demand window order, foreign region).
    The same form sent twice by ``user`` (same ``idempotency_key``) creates one event."""

    def build() -> Event:
        event = Event(
            consortium_id=program.consortium_id,
            program=program,
            **{k: data[k] for k in EVENT_FIELDS if k in data},
        )
        _check_event(event)
        return event

    return save_once(
        key=idempotency_key,
        scope="programs.event_create",
        consortium_id=program.consortium_id,
        user=user,
        build=build,
    )


@transaction.atomic
def event_update(
    *, event: Event, data: dict, version: int | None = None
) -> tuple[Event, list[SeminarRegistration]]:
    """Change an event (``data`` as in ``event_create``). Raising the capacity (or removing it) promotes
    waitlisted registrations into the freed seats; returns (event, promoted registrations).

    ``version``: the event's ``version`` the form was loaded with; None: no check. Raises
    ``EditConflict`` (nothing written) when someone changed the event since."""
    event = Event.objects.select_for_update().get(pk=event.pk, consortium=event.consortium_id)
    changed = [k for k in EVENT_FIELDS if k in data and getattr(event, k) != data[k]]
    for k in changed:
        setattr(event, k, data[k])
    _check_event(event)
    event.full_clean(exclude=["version"])
    if changed:
        versioned_save(instance=event, version=version, update_fields=[*changed, "updated_at"])
    promoted = _promote_waitlist(event=event)
    return event, promoted


@transaction.atomic
def event_delete(*, event: Event) -> None:
    """Delete an event and its registrations. Refused (ValidationError) while a 選出結果 refers to it as
    its 支援企業選出検討会 (the decision would lose its meeting)."""
    if event.selection_decisions.exists():
        raise ValidationError(_("この検討会には選出結果が記録されているため削除できません。"))
    event.delete()


# --- registration ---------------------------------------------------------------------------------


@dataclass
class RegistrationResult:
    """What ``seminar_register`` did: the registration, and its waitlist place (None = has a seat)."""

    registration: SeminarRegistration
    position: int | None


def _live_taken(event: Event) -> int:
    return SeminarRegistration.objects.filter(
        consortium=event.consortium_id, event=event, status=Status.REGISTERED, on_demand=False
    ).count()


def _promote_waitlist(*, event: Event) -> list[SeminarRegistration]:
    """Move waitlisted registrations of ``event`` (locked by the caller) into free live seats, oldest
    first."""
    waiting = SeminarRegistration.objects.filter(
        consortium=event.consortium_id, event=event, status=Status.WAITLISTED
    ).order_by("created_at", "pk")
    if event.capacity is None:
        free = None
    else:
        free = event.capacity - _live_taken(event)
        if free <= 0:
            return []
    promoted = []
    for registration in waiting[:free] if free is not None else waiting:
        registration.status = Status.REGISTERED
        registration.save(update_fields=["status", "updated_at"])
        promoted.append(registration)
    return promoted


@transaction.atomic
def seminar_register(
    *,
    event: Event,
    name: str,
    email: str,
    company: Company | None = None,
    on_demand: bool = False,
    organization_name: str = "",
    members_only_ok: bool = False,
    now: dt.datetime | None = None,
    user: Any = None,
    idempotency_key: str | None = None,
) -> RegistrationResult:
    """Register one person (``name``, ``email``) for ``event``, optionally on behalf of ``company``.

    Live (``on_demand`` False) over capacity → status ``waitlisted`` and ``position`` its place (1-based);
    on demand never waits. When the live session is over and the on-demand window is open or to come, the
    registration is made for on-demand viewing. A cancelled registration of the same email is reused
    (moved to the end of the waitlist if it has to wait).

    Raises ValidationError with a message for the user:
    ``{"event": ...}`` registration closed (``registration_open`` False), event over with no on-demand
    window open or to come, members-only event and a company (or ``members_only_ok`` False);
    ``{"on_demand": ...}`` on demand asked for but no window open or to come;
    ``{"email": ...}`` that email is already registered or waitlisted.

    The same form sent twice (same ``idempotency_key`` of ``user``, dxcommunity.idempotency) registers
    once and returns that registration both times instead of the "already registered" error.
    """
    registration, _created = create_once(
        key=idempotency_key,
        scope="programs.seminar_register",
        consortium_id=event.consortium_id,
        user=user,
        create=lambda: (
            _seminar_register(
                event=event,
                name=name,
                email=email,
                company=company,
                on_demand=on_demand,
                organization_name=organization_name,
                members_only_ok=members_only_ok,
                now=now,
            ).registration
        ),
    )
    return RegistrationResult(registration, sel.waitlist_position(registration=registration))


def _seminar_register(
    *,
    event: Event,
    name: str,
    email: str,
    company: Company | None,
    on_demand: bool,
    organization_name: str,
    members_only_ok: bool,
    now: dt.datetime | None,
) -> RegistrationResult:
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Lock the event row: seats are counted and taken in one step (two registrations can't both take the
    # last seat on PostgreSQL; SQLite serializes writers anyway).
    event = Event.objects.select_for_update().select_related("program").get(pk=event.pk)
    if event.members_only and (company is not None or not members_only_ok):
        raise ValidationError({"event": _("このイベントは構成員のみが対象です。")})
    if not event.registration_open:
        raise ValidationError({"event": _("このイベントは申し込みを受け付けていません。")})
    has_on_demand = sel.on_demand_available(event, today=today)
    if sel.event_is_over(event, now=now):
        if not has_on_demand:
            raise ValidationError(
                {"event": _("このイベントは終了しました（オンデマンド配信もありません）。")}
            )
        on_demand = True
    elif on_demand and not has_on_demand:
        raise ValidationError(
            {"on_demand": _("このイベントにはオンデマンド配信がありません（または終了しました）。")}
        )
    email = email.strip().lower()
    existing = SeminarRegistration.objects.filter(event=event, email__iexact=email).first()
    if existing is not None and existing.status != Status.CANCELLED:
        raise ValidationError({"email": _("%(email)s はこのイベントに申し込み済みです。") % {"email": email}})
    full = not on_demand and event.capacity is not None and _live_taken(event) >= event.capacity
    registration = existing or SeminarRegistration(consortium_id=event.consortium_id, event=event)
    registration.company = company
    registration.name = name
    registration.email = email
    registration.organization_name = organization_name or (company.name if company else "")
    registration.on_demand = on_demand
    registration.attended = False
    registration.status = Status.WAITLISTED if full else Status.REGISTERED
    if existing is not None:
        registration.created_at = now  # back of the queue: waitlist order is created_at
    registration.full_clean()
    registration.save()
    return RegistrationResult(registration, sel.waitlist_position(registration=registration))


@transaction.atomic
def registration_cancel(*, registration: SeminarRegistration) -> SeminarRegistration | None:
    """Cancel a registration (status ``cancelled``). If it held a live seat, the first waitlisted
    registration (order of ``created_at``) gets it; returns that promoted registration, or None.
    Cancelling an already cancelled registration changes nothing."""
    event = Event.objects.select_for_update().get(pk=registration.event_id)
    registration = SeminarRegistration.objects.get(pk=registration.pk, event=event)
    if registration.status == Status.CANCELLED:
        return None
    registration.status = Status.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    promoted = _promote_waitlist(event=event)
    return promoted[0] if promoted else None


@transaction.atomic
def attendance_mark(*, event: Event, attended_ids: set[int]) -> int:
    """Set ``attended`` on the event's non-cancelled registrations: True for ``attended_ids`` (pks), False
    for the others (one POST of the attendance form). Ids of other events are ignored. Returns how many
    registrations changed."""
    regs = SeminarRegistration.objects.filter(consortium=event.consortium_id, event=event).exclude(
        status=Status.CANCELLED
    )
    changed = 0
    for reg in regs:
        value = reg.pk in attended_ids
        if reg.attended != value:
            reg.attended = value
            reg.save(update_fields=["attended", "updated_at"])
            changed += 1
    return changed
