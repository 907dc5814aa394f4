"""Closed programs (事業完了) stay as they were reported, and each phase of a program has its window.

A program closed by the coordinator (``program_close``) is read-only for everyone: every model whose rows
belong to one program registers here (``guard_register``, from each journey app's hooks) how to find that
program, and a save or delete of such a row in a closed program raises ``ProgramClosed``. A correction
is made inside ``program_amendment(program=, user=, reason=)``, which lets the writes to that one program
through and records them in a ``ProgramAmendment`` (shown in the program's 実績報告書). The
coordinator's pages run inside the amendment they started (``program_amendment_start``) through
``programs.middleware``.

Windows: ``window_require(program=, phase=)`` refuses an action of a phase (``PHASES`` keys) after the
phase's last day, or outside it for the phases that also have a first day to wait for (``STRICT_START``),
with the window in the message.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dxcommunity.concurrency import versioned_save
from programs.models import Program, ProgramAmendment


class ProgramClosed(ValidationError):
    """A write to a closed program (事業完了). ``program``: the Program; the message says why and how to
    correct (a logged amendment by the coordinator).

    Keyed as a non-field error (``message_dict`` == {"__all__": [message]}, code ``program_closed``), so
    that the views that put a service's ValidationError on their form, by field, show it too; an
    uncaught one is the 409 page of ``programs.middleware``.
    """

    def __init__(self, program: Program) -> None:
        self.program = program
        message = _(
            "「%(program)s」は事業完了（%(date)s）のため変更できません。"
            "修正が必要な場合は、事務局が修正理由を記録して修正します。"
        ) % {"program": program.name, "date": closed_on_text(program)}
        super().__init__({NON_FIELD_ERRORS: [ValidationError(message, code="program_closed")]})


# model -> function(instance) -> program pk (or None when the row belongs to no program)
_GUARDED: dict[type[models.Model], Callable[[Any], int | None]] = {}
# The amendment in progress: (program pk, changes), each change (instance, action, pk when seen) with
# action "added" / "changed" / "deleted"; None outside one.
_AMENDING: contextvars.ContextVar[tuple[int, list[tuple[Any, str, Any]]] | None] = contextvars.ContextVar(
    "program_amending", default=None
)


def program_require_open(*, program: Program) -> None:
    """Raises ``ProgramClosed`` when ``program`` is closed, unless an amendment of it is in progress."""
    if program.closed_at is None:
        return
    amending = _AMENDING.get()
    if amending is not None and amending[0] == program.pk:
        return
    raise ProgramClosed(program)


def _check(program_id: int | None, instance: Any, action: str = "changed") -> None:
    if program_id is None:
        return
    amending = _AMENDING.get()
    if amending is not None and amending[0] == program_id:
        amending[1].append((instance, action, instance.pk))
        return
    program = Program.objects.filter(pk=program_id, closed_at__isnull=False).first()
    if program is not None:
        raise ProgramClosed(program)


def _on_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    finder = _GUARDED.get(sender)
    if finder is None:
        return
    if sender is Program:
        # Closing (and reopening by an amendment) writes these fields only.
        if update_fields is not None and set(update_fields) <= {
            "closed_at",
            "closed_by",
            "version",
            "updated_at",
        }:
            return
        if instance.pk is None:
            return
    _check(finder(instance), instance, "added" if instance._state.adding else "changed")


def _on_delete(sender, instance, **kwargs) -> None:
    finder = _GUARDED.get(sender)
    if finder is not None:
        _check(finder(instance), instance, "deleted")


def _on_m2m(sender, instance, action, **kwargs) -> None:
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    finder = _GUARDED.get(type(instance))
    if finder is not None and instance.pk is not None:
        _check(finder(instance), instance)


def guard_register(model: type[models.Model], program_of: Callable[[Any], int | None]) -> None:
    """Make rows of ``model`` read-only in closed programs. ``program_of(instance)``: the pk of the
    program the row belongs to (None: no program). Called from the apps' ``hooks.register``."""
    if model in _GUARDED:
        _GUARDED[model] = program_of
        return
    _GUARDED[model] = program_of
    uid = f"program-closed-guard-{model._meta.label}"
    pre_save.connect(_on_save, sender=model, dispatch_uid=uid)
    pre_delete.connect(_on_delete, sender=model, dispatch_uid=uid)
    for field in model._meta.local_many_to_many:
        m2m_changed.connect(_on_m2m, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}")


