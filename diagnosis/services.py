"""Writes for diagnosis: the DX自己診断 (draft, save, submit) and the DX診断アドバイス record.

Keyword-only and typed; each function runs in one transaction and checks the acting user's permission
(``PermissionDenied``) before writing. Change history is kept by django-simple-history on every model
touched here (the acting user comes from ``HistoryRequestMiddleware`` in requests).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from programs.models import Company, Membership
from programs.services import company_advance_stage

from .models import (
    MATURITY_MAX,
    MATURITY_MIN,
    AdvisorSession,
    Diagnosis,
    DiagnosisAnswer,
    IndexEdition,
    IndexItem,
)


class DiagnosisLocked(Exception):
    """The diagnosis is submitted (提出済) and can no longer be changed."""


class AnswerData(TypedDict, total=False):
    """One item's answer as sent by the form; every key optional (a missing key leaves the value as is).

    current, target: int 0–5, a digit string, or None/"" to clear (DX推進指標 2019 maturity levels).
    evidence (根拠・エビデンス), action (アクション): free text.
    """

    current: int | str | None
    target: int | str | None
    evidence: str
    action: str


class DiagnosisMeta(TypedDict, total=False):
    """Submission details: advice_mode ``Diagnosis.AdviceMode`` value or "", advice_date_candidates and
    questionnaire free text, dx_stage int 1–4 (段階1–4) or None/""."""

    advice_mode: str
    advice_date_candidates: str
    questionnaire: str
    dx_stage: int | str | None


ANSWER_TEXT_FIELDS = ("evidence", "action")
ANSWER_LEVEL_FIELDS = ("current", "target")


def form_field_name(field: str, code: str) -> str:
    """The HTML form field name of one answer value, e.g. ``current_4-1``; errors are keyed by it."""
    return f"{field}_{code}"


def _require_company_member(*, user: Any, company: Company) -> None:
    if not user.has_perm("programs.act_for_company", company):
        raise PermissionDenied(_("自社の自己診断のみ入力できます。"))


def _parse_level(value: Any, *, field_name: str, errors: dict[str, list[str]]) -> int | None:
    """int 0–5 or None for blank; records an error under ``field_name`` otherwise."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    level: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        level = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        level = int(value.strip())
    if level is None or not (MATURITY_MIN <= level <= MATURITY_MAX):
        errors.setdefault(field_name, []).append(
            _("成熟度は%(min)d〜%(max)dの整数で選択してください（入力値: %(value)s）。")
            % {"min": MATURITY_MIN, "max": MATURITY_MAX, "value": value}
        )
        return None
    return level


@transaction.atomic
def diagnosis_start(*, company: Company, user: Any) -> Diagnosis:
    """The company's open draft, or a new draft on the current IndexEdition with one empty answer per item.

    Only a member of the company may start (``PermissionDenied`` otherwise). A company whose latest
    diagnosis is submitted gets a new draft (re-diagnosis, e.g. the next year). Raises
    ``IndexEdition.DoesNotExist`` when no edition is loaded (``manage.py load_index``).
    """
    _require_company_member(user=user, company=company)
    # Lock the company row so that two concurrent starts cannot create two drafts.
    Company.objects.select_for_update().filter(pk=company.pk).first()
    draft = (
        Diagnosis.objects.filter(
            consortium=company.consortium_id, company=company, status=Diagnosis.Status.DRAFT
        )
        .order_by("-created_at")
        .first()
    )
    if draft is not None:
        return draft
    edition = IndexEdition.objects.get(is_current=True)
    diagnosis = Diagnosis(
        consortium_id=company.consortium_id, company=company, edition=edition, created_by=user
    )
    diagnosis.full_clean()
    diagnosis.save()
    items = IndexItem.objects.filter(edition=edition).order_by("order")
    DiagnosisAnswer.objects.bulk_create(
        [
            DiagnosisAnswer(consortium_id=company.consortium_id, diagnosis=diagnosis, item=item)
            for item in items
        ]
    )
    return diagnosis


