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
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accompaniment.models import (
    AccompanimentSession,
    AccompanimentTrack,
    Attendance,
    DxPlan,
    Homework,
    SessionAttachment,
    SessionLog,
    SessionLogComment,
    SessionTemplate,
)
from dxcommunity.concurrency import versioned_save
from dxcommunity.idempotency import create_once, save_once
from dxcommunity.tenancy.models import Company, MemberOrganization, Membership
from programs.models import STAGE_ORDER, Participation, Program
from programs.participations.selectors import participation_current
from programs.participations.services import participation_advance_stage

PLAN_FIELDS: tuple[str, ...] = tuple(name for name, _n in DxPlan.SECTIONS)
# Sections that must have text before the company approves its plan: every section a session produces
# (security measures are an addition of the program documents and optional).
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
    reason: str = "",
) -> AccompanimentTrack:
    """Enroll ``company`` in the 10-session accompaniment track of ``program``.

    Creates the AccompanimentTrack of the company's participation in ``program`` (leader = an ITC user,
    bank = assisting bank or None), its 10 AccompanimentSession rows from the program's session template
    (``selectors.session_template_for``: the program's SessionTemplate or the standard 10 themes; theme
    and expected roles copied, status planned; later template edits leave existing tracks unchanged) and
    an empty DxPlan of that participation; moves the participation to stage ACCOMPANIMENT. ``program``
    defaults to the company's current participation's (``participation_current``). A company in its
    second year (継続伴走) may enrol in the next program without a new diagnosis when its previous
    participation had a track.

    Raises PermissionDenied unless ``user`` is a coordinator for the company (``accompaniment.enroll``);
    ``ProgramClosed`` for a closed program; ValidationError with keys ``leader`` (not an active ITC member
    of the company's consortium), ``bank`` (not a bank of the company's consortium), ``program`` (missing,
    other consortium, the company not in it, after its 伴走支援期間), ``reason`` (the company was 不選出 in
    this program: enrolling needs a reason, kept on the participation), ``__all__`` (already enrolled in
    this program; the participation's self-diagnosis not submitted yet).
    """
    from programs.closing import window_require
    from programs.models import SelectionDecision

    _require(user, "accompaniment.enroll", company)
    company = Company.objects.select_for_update().get(pk=company.pk, consortium_id=company.consortium_id)
    errors: dict[str, str] = {}
    if program is None:
        current = participation_current(company=company)
        program = current.program if current else None
    participation = None
    if program is None or program.consortium_id != company.consortium_id:
        errors["program"] = _("事業を指定してください。")
    else:
        window_require(program=program, phase="accompaniment")
        participation = participation_current(company=company, program=program)
        if participation is None:
            errors["program"] = _(
                "この企業は「%(program)s」に参加していません（応募・自己診断申し込みが必要です）。"
            ) % {"program": program.name}
    if participation is not None:
        continuing = bool(
            participation.previous_id
            and AccompanimentTrack.objects.filter(participation=participation.previous_id).exists()
        )
        if AccompanimentTrack.objects.filter(participation=participation).exists():
            errors["__all__"] = _("この企業はこの事業の伴走支援にすでに登録されています。")
        elif not continuing and participation.stage_index < STAGE_ORDER.index(Participation.Stage.DIAGNOSED):
            errors["__all__"] = _("自己診断の提出後に伴走支援へ登録できます。")
        not_selected = SelectionDecision.objects.filter(
            program=program, company=company, decision=SelectionDecision.Decision.NOT_SELECTED
        ).exists()
        if not_selected and not (reason or "").strip():
            errors["reason"] = _(
                "この企業は「%(program)s」の支援企業選出検討会で不選出でした。登録する場合は理由を入力してください。"
            ) % {"program": program.name}
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
    if errors:
        raise ValidationError(errors)

    if (reason or "").strip():
        participation.enrolment_reason = reason.strip()
        participation.save(update_fields=["enrolment_reason", "updated_at"])
    track = AccompanimentTrack(
        consortium_id=company.consortium_id,
        participation=participation,
        company=company,
        program=program,
        leader=leader,
        bank=bank,
    )
    track.full_clean()
    track.save()
    from accompaniment.selectors import session_template_for

    sessions = [
        AccompanimentSession(
            consortium_id=company.consortium_id,
            track=track,
            number=row["number"],
            theme=row["theme"],
            expected_roles=list(row["expected_roles"]),
        )
        for row in session_template_for(program=program)
    ]
    for s in sessions:
        s.full_clean(exclude=["track"])
    # With history rows (audit log): a plain bulk_create would skip simple-history's signals.
    bulk_create_with_history(sessions, AccompanimentSession, default_user=user)
    DxPlan.objects.get_or_create(
        consortium_id=company.consortium_id, participation=participation, defaults={"company": company}
    )
    participation_advance_stage(participation=participation, stage=Participation.Stage.ACCOMPANIMENT)
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
    # Ids of open 宿題 of earlier sessions confirmed done at this session (others' ids are ignored).
    homework_done_ids: list[int] = field(default_factory=list)
    # Pks of the DX推進指標 items (diagnosis.IndexItem) the session worked on, saved as SessionLog.items
    # (replacing the earlier ones); None leaves the log's items as they are (callers without the field).
    item_ids: list[int] | None = None