_ACTION_SUFFIX = {"added": gettext_lazy("（追加）"), "changed": "", "deleted": gettext_lazy("（削除）")}


def _change_texts(changes: list[tuple[Any, str, Any]]) -> list[str]:
    """「伴走支援セッション記録 #12」「出席者 #40（追加）」…: one text per object changed (first action
    kept)."""
    texts: dict[tuple[str, Any], str] = {}
    for instance, action, seen_pk in changes:
        pk = instance.pk if instance.pk is not None else seen_pk
        label = str(type(instance)._meta.verbose_name)
        texts.setdefault((label, pk), f"{label} #{pk if pk is not None else '—'}{_ACTION_SUFFIX[action]}")
    return list(texts.values())


@contextlib.contextmanager
def program_amendment(
    *,
    program: Program | None = None,
    user: Any = None,
    reason: str = "",
    amendment: ProgramAmendment | None = None,
) -> Iterator[ProgramAmendment]:
    """Let writes to the closed program through for the block, and record what they changed.

    Either a new amendment: ``program``, ``user`` (who makes it) and ``reason`` (required:
    ValidationError({"reason": ...}) when blank), saved as one ``ProgramAmendment`` when the block ends
    without an error; or an existing one, ``amendment`` (from ``program_amendment_start``: the coordinator's
    amendment runs over several requests), whose ``description`` gets the objects changed in this block
    that it does not list yet (saved only when there are any).

    ``description``: the changed objects, 「<verbose name> #<pk>」 joined with 「、」 (「（追加）」 /
    「（削除）」 after created / deleted ones). Use inside a transaction. Raises ValueError when the
    program is not closed (an open program needs no amendment) or when neither ``program`` nor
    ``amendment`` is given.
    """
    if amendment is not None:
        program = Program._base_manager.get(pk=amendment.program_id)
    elif program is None:
        raise ValueError("program_amendment needs a program or an amendment")
    if program.closed_at is None:
        raise ValueError("only a closed program is amended")
    if amendment is None:
        if not (reason or "").strip():
            raise ValidationError({"reason": _("修正理由を入力してください。")})
        amendment = ProgramAmendment(
            consortium_id=program.consortium_id, program=program, made_by=user, reason=reason.strip()
        )
    changes: list[tuple[Any, str, Any]] = []
    token = _AMENDING.set((program.pk, changes))
    try:
        yield amendment
    finally:
        _AMENDING.reset(token)
    texts = _change_texts(changes)
    if amendment.pk is None:
        amendment.description = amendment.description or "、".join(texts)
        amendment.full_clean()
        amendment.save()
        return
    if not texts:
        return
    # Two requests of the same amendment at once append one after the other.
    row = ProgramAmendment._base_manager.select_for_update().get(pk=amendment.pk)
    listed = [t for t in row.description.split("、") if t]
    row.description = "、".join([*listed, *(t for t in texts if t not in listed)])
    row.save(update_fields=["description", "updated_at"])
    amendment.description = row.description


def _require_coordinator(*, user: Any, program: Program, action: str) -> None:
    from dxcommunity.access.rules import membership_for
    from programs.rules import may_edit_programs

    if not may_edit_programs(membership_for(user, program.consortium_id)):
        raise PermissionDenied(f"Only the coordinator {action} a program.")


@transaction.atomic
def program_close(*, program: Program, user: Any) -> Program:
    """Close ``program`` (事業完了): ``closed_at`` = now, ``closed_by`` = ``user``; from then on its data is
    read-only (the guard above) and its 実績報告書 shows 「事業完了 YYYY/M/D」; the 監査ログ has the change
    (simple-history, by ``user``). Returns the program.

    Raises PermissionDenied unless ``user`` edits programs of the consortium (the coordinator,
    ``programs.rules.may_edit_programs``, as for editing a program); ValidationError when the program is
    already closed (the message gives the date).
    """
    _require_coordinator(user=user, program=program, action="closes")
    program = Program.objects.select_for_update().get(pk=program.pk, consortium=program.consortium_id)
    if program.closed_at is not None:
        raise ValidationError(
            _("「%(program)s」は既に事業完了（%(date)s）です。")
            % {"program": program.name, "date": closed_on_text(program)},
            code="already_closed",
        )
    program.closed_at = timezone.now()
    program.closed_by = user
    program._history_user = user  # simple-history (監査ログ): the actor even outside a request
    # Only the closing fields: the guard lets exactly these through.
    versioned_save(instance=program, version=None, update_fields=["closed_at", "closed_by", "updated_at"])
    return program