@transaction.atomic
def diagnosis_save_draft(
    *,
    diagnosis: Diagnosis,
    user: Any,
    answers: dict[str, AnswerData],
    meta: DiagnosisMeta | None = None,
) -> Diagnosis:
    """Save what was typed so far; partial answers are fine (blank = not yet answered).

    ``answers`` maps item code (e.g. ``"4-1"``) to ``AnswerData``; items and keys not given stay as they
    are. ``meta`` holds the submission details (``DiagnosisMeta``); keys not given stay as they are.
    All or nothing: raises ``ValidationError`` whose ``message_dict`` is keyed by the form field name
    (``current_4-1``, ``target_4-1``, ``advice_mode``, ``dx_stage``…) for every bad value (maturity not
    an int 0–5, unknown item code, unknown advice mode, stage not 1–4); nothing is saved then.
    Raises ``DiagnosisLocked`` once submitted and ``PermissionDenied`` for anyone but a company member.
    """
    _require_company_member(user=user, company=diagnosis.company)
    diagnosis = Diagnosis.objects.select_for_update().get(pk=diagnosis.pk)
    if diagnosis.is_locked:
        raise DiagnosisLocked(_("提出済みの自己診断は変更できません。"))
    errors: dict[str, list[str]] = {}
    existing = {
        a.item.code: a for a in DiagnosisAnswer.objects.filter(diagnosis=diagnosis).select_related("item")
    }
    items = {i.code: i for i in IndexItem.objects.filter(edition=diagnosis.edition_id)}
    to_save: list[tuple[DiagnosisAnswer, list[str]]] = []
    for code, data in answers.items():
        item = items.get(str(code))
        if item is None:
            errors.setdefault("answers", []).append(_("未知の項目番号です: %(code)s") % {"code": code})
            continue
        answer = existing.get(item.code) or DiagnosisAnswer(
            consortium_id=diagnosis.consortium_id, diagnosis=diagnosis, item=item
        )
        changed: list[str] = []
        for field in ANSWER_LEVEL_FIELDS:
            if field in data:
                level = _parse_level(data[field], field_name=form_field_name(field, item.code), errors=errors)
                if getattr(answer, field) != level:
                    setattr(answer, field, level)
                    changed.append(field)
        for field in ANSWER_TEXT_FIELDS:
            if field in data:
                text = (data[field] or "").strip()
                if getattr(answer, field) != text:
                    setattr(answer, field, text)
                    changed.append(field)
        if changed or answer.pk is None:
            to_save.append((answer, changed))

    meta = meta or {}
    meta_changed: list[str] = []
    if "advice_mode" in meta:
        mode = (meta["advice_mode"] or "").strip()
        if mode and mode not in Diagnosis.AdviceMode.values:
            errors.setdefault("advice_mode", []).append(
                _("アドバイス希望形式は「対面」か「オンライン」を選択してください。")
            )
        elif diagnosis.advice_mode != mode:
            diagnosis.advice_mode = mode
            meta_changed.append("advice_mode")
    for field in ("advice_date_candidates", "questionnaire"):
        if field in meta:
            text = (meta[field] or "").strip()
            if getattr(diagnosis, field) != text:
                setattr(diagnosis, field, text)
                meta_changed.append(field)
    if "dx_stage" in meta:
        raw = meta["dx_stage"]
        stage: int | None = None
        if raw not in (None, ""):
            try:
                stage = int(str(raw).strip())
            except ValueError:
                stage = None
            if stage not in Diagnosis.DxStage.values:
                errors.setdefault("dx_stage", []).append(_("DXの段階は段階1〜4から選択してください。"))
                stage = diagnosis.dx_stage
        if diagnosis.dx_stage != stage:
            diagnosis.dx_stage = stage
            meta_changed.append("dx_stage")

    if errors:
        raise ValidationError(errors)

    for answer, changed in to_save:
        answer.full_clean(exclude=["consortium", "diagnosis", "item"], validate_unique=False)
        if answer.pk is None:
            answer.save()
        else:
            answer.save(update_fields=[*changed, "updated_at"])
    if meta_changed:
        diagnosis.full_clean(exclude=["consortium", "company", "edition", "created_by"])
        diagnosis.save(update_fields=[*meta_changed, "updated_at"])
    return diagnosis


def diagnosis_missing(*, diagnosis: Diagnosis) -> tuple[list[DiagnosisAnswer], list[str]]:
    """What blocks submission: (answers lacking current or target in index order, missing meta fields)."""
    answers = list(
        DiagnosisAnswer.objects.filter(diagnosis=diagnosis).select_related("item").order_by("item__order")
    )
    answered_items = {a.item_id for a in answers}
    missing = [a for a in answers if a.current is None or a.target is None]
    # Items of the edition without an answer row at all (e.g. an item added to the edition later).
    extra = (
        IndexItem.objects.filter(edition=diagnosis.edition_id)
        .exclude(pk__in=answered_items)
        .order_by("order")
    )
    missing += [DiagnosisAnswer(diagnosis=diagnosis, item=item) for item in extra]
    meta = [] if diagnosis.advice_mode else ["advice_mode"]
    return missing, meta