def _index_item_ids_checked(item_ids: list[int] | None, errors: dict[str, list[str]]) -> list[int] | None:
    """``item_ids`` as ints without duplicates, each checked to be a DX推進指標 item (one query); the
    problems go to ``errors["items"]``. None stays None (the items are left unchanged)."""
    if item_ids is None:
        return None
    from diagnosis.models import IndexItem

    wanted: list[int] = []
    for raw in item_ids:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            errors.setdefault("items", []).append(
                _("「%(value)s」はDX推進指標の項目の番号ではありません。") % {"value": raw}
            )
            continue
        if pk not in wanted:
            wanted.append(pk)
    found = set(IndexItem.objects.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        errors.setdefault("items", []).append(
            _("DX推進指標の項目が見つかりません: %(ids)s") % {"ids": ", ".join(str(pk) for pk in missing)}
        )
    return wanted


@transaction.atomic
def session_log_submit(
    *, session: AccompanimentSession, author: Any, data: SessionLogData, version: int | None = None
) -> SessionLog:
    """Record (or correct) the log of ``session``; marks the session held on ``data.date``.

    ``version``: the log's ``version`` the user's form was loaded with (0: there was no log yet); it
    covers the attendances and homework too. None for callers without a form (no check).

    Attendances are replaced by ``data.attendees``. Homework is matched by title: existing items keep
    their done flag, new titles are added, titles no longer listed are removed. When
    ``data.next_session_date`` is given and the next session has no date yet, it gets that date.
    Open homework of the track's earlier sessions whose id is in ``data.homework_done_ids`` is marked
    done with ``done_at_session`` = this session. ``data.item_ids`` (not None) replaces the log's
    DX推進指標 items (``SessionLog.items``).

    Raises PermissionDenied unless ``author`` is the track's ITC leader or a coordinator
    (``accompaniment.log_session``); ValidationError with keys ``date`` (missing),
    ``next_session_date`` (before ``date``), ``attendees`` (unknown role / empty name),
    ``homework`` (empty title), ``items`` (an id that is no DX推進指標 item), ``__all__`` (the track
    is not active); ``EditConflict`` (nothing written) when the log was saved (or first created) by
    someone else since ``version``.
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
    index_item_ids = _index_item_ids_checked(data.item_ids, errors)
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
    log.full_clean(exclude=["session", "version"])
    versioned_save(instance=log, version=version)
    if index_item_ids is not None:
        log.items.set(index_item_ids)

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

    if data.homework_done_ids:
        for hw in Homework.objects.filter(
            consortium_id=consortium_id,
            session__track_id=track.pk,
            session__number__lt=session.number,
            done=False,
            pk__in=data.homework_done_ids,
        ):
            hw.done = True
            hw.done_at_session = session
            hw.save(update_fields=["done", "done_at_session", "updated_at"])

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


def plan_update(*, plan: DxPlan, user: Any, data: dict[str, str]) -> DxPlan:
    """Set the plan's section texts from ``data`` ({DxPlan field name: text}; other keys are ignored).

    One write path: delegates to ``services_plan.plan_save`` (sections only; KPI and roadmap rows stay),
    which records a PlanVersion when something changed. Editing an approved plan returns it to draft.
    Returns the plan re-read from the database.
    Raises PermissionDenied unless ``accompaniment.edit_plan``; ValidationError per field (too long etc.).
    """
    from accompaniment.plan.services import plan_save

    plan_save(plan=plan, user=user, sections=data)
    plan.refresh_from_db()
    return plan


def plan_approve(*, plan: DxPlan, user: Any) -> DxPlan:
    """The company approves its DX推進計画書; returns the plan (status approved, approved_at set).

    Delegates to ``services_plan.plan_approve`` (which also marks the approved PlanVersion) so that there
    is one approval rule. Raises PermissionDenied / ValidationError as that function does.
    """
    from accompaniment.plan.services import plan_approve as approve_latest_version

    approve_latest_version(plan=plan, user=user)
    plan.refresh_from_db()
    return plan


def _is_coordinator(user: Any, consortium_id: int, *, regional: bool = False) -> bool:
    from dxcommunity.access.rules import acts_as_coordinator, acts_as_secretariat, membership_for

    m = membership_for(user, consortium_id)
    return bool((acts_as_secretariat if regional else acts_as_coordinator)(m))


def session_template_parse(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate and normalise template rows [{"theme": str, "expected_roles": [Role values]}] → numbered
    1..n. Raises ValidationError ``sessions`` (none left / empty theme / unknown role)."""
    errors: list[str] = []
    out: list[dict[str, Any]] = []
    for i, row in enumerate(sessions, start=1):
        theme = str(row.get("theme", "")).strip()
        roles = list(dict.fromkeys(row.get("expected_roles", [])))
        if not theme:
            errors.append(_("第%(n)s回のテーマを入力してください。") % {"n": i})
        if len(theme) > 200:
            errors.append(_("第%(n)s回のテーマは200文字以内にしてください。") % {"n": i})
        unknown = [r for r in roles if r not in Attendance.Role.values]
        if unknown:
            errors.append(_("第%(n)s回の役割が正しくありません。") % {"n": i})
        out.append({"number": i, "theme": theme, "expected_roles": [r for r in roles if r not in unknown]})
    if not out:
        errors.append(_("セッションは1回以上必要です。"))
    if errors:
        raise ValidationError({"sessions": errors})
    return out


@transaction.atomic
def session_template_save(*, program: Program, user: Any, sessions: list[dict[str, Any]]) -> SessionTemplate:
    """Save the program's session template (themes, order, expected roles); new tracks follow it.

    ``sessions``: rows in the wanted order, see ``session_template_parse``. Existing tracks are unchanged.
    Raises PermissionDenied unless ``user`` is a coordinator (全体まとめ) of the program's consortium;
    ValidationError ``sessions``.
    """
    if not _is_coordinator(user, program.consortium_id):
        raise PermissionDenied("Only a coordinator edits the session template.")
    rows = session_template_parse(sessions)
    # Lock the program row: two first saves at once would both insert a template (one per program).
    Program.objects.select_for_update().filter(pk=program.pk).first()
    tpl = SessionTemplate.objects.filter(consortium_id=program.consortium_id, program=program).first()
    if tpl is None:
        tpl = SessionTemplate(consortium_id=program.consortium_id, program=program)
    tpl.sessions = rows
    tpl.full_clean(exclude=["program"])
    tpl.save()
    return tpl


@dataclass
class SessionScheduleData:
    """Status and schedule of a session: status (AccompanimentSession.Status value), date, start time,
    duration in minutes (15–600), mode (Mode value), place."""

    status: str
    date: dt.date | None = None
    start_time: dt.time | None = None
    duration_minutes: int = 120
    mode: str = AccompanimentSession.Mode.IN_PERSON
    place: str = ""


@transaction.atomic
def session_schedule_update(
    *, session: AccompanimentSession, user: Any, data: SessionScheduleData
) -> AccompanimentSession:
    """Change a session's status and schedule; the history (simple-history) keeps the earlier dates.

    Raises PermissionDenied unless ``accompaniment.log_session`` (ITC leader, coordinator); ValidationError
    ``status`` (unknown), ``date`` (missing for held / rescheduled), ``duration_minutes`` (out of 15–600),
    ``mode``.
    """
    _require(user, "accompaniment.log_session", session.track.company)
    errors: dict[str, list[str]] = {}
    if data.status not in AccompanimentSession.Status.values:
        errors.setdefault("status", []).append(_("状態を選んでください。"))
    if data.date is None and data.status in (
        AccompanimentSession.Status.HELD,
        AccompanimentSession.Status.RESCHEDULED,
    ):
        errors.setdefault("date", []).append(_("実施済・日程変更には日付を入力してください。"))
    if not (15 <= int(data.duration_minutes or 0) <= 600):
        errors.setdefault("duration_minutes", []).append(_("時間は15〜600分で入力してください。"))
    if data.mode not in AccompanimentSession.Mode.values:
        errors.setdefault("mode", []).append(_("形式を選んでください。"))
    if errors:
        raise ValidationError(errors)
    session.status = data.status
    session.date = data.date
    session.start_time = data.start_time
    session.duration_minutes = data.duration_minutes
    session.mode = data.mode
    session.place = data.place.strip()
    session.full_clean(exclude=["track"])
    session.save(
        update_fields=["status", "date", "start_time", "duration_minutes", "mode", "place", "updated_at"]
    )
    return session


# Allowed attachment types: extension → (content type, sniffing check name).
ATTACHMENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "txt": "text/plain",
    "csv": "text/csv",
}
_OOXML_PART = {"xlsx": "xl/", "docx": "word/", "pptx": "ppt/"}


