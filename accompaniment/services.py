"""Writes for the accompaniment track (伴走支援), its session logs, homework and the DX推進計画書.

Every function is keyword-only, runs in one transaction, checks the acting user's permission
(``accompaniment.rules``) and raises:

* ``PermissionDenied`` when the user may not do this to this company,
* ``ValidationError`` (with a message per field where one applies) for bad input,

so that views can show a 403 or re-render the form with the errors. History rows
(django-simple-history) record every change with the acting user of the request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from programs.models import Company, MemberOrganization, Membership, Program
from programs.services import STAGE_ORDER, company_advance_stage

from .models import (
    STANDARD_SESSION_THEMES,
    AccompanimentSession,
    AccompanimentTrack,
    Attendance,
    DxPlan,
    Homework,
    SessionLog,
)

PLAN_FIELDS: tuple[str, ...] = tuple(name for name, _n in DxPlan.SECTIONS)
# Sections that must have text before the company approves its plan: every section a session produces
# (security measures are an addition of seed 003 and optional).
PLAN_REQUIRED_FOR_APPROVAL: tuple[str, ...] = tuple(name for name, n in DxPlan.SECTIONS if n is not None)


def _require(user: Any, perm: str, company: Company) -> None:
    if not user.has_perm(perm, company):
        raise PermissionDenied(f"{perm} refused for company {company.pk}")


@transaction.atomic
def track_enroll(
    *,
    company: Company,
    leader: Any,
    bank: MemberOrganization | None,
    program: Program | None = None,
    user: Any,
) -> AccompanimentTrack:
    """Enroll ``company`` in the 10-session accompaniment track.

    Creates the AccompanimentTrack (leader = an ITC user, bank = assisting bank or None), its 10
    AccompanimentSession rows numbered 1–10 with ``STANDARD_SESSION_THEMES`` (status planned) and an
    empty DxPlan; moves the company to stage ACCOMPANIMENT. ``program`` defaults to the company's.

    Raises PermissionDenied unless ``user`` is a coordinator for the company (``accompaniment.enroll``);
    ValidationError with keys ``leader`` (not an active ITC member of the company's consortium),
    ``bank`` (not a bank of the company's consortium), ``program`` (missing / other consortium),
    ``__all__`` (already enrolled; company has not submitted its self-diagnosis yet).
    """
    _require(user, "accompaniment.enroll", company)
    company = Company.objects.select_for_update().get(pk=company.pk, consortium_id=company.consortium_id)
    errors: dict[str, str] = {}
    program = program or company.program
    if AccompanimentTrack.objects.filter(consortium_id=company.consortium_id, company=company).exists():
        errors["__all__"] = _("この企業はすでに伴走支援に登録されています。")
    elif STAGE_ORDER.index(company.stage) < STAGE_ORDER.index(Company.Stage.DIAGNOSED):
        errors["__all__"] = _("自己診断の提出後に伴走支援へ登録できます。")
    if (
        leader is None
        or not Membership.objects.filter(
            consortium_id=company.consortium_id, user=leader, role=Membership.Role.ITC, is_active=True
        ).exists()
    ):
        errors["leader"] = _("このコンソーシアムのITコーディネータを選んでください。")
    if bank is not None and (
        bank.consortium_id != company.consortium_id or bank.kind != MemberOrganization.Kind.BANK
    ):
        errors["bank"] = _("このコンソーシアムの金融機関を選んでください。")
    if program is None or program.consortium_id != company.consortium_id:
        errors["program"] = _("事業を指定してください。")
    if errors:
        raise ValidationError(errors)

    track = AccompanimentTrack(
        consortium_id=company.consortium_id, company=company, program=program, leader=leader, bank=bank
    )
    track.full_clean()
    track.save()
    sessions = [
        AccompanimentSession(consortium_id=company.consortium_id, track=track, number=number, theme=theme)
        for number, theme in enumerate(STANDARD_SESSION_THEMES, start=1)
    ]
    for s in sessions:
        s.full_clean(exclude=["track"])
    # With history rows (audit log): a plain bulk_create would skip simple-history's signals.
    bulk_create_with_history(sessions, AccompanimentSession, default_user=user)
    plan, _created = DxPlan.objects.get_or_create(consortium_id=company.consortium_id, company=company)
    company_advance_stage(company=company, stage=Company.Stage.ACCOMPANIMENT)
    return track


@dataclass
class HomeworkItem:
    """One 宿題 row of a session log: title (required), owner name, due date."""

    title: str
    owner_name: str = ""
    due_date: dt.date | None = None


@dataclass
class SessionLogData:
    """What the ITC records for a held session.

    date: the day it was held (required); attendees: [(Attendance.Role value, name)];
    homework: [HomeworkItem] (or (title, owner_name, due_date) tuples).
    """

    date: dt.date | None
    agenda: str = ""
    discussion: str = ""
    decisions: str = ""
    next_session_date: dt.date | None = None
    attendees: list[tuple[str, str]] = field(default_factory=list)
    homework: list[HomeworkItem | tuple[str, str, dt.date | None]] = field(default_factory=list)


@transaction.atomic
def session_log_submit(*, session: AccompanimentSession, author: Any, data: SessionLogData) -> SessionLog:
    """Record (or correct) the log of ``session``; marks the session held on ``data.date``.

    Attendances are replaced by ``data.attendees``. Homework is matched by title: existing items keep
    their done flag, new titles are added, titles no longer listed are removed. When
    ``data.next_session_date`` is given and the next session has no date yet, it gets that date.

    Raises PermissionDenied unless ``author`` is the track's ITC leader or a coordinator
    (``accompaniment.log_session``); ValidationError with keys ``date`` (missing),
    ``next_session_date`` (before ``date``), ``attendees`` (unknown role / empty name),
    ``homework`` (empty title), ``__all__`` (the track is not active).
    """
    track = session.track
    company = track.company
    _require(author, "accompaniment.log_session", company)
    errors: dict[str, list[str]] = {}
    if track.status != AccompanimentTrack.Status.ACTIVE:
        errors.setdefault("__all__", []).append(_("この伴走支援は実施中ではありません。"))
    if data.date is None:
        errors.setdefault("date", []).append(_("実施日を入力してください。"))
    if data.next_session_date and data.date and data.next_session_date < data.date:
        errors.setdefault("next_session_date", []).append(_("次回予定日は実施日以降にしてください。"))
    roles = set(Attendance.Role.values)
    for role, name in data.attendees:
        if role not in roles:
            errors.setdefault("attendees", []).append(
                _("出席者の役割が正しくありません: %(role)s") % {"role": role}
            )
        if not (name or "").strip():
            errors.setdefault("attendees", []).append(_("出席者の氏名を入力してください。"))
    items = [h if isinstance(h, HomeworkItem) else HomeworkItem(*h) for h in data.homework]
    for item in items:
        if not item.title.strip():
            errors.setdefault("homework", []).append(_("宿題の内容を入力してください。"))
    if errors:
        raise ValidationError(errors)

    consortium_id = session.consortium_id
    log = SessionLog.objects.filter(consortium_id=consortium_id, session=session).first()
    if log is None:
        log = SessionLog(consortium_id=consortium_id, session=session, author=author)
    log.author = author
    log.agenda = data.agenda.strip()
    log.discussion = data.discussion.strip()
    log.decisions = data.decisions.strip()
    log.next_session_date = data.next_session_date
    log.full_clean(exclude=["session"])
    log.save()

    session.date = data.date
    session.status = AccompanimentSession.Status.HELD
    session.full_clean(exclude=["track"])
    session.save(update_fields=["date", "status", "updated_at"])

    Attendance.objects.filter(consortium_id=consortium_id, session=session).delete()
    bulk_create_with_history(
        [
            Attendance(consortium_id=consortium_id, session=session, role=r, name=n.strip())
            for r, n in data.attendees
        ],
        Attendance,
        default_user=author,
    )

    existing = {h.title: h for h in Homework.objects.filter(consortium_id=consortium_id, session=session)}
    keep: set[int] = set()
    for item in items:
        title = item.title.strip()
        hw = existing.get(title) or Homework(consortium_id=consortium_id, session=session, title=title)
        hw.owner_name = item.owner_name.strip()
        hw.due_date = item.due_date
        hw.full_clean(exclude=["session"])
        hw.save()
        keep.add(hw.pk)
    for hw in existing.values():
        if hw.pk not in keep:
            hw.delete()

    if data.next_session_date:
        nxt = AccompanimentSession.objects.filter(
            consortium_id=consortium_id, track=track, number=session.number + 1, date__isnull=True
        ).first()
        if nxt is not None:
            nxt.date = data.next_session_date
            nxt.save(update_fields=["date", "updated_at"])
    return log


@transaction.atomic
def homework_set_done(*, homework: Homework, user: Any, done: bool) -> Homework:
    """Mark a 宿題 done (or not done). Raises PermissionDenied unless ``accompaniment.update_homework``."""
    _require(user, "accompaniment.update_homework", homework.session.track.company)
    homework.done = bool(done)
    homework.save(update_fields=["done", "updated_at"])
    return homework


@transaction.atomic
def plan_update(*, plan: DxPlan, user: Any, data: dict[str, str]) -> DxPlan:
    """Set the plan's section texts from ``data`` ({DxPlan field name: text}; other keys are ignored).

    Editing an approved plan returns it to draft (the company approves the new text again).
    Raises PermissionDenied unless ``accompaniment.edit_plan``; ValidationError per field (too long etc.).
    """
    _require(user, "accompaniment.edit_plan", plan.company)
    changed = [
        name for name in PLAN_FIELDS if name in data and (data[name] or "").strip() != getattr(plan, name)
    ]
    for name in changed:
        setattr(plan, name, (data[name] or "").strip())
    if not changed:
        return plan
    update_fields = [*changed, "updated_at"]
    if plan.status == DxPlan.Status.APPROVED:
        plan.status = DxPlan.Status.DRAFT
        plan.approved_at = None
        update_fields += ["status", "approved_at"]
    plan.full_clean(exclude=["company"])
    plan.save(update_fields=update_fields)
    return plan


@transaction.atomic
def plan_approve(*, plan: DxPlan, user: Any) -> DxPlan:
    """The company approves its DX推進計画書: status approved, approved_at now, stage → PLAN_COMPLETED.

    Raises PermissionDenied unless the user is a member of the company (``accompaniment.approve_plan``);
    ValidationError (``__all__``) when already approved or when a section of the 10 sessions is empty
    (the message names the empty sections).
    """
    _require(user, "accompaniment.approve_plan", plan.company)
    if plan.status == DxPlan.Status.APPROVED:
        raise ValidationError(_("この計画書はすでに承認されています。"))
    missing = [
        str(DxPlan._meta.get_field(n).verbose_name)
        for n in PLAN_REQUIRED_FOR_APPROVAL
        if not getattr(plan, n).strip()
    ]
    if missing:
        raise ValidationError(_("未記入の項目があります: %(sections)s") % {"sections": "、".join(missing)})
    plan.status = DxPlan.Status.APPROVED
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_at", "updated_at"])
    company_advance_stage(company=plan.company, stage=Company.Stage.PLAN_COMPLETED)
    return plan