@transaction.atomic
def diagnosis_submit(*, diagnosis: Diagnosis, user: Any) -> Diagnosis:
    """Submit (提出) the diagnosis: status SUBMITTED, submitted_at now; the company moves to DIAGNOSED.

    Requires current AND target on every item of the edition (35 for dxpi-2019) and an advice mode.
    Raises ``ValidationError`` otherwise: key ``items`` lists one message per missing item, each starting
    with the item code (``"4-1 体制: …"``); key ``advice_mode`` when it is blank; the error also carries
    ``missing_items`` (list of codes, index order). Raises ``DiagnosisLocked`` when already submitted and
    ``PermissionDenied`` for anyone but a company member.
    """
    _require_company_member(user=user, company=diagnosis.company)
    given = diagnosis
    diagnosis = Diagnosis.objects.select_for_update().select_related("company").get(pk=diagnosis.pk)
    if diagnosis.is_locked:
        raise DiagnosisLocked(_("この自己診断は提出済みです。"))
    missing, missing_meta = diagnosis_missing(diagnosis=diagnosis)
    if missing or missing_meta:
        errors: dict[str, list[ValidationError]] = {}
        for answer in missing:
            lacking = [
                label
                for field, label in (("current", _("現在")), ("target", _("目標（3年後）")))
                if getattr(answer, field) is None
            ]
            errors.setdefault("items", []).append(
                ValidationError(
                    _("%(code)s %(title)s: %(lacking)sが未選択です。"),
                    code="missing_item",
                    params={
                        "code": answer.item.code,
                        "title": answer.item.title,
                        "lacking": pgettext("joins the missing answers", "・").join(lacking),
                    },
                )
            )
        if missing_meta:
            errors["advice_mode"] = [
                ValidationError(_("アドバイス希望形式を選択してください。"), code="required")
            ]
        error = ValidationError(errors)
        error.missing_items = [a.item.code for a in missing]  # type: ignore[attr-defined]
        raise error
    diagnosis.status = Diagnosis.Status.SUBMITTED
    diagnosis.submitted_at = timezone.now()
    diagnosis.save(update_fields=["status", "submitted_at", "updated_at"])
    company_advance_stage(company=diagnosis.company, stage=Company.Stage.DIAGNOSED)
    given.status, given.submitted_at = (
        diagnosis.status,
        diagnosis.submitted_at,
    )  # keep the caller's copy current
    return diagnosis


@transaction.atomic
def advisor_session_record(
    *,
    diagnosis: Diagnosis,
    advisor: Any,
    held_on: dt.date,
    mode: str,
    notes: str = "",
    advice: str = "",
) -> AdvisorSession:
    """Create or update the DX診断アドバイス of a submitted diagnosis; the company moves to ADVISED.

    ``advisor``: the acting assigned DX診断アドバイザー or coordinator (``diagnosis.record_advice``, else
    ``PermissionDenied``); ``mode``: ``Diagnosis.AdviceMode`` value; ``notes`` ヒアリングメモ, ``advice``
    アドバイス: free text. Raises ``ValidationError`` (keyed by field) when the diagnosis is not submitted
    or a value is invalid.
    """
    # Re-read under lock: the caller's instance may be stale (e.g. submitted since it was loaded).
    diagnosis = Diagnosis.objects.select_for_update().select_related("company").get(pk=diagnosis.pk)
    if not advisor.has_perm("diagnosis.record_advice", diagnosis):
        raise PermissionDenied(_("DX診断アドバイスを記録できるのは割り当てられたアドバイザーか事務局です。"))
    if diagnosis.status != Diagnosis.Status.SUBMITTED:
        raise ValidationError({"__all__": [_("提出前の自己診断にはアドバイスを記録できません。")]})
    session = AdvisorSession.objects.filter(diagnosis=diagnosis).first() or AdvisorSession(
        consortium_id=diagnosis.consortium_id, diagnosis=diagnosis, company_id=diagnosis.company_id
    )
    session.advisor = advisor
    session.held_on = held_on
    session.mode = mode
    session.notes = (notes or "").strip()
    session.advice = (advice or "").strip()
    session.full_clean(exclude=["consortium", "diagnosis", "company"], validate_unique=False)
    if session.pk is None:
        session.save()
    else:
        session.save(update_fields=["advisor", "held_on", "mode", "notes", "advice", "updated_at"])
    company_advance_stage(company=diagnosis.company, stage=Company.Stage.ADVISED)
    return session


@transaction.atomic
def diagnosis_assign_advisor(*, diagnosis: Diagnosis, advisor: Any, user: Any) -> Diagnosis:
    """Assign an ITC as the diagnosis's DX診断アドバイザー (the ITC then sees the company in full).

    ``user``: a coordinator or the regional coordinator of the company's region (perm
    ``diagnosis.assign_advisor``), else ``PermissionDenied``. ``advisor``: a user with an active ITC
    membership in the diagnosis's consortium, else ``ValidationError({"advisor": ...})`` (another
    tenant's ITC included). Idempotent.
    """
    diagnosis = Diagnosis.objects.select_for_update().select_related("company").get(pk=diagnosis.pk)
    if not user.has_perm("diagnosis.assign_advisor", diagnosis):
        raise PermissionDenied(_("アドバイザーを割り当てられるのは事務局です。"))
    is_itc = Membership.objects.filter(
        consortium_id=diagnosis.consortium_id,
        user_id=getattr(advisor, "pk", None),
        role=Membership.Role.ITC,
        is_active=True,
    ).exists()
    if not is_itc:
        raise ValidationError({"advisor": [_("このコミュニティのITコーディネータから選んでください。")]})
    if diagnosis.advisor_id != advisor.pk:
        diagnosis.advisor = advisor
        diagnosis.save(update_fields=["advisor", "updated_at"])
    return diagnosis