def attachment_max_bytes() -> int:
    """settings.ACCOMPANIMENT_ATTACHMENT_MAX_BYTES (default 10 MB)."""
    from django.conf import settings

    return int(getattr(settings, "ACCOMPANIMENT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def attachment_sniff(*, ext: str, upload: Any) -> bool:
    """True when the file's first bytes (magic numbers) match the extension. OOXML (xlsx/docx/pptx) must be
    a zip with the format's part folder; txt/csv must be text (no NUL byte, UTF-8 or Shift_JIS)."""
    import zipfile

    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext in _OOXML_PART:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(upload) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
        finally:
            upload.seek(0)
        return "[Content_Types].xml" in names and any(n.startswith(_OOXML_PART[ext]) for n in names)
    if ext in ("txt", "csv"):
        if b"\x00" in head or head.startswith(b"MZ"):
            return False
        for enc in ("utf-8", "cp932"):
            try:
                head.decode(enc)
                return True
            except UnicodeDecodeError as exc:
                if enc == "utf-8" and exc.start >= len(head) - 3:
                    return True  # a multi-byte character cut at the 8 KB boundary
        return False
    return False


@transaction.atomic
def attachment_add(
    *, session: AccompanimentSession, user: Any, upload: Any, idempotency_key: str | None = None
) -> SessionAttachment:
    """Attach an uploaded file to a session log, stored under the per-tenant path.

    ``upload``: an UploadedFile (name, size, read/seek). Refused unless size ≤ attachment_max_bytes() and
    the extension is one of ATTACHMENT_TYPES and the content matches it (a renamed .exe is refused).
    The same upload form sent twice (same ``idempotency_key``) stores one file and returns it both times.
    Raises PermissionDenied unless ``accompaniment.log_session``; ValidationError ``file``.
    """
    _require(user, "accompaniment.log_session", session.track.company)
    name, ext = attachment_validate(upload=upload)

    def build() -> SessionAttachment:
        att = SessionAttachment(
            consortium_id=session.consortium_id,
            session=session,
            original_name=name,
            content_type=ATTACHMENT_TYPES[ext],
            size=upload.size,
            uploaded_by=user,
        )
        att.file.save(name, upload, save=False)
        return att

    return save_once(
        key=idempotency_key,
        scope="accompaniment.attachment_add",
        consortium_id=session.consortium_id,
        user=user,
        build=build,
        exclude=["session", "file"],
    )


def attachment_validate(*, upload: Any) -> tuple[str, str]:
    """Check an upload before it is stored; returns (file name cut to 150 characters, lower-case extension).

    Raises ValidationError ``file``: none given, over attachment_max_bytes(), empty, an extension outside
    ATTACHMENT_TYPES, or content that does not match the extension.
    """
    if upload is None:
        raise ValidationError({"file": [_("ファイルを選んでください。")]})
    name = os.path.basename(upload.name or "")[:150]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    limit = attachment_max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {"file": [_("ファイルが大きすぎます（上限 %(mb)s MB）。") % {"mb": limit // (1024 * 1024)}]}
        )
    if upload.size == 0:
        raise ValidationError({"file": [_("空のファイルは添付できません。")]})
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            {"file": [_("添付できるのは PDF・PNG・JPEG・Excel・Word・PowerPoint・テキスト・CSV です。")]}
        )
    if not attachment_sniff(ext=ext, upload=upload):
        raise ValidationError(
            {"file": [_("ファイルの中身が拡張子（.%(ext)s）と一致しません。添付できません。") % {"ext": ext}]}
        )
    return name, ext


@transaction.atomic
def session_log_record(
    *,
    session: AccompanimentSession,
    author: Any,
    data: SessionLogData,
    uploads: Sequence[Any] = (),
    idempotency_key: str | None = None,
    version: int | None = None,
) -> SessionLog:
    """The session log page's 「記録を保存」: the log and the files picked on the same form, together.

    Saves the log with ``session_log_submit`` and attaches each of ``uploads`` (UploadedFile, see
    ``attachment_add``) in one transaction: a bad file keeps the log unsaved too, so that the page comes
    back with everything typed. ``idempotency_key`` (the form's one-time key, dxcommunity.idempotency):
    the same form sent twice (double click, two requests at once) is saved once and returns the same log.
    The session row is locked first, so that two saves at once of a session without a log do not both
    insert one (the second one then corrects the first one's log).

    ``version``: the log's version the form was loaded with, checked as in ``session_log_submit``.

    Raises PermissionDenied / ValidationError / EditConflict as ``session_log_submit``; ValidationError
    ``files`` (one message per refused file, prefixed with its name) together with the log's own errors.
    """
    _require(author, "accompaniment.log_session", session.track.company)
    file_errors = []
    for upload in uploads:
        try:
            attachment_validate(upload=upload)
        except ValidationError as exc:
            file_errors += [f"{os.path.basename(upload.name or '')}: {m}" for m in exc.messages]

    def create() -> SessionLog:
        AccompanimentSession.objects.select_for_update().filter(pk=session.pk).first()
        try:
            log = session_log_submit(session=session, author=author, data=data, version=version)
        except ValidationError as exc:
            raise ValidationError(
                {**exc.message_dict, **({"files": file_errors} if file_errors else {})}
            ) from exc
        if file_errors:
            raise ValidationError({"files": file_errors})
        for upload in uploads:
            attachment_add(session=session, user=author, upload=upload)
        return log

    log, _created = create_once(
        key=idempotency_key,
        scope="accompaniment.session_log",
        consortium_id=session.consortium_id,
        user=author,
        create=create,
    )
    return log


def attachment_may_delete(*, attachment: SessionAttachment, user: Any) -> bool:
    """True when ``user`` may delete (and restore) the attachment: its uploader while they may still log
    the session (``accompaniment.log_session``), or a coordinator for the company."""
    return user.has_perm("accompaniment.delete_attachment", attachment)


@transaction.atomic
def attachment_delete(*, attachment: SessionAttachment, user: Any) -> SessionAttachment:
    """削除: hide the attachment (``deleted_at`` = now, ``deleted_by`` = user); the row and the file stay, so
    ``attachment_restore`` can bring it back. Already deleted: unchanged. Raises PermissionDenied unless
    ``attachment_may_delete``. Recorded in the attachment's history with ``user``."""
    if not attachment_may_delete(attachment=attachment, user=user):
        raise PermissionDenied("Only the uploader or a coordinator deletes an attachment.")
    if attachment.deleted_at is not None:
        return attachment
    attachment.deleted_at = timezone.now()
    attachment.deleted_by = user
    attachment._history_user = user  # simple-history: the actor even outside a request
    attachment.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return attachment


@transaction.atomic
def attachment_restore(*, attachment: SessionAttachment, user: Any) -> SessionAttachment:
    """Undo 削除: the attachment is listed and downloadable again. Not deleted: unchanged. Raises
    PermissionDenied unless ``attachment_may_delete``. Recorded in the attachment's history with ``user``."""
    if not attachment_may_delete(attachment=attachment, user=user):
        raise PermissionDenied("Only the uploader or a coordinator restores an attachment.")
    if attachment.deleted_at is None:
        return attachment
    attachment.deleted_at = None
    attachment.deleted_by = None
    attachment._history_user = user
    attachment.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return attachment


@transaction.atomic
def session_log_confirm(*, log: SessionLog, user: Any) -> SessionLog:
    """The company confirms the session log (「内容を確認しました」): company_confirmed_at = now.

    Raises PermissionDenied unless the user is a member of the company (``programs.act_for_company``).
    """
    _require(user, "programs.act_for_company", log.session.track.company)
    log.company_confirmed_at = timezone.now()
    log.save(update_fields=["company_confirmed_at", "updated_at"])
    return log


@transaction.atomic
def session_log_comment_add(
    *, session: AccompanimentSession, user: Any, body: str, idempotency_key: str | None = None
) -> SessionLogComment:
    """The company comments on a session log. Raises PermissionDenied unless a member of the company;
    ValidationError ``body`` (empty / over 4000 characters). The same form sent twice (same
    ``idempotency_key``, dxcommunity.idempotency) adds one comment and returns it both times."""
    _require(user, "programs.act_for_company", session.track.company)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("コメントを入力してください。")]})
    if len(body) > 4000:
        raise ValidationError({"body": [_("コメントは4000文字以内にしてください。")]})

    return save_once(
        key=idempotency_key,
        scope="accompaniment.session_log_comment",
        consortium_id=session.consortium_id,
        user=user,
        build=lambda: SessionLogComment(
            consortium_id=session.consortium_id, session=session, author=user, body=body
        ),
        exclude=["session"],
    )