@transaction.atomic
def program_amendment_start(*, program: Program, user: Any, reason: str) -> ProgramAmendment:
    """Open an amendment (事業完了後の修正) of the closed ``program`` by ``user`` with ``reason``: the
    ``ProgramAmendment`` row, with an empty ``description`` that ``program_amendment(amendment=)`` fills
    as the coordinator's requests change data. Returns the saved row.

    Raises PermissionDenied unless ``user`` is the coordinator (as ``program_close``);
    ValidationError({"reason": ...}) when ``reason`` is blank; ValidationError when the program is not
    closed.
    """
    _require_coordinator(user=user, program=program, action="amends")
    program = Program.objects.get(pk=program.pk, consortium=program.consortium_id)
    if program.closed_at is None:
        raise ValidationError(
            _("「%(program)s」は事業完了していないため、修正の記録は不要です。") % {"program": program.name},
            code="not_closed",
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("修正理由を入力してください。")})
    amendment = ProgramAmendment(
        consortium_id=program.consortium_id, program=program, made_by=user, reason=reason.strip()
    )
    amendment.full_clean()
    amendment.save()
    return amendment


def closed_on_text(program: Program) -> str:
    """The day ``program`` was closed as 「2023/3/31」 (JST), or 「—」 when it is open."""
    if program.closed_at is None:
        return "—"
    return date_format(timezone.localtime(program.closed_at).date(), "Y/n/j")


# -- windows -----------------------------------------------------------------------------------------

PHASE_LABELS: dict[str, Any] = {
    "recruitment": gettext_lazy("募集期間"),
    "self_diagnosis": gettext_lazy("自己診断期間"),
    "advice": gettext_lazy("DX診断アドバイス期間"),
    "accompaniment": gettext_lazy("伴走支援期間"),
    "matching": gettext_lazy("マッチング期間"),
}
# Phases whose first day is also enforced (one cannot apply before recruitment opens).
STRICT_START: frozenset[str] = frozenset({"recruitment"})


def window_text(*, program: Program, phase: str) -> str:
    """「自己診断期間 2022/7/25〜2022/8/19」 (a missing bound shows as nothing)."""
    start = getattr(program, f"{phase}_from")
    end = getattr(program, f"{phase}_until")

    def fmt(day: dt.date | None) -> str:
        return date_format(day, "Y/n/j") if day else ""

    return f"{PHASE_LABELS[phase]} {fmt(start)}〜{fmt(end)}"


def window_require(
    *, program: Program, phase: str, today: dt.date | None = None, field: str = "program"
) -> None:
    """Raises ``ProgramClosed`` for a closed program, and ValidationError({field: ...}) naming the window
    when ``today`` (default: today, JST) is after the phase's last day (or, for ``STRICT_START`` phases,
    before its first). A missing bound does not limit. ``phase``: a ``PHASE_LABELS`` key (KeyError else).
    """
    program_require_open(program=program)
    PHASE_LABELS[phase]  # noqa: B018 — an unknown phase is a programming error
    today = today or timezone.localdate()
    start = getattr(program, f"{phase}_from")
    end = getattr(program, f"{phase}_until")
    if end is not None and today > end:
        raise ValidationError(
            {
                field: _(
                    "「%(program)s」の%(window)s は終了しています（本日 %(today)s）。"
                    "別の事業を選んでください。"
                )
                % {
                    "program": program.name,
                    "window": window_text(program=program, phase=phase),
                    "today": date_format(today, "Y/n/j"),
                }
            }
        )
    if phase in STRICT_START and start is not None and today < start:
        raise ValidationError(
            {
                field: _("「%(program)s」の%(window)s はまだ始まっていません。")
                % {"program": program.name, "window": window_text(program=program, phase=phase)}
            }
        )


def _register_programs_models() -> None:
    from programs.models import (
        CompanyApplication,
        Event,
        Participation,
        SelectionDecision,
        SelfDiagnosisApplication,
        SeminarRegistration,
    )

    guard_register(Program, lambda p: p.pk)
    for model in (Participation, CompanyApplication, SelfDiagnosisApplication, SelectionDecision, Event):
        guard_register(model, lambda row: row.program_id)
    guard_register(SeminarRegistration, lambda r: r.event.program_id)
    guard_register(ProgramAmendment, lambda a: None)


_register_programs_models()
