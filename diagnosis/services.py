"""Writes for diagnosis: the DX自己診断 (draft, save, submit) and the DX診断アドバイス record.

Keyword-only and typed; each function runs in one transaction and checks the acting user's permission
(``PermissionDenied``) before writing. Change history is kept by django-simple-history on every model
touched here (the acting user comes from ``HistoryRequestMiddleware`` in requests).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from diagnosis.models import (
    MATURITY_MAX,
    MATURITY_MIN,
    AdvisorSession,
    Diagnosis,
    DiagnosisAnswer,
    DiagnosisIndicator,
    DiagnosisReopening,
    IndexEdition,
    IndexItem,
    QuantitativeIndicator,
    RespondentAnswer,
)
from diagnosis.selectors import diagnosis_previous
from dxcommunity.concurrency import versioned_save
from dxcommunity.tenancy.models import Company, Membership
from programs.closing import window_require
from programs.models import Participation, Program
from programs.participations.selectors import participation_current
from programs.participations.services import participation_advance_stage


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


def current_edition() -> IndexEdition:
    """The edition new diagnoses use: the one marked 既定の版 (``is_current``) in the admin; if several
    are marked, the newest. Raises ``IndexEdition.DoesNotExist`` when none is (``manage.py load_index``)."""
    edition = IndexEdition.objects.filter(is_current=True).order_by("-created_at", "-pk").first()
    if edition is None:
        raise IndexEdition.DoesNotExist("No current DX推進指標 edition; run manage.py load_index.")
    return edition


@transaction.atomic
def diagnosis_start(
    *, company: Company, user: Any, prefill_from_previous: bool = False, program: Program | None = None
) -> Diagnosis:
    """The company's open draft, or a new draft on the current IndexEdition with one empty answer per item.

    The new draft belongs to the company's participation in ``program`` (None: its current participation,
    ``participation_current``; a company in no program diagnoses outside one). Refused in a closed
    program and after the program's 自己診断期間 (ValidationError({"program": ...}) naming the window).

    Only a member of the company may start (``PermissionDenied`` otherwise). A company whose latest
    diagnosis is submitted gets a new draft (re-diagnosis, e.g. the next year); with
    ``prefill_from_previous`` (「前回の回答から始める」) the new draft starts with the answers (current,
    target, evidence, action; items matched by code within the same edition) and the 定量指標 rows of
    「前回の診断」 (``selectors.diagnosis_previous``). An existing draft is returned as it is. Raises
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
    participation = participation_current(company=company, program=program)
    if program is not None and participation is None:
        raise ValidationError(
            {"program": _("この企業は「%(program)s」に参加していません。") % {"program": program.name}}
        )
    if participation is not None:
        window_require(program=participation.program, phase="self_diagnosis")
    edition = current_edition()
    diagnosis = Diagnosis(
        consortium_id=company.consortium_id,
        company=company,
        participation=participation,
        edition=edition,
        created_by=user,
    )
    diagnosis.full_clean()
    diagnosis.save()
    previous = diagnosis_previous(diagnosis=diagnosis) if prefill_from_previous else None
    prev_answers: dict[str, DiagnosisAnswer] = {}
    if previous is not None and previous.edition_id == edition.pk:
        prev_answers = {
            a.item.code: a for a in DiagnosisAnswer.objects.filter(diagnosis=previous).select_related("item")
        }
    if previous is not None:
        diagnosis.dx_stage = previous.dx_stage
        diagnosis.save(update_fields=["dx_stage", "updated_at"])
    items = IndexItem.objects.filter(edition=edition).order_by("order")
    rows = []
    for item in items:
        prev = prev_answers.get(item.code)
        rows.append(
            DiagnosisAnswer(
                consortium_id=company.consortium_id,
                diagnosis=diagnosis,
                item=item,
                current=prev.current if prev else None,
                target=prev.target if prev else None,
                evidence=prev.evidence if prev else "",
                action=prev.action if prev else "",
            )
        )
    DiagnosisAnswer.objects.bulk_create(rows)
    if previous is not None:
        DiagnosisIndicator.objects.bulk_create(
            [
                DiagnosisIndicator(
                    consortium_id=company.consortium_id,
                    diagnosis=diagnosis,
                    indicator=(
                        row.indicator if row.indicator and row.indicator.edition_id == edition.pk else None
                    ),
                    name=row.name,
                    unit=row.unit,
                    current_value=row.current_value,
                    target_value=row.target_value,
                    calculation_method=row.calculation_method,
                    action=row.action,
                    order=row.order,
                )
                for row in DiagnosisIndicator.objects.filter(diagnosis=previous).select_related("indicator")
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
    indicators: dict[int, IndicatorData] | None = None,
    version: int | None = None,
) -> Diagnosis:
    """Save what was typed so far; partial answers are fine (blank = not yet answered).

    ``version``: the diagnosis's ``version`` the form (or the autosaving page) was loaded with; it covers
    the answers and indicator rows. None for callers without a form (no check). On success the returned
    diagnosis has the new ``version`` (unchanged when nothing changed: no write).

    ``indicators`` maps a ``DiagnosisIndicator`` id of this diagnosis to ``IndicatorData`` (unknown ids
    are skipped: a row removed meanwhile); errors are keyed ``ind_<id>_current_value`` etc.

    ``answers`` maps item code (e.g. ``"4-1"``) to ``AnswerData``; items and keys not given stay as they
    are. ``meta`` holds the submission details (``DiagnosisMeta``); keys not given stay as they are.
    All or nothing: raises ``ValidationError`` whose ``message_dict`` is keyed by the form field name
    (``current_4-1``, ``target_4-1``, ``advice_mode``, ``dx_stage``…) for every bad value (maturity not
    an int 0–5, unknown item code, unknown advice mode, stage not 1–4); nothing is saved then.
    Raises ``DiagnosisLocked`` once submitted and ``PermissionDenied`` for anyone but a company member;
    ``EditConflict`` (nothing written) when the draft was saved elsewhere (another tab, another member)
    since ``version``.
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

    indicator_rows = _indicator_changes(diagnosis=diagnosis, indicators=indicators or {}, errors=errors)

    if errors:
        raise ValidationError(errors)

    if meta_changed or to_save or indicator_rows:
        # First the draft row, checked against the form's version: a stale page writes nothing.
        # (The draft's updated_at is "when the server last saved it": the autosave restore compares it.)
        if meta_changed:
            diagnosis.full_clean(exclude=["consortium", "company", "edition", "created_by", "version"])
        versioned_save(instance=diagnosis, version=version, update_fields=[*meta_changed, "updated_at"])
    for row, changed in indicator_rows:
        row.full_clean(exclude=["consortium", "diagnosis", "indicator"])
        row.save(update_fields=[*changed, "updated_at"])
    for answer, changed in to_save:
        answer.full_clean(exclude=["consortium", "diagnosis", "item"], validate_unique=False)
        if answer.pk is None:
            answer.save()
        else:
            answer.save(update_fields=[*changed, "updated_at"])
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
def diagnosis_submit(*, diagnosis: Diagnosis, user: Any, check_only: bool = False) -> Diagnosis:
    """Submit (提出) the diagnosis: status SUBMITTED, submitted_at now; the company moves to DIAGNOSED.

    ``check_only``: raise whatever submitting would raise, but change nothing (the step before the 提出
    confirmation page).

    Requires current AND target on every item of the edition (35 for dxpi-2019), an advice mode and a
    current value on every 定量指標 row present (rows are optional: the index asks for quantitative
    indicators, but a company new to them may submit none). Raises ``ValidationError`` otherwise: key
    ``items`` lists one message per missing item, each starting with the item code (``"4-1 体制: …"``);
    key ``advice_mode`` when it is blank; key ``indicators`` one message per row naming it (「定量指標
    「MAU」: 現在値を入力してください。」) plus ``ind_<id>_current_value``; the error also carries
    ``missing_items`` (list of codes, index order) and ``missing_indicators`` (row ids).
    Raises ``DiagnosisLocked`` when already submitted and
    ``PermissionDenied`` for anyone but a company member.
    """
    _require_company_member(user=user, company=diagnosis.company)
    given = diagnosis
    diagnosis = Diagnosis.objects.select_for_update().select_related("company").get(pk=diagnosis.pk)
    if diagnosis.is_locked:
        raise DiagnosisLocked(_("この自己診断は提出済みです。"))
    missing, missing_meta = diagnosis_missing(diagnosis=diagnosis)
    missing_indicators = list(
        DiagnosisIndicator.objects.filter(diagnosis=diagnosis, current_value__isnull=True).order_by(
            "order", "pk"
        )
    )
    if missing or missing_meta or missing_indicators:
        errors: dict[str, list[ValidationError]] = {}
        for row in missing_indicators:
            errors.setdefault("indicators", []).append(
                ValidationError(
                    _("定量指標「%(name)s」: 現在値を入力してください。"),
                    code="missing_indicator",
                    params={"name": row.name},
                )
            )
            errors[indicator_field_name("current_value", row.pk)] = [
                ValidationError(_("現在値を入力してください（提出時に必須）。"), code="required")
            ]
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
        error.missing_indicators = [r.pk for r in missing_indicators]  # type: ignore[attr-defined]
        raise error
    if check_only:
        return diagnosis
    diagnosis.status = Diagnosis.Status.SUBMITTED
    diagnosis.submitted_at = timezone.now()
    diagnosis.save(update_fields=["status", "submitted_at", "updated_at"])
    if diagnosis.participation_id:
        participation_advance_stage(
            participation=diagnosis.participation, stage=Participation.Stage.DIAGNOSED
        )
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
    version: int | None = None,
) -> AdvisorSession:
    """Create or update the DX診断アドバイス of a submitted diagnosis; the company moves to ADVISED.

    ``version``: the session's ``version`` the advisor's form was loaded with (0: none yet), checked in
    the UPDATE (``EditConflict`` when someone recorded it since); None: no check.

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
    session.full_clean(exclude=["consortium", "diagnosis", "company", "version"], validate_unique=False)
    versioned_save(
        instance=session,
        version=version,
        update_fields=None
        if session.pk is None
        else ["advisor", "held_on", "mode", "notes", "advice", "updated_at"],
    )
    if diagnosis.participation_id:
        participation_advance_stage(participation=diagnosis.participation, stage=Participation.Stage.ADVISED)
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


# --- Quantitative indicators (定量指標) -------------------------------------------------------------

INDICATOR_DECIMAL_FIELDS = ("current_value", "target_value")
INDICATOR_TEXT_FIELDS = ("name", "unit", "calculation_method", "action")


class IndicatorData(TypedDict, total=False):
    """One indicator row as typed; every key optional (a missing key leaves the value as is).

    current_value, target_value: a decimal string in the row's unit ("12.5", "1,200") or ""/None to
    clear. name (required, not blank), unit, calculation_method (算出方法・エビデンス), action: free text.
    """

    name: str
    unit: str
    current_value: str | Decimal | None
    target_value: str | Decimal | None
    calculation_method: str
    action: str


def indicator_field_name(field: str, row_id: int) -> str:
    """The HTML form field name of one indicator value, e.g. ``ind_12_current_value``."""
    return f"ind_{row_id}_{field}"


def _parse_decimal(value: Any, *, field_name: str, errors: dict[str, list[str]]) -> Decimal | None:
    """Decimal or None for blank; full-width digits and thousands separators accepted."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal(10) ** 14:
        errors.setdefault(field_name, []).append(
            _("数値で入力してください（入力値: %(value)s）。") % {"value": value}
        )
        return None
    return number


def _indicator_changes(
    *, diagnosis: Diagnosis, indicators: dict[int, IndicatorData], errors: dict[str, list[str]]
) -> list[tuple[DiagnosisIndicator, list[str]]]:
    rows = {r.pk: r for r in DiagnosisIndicator.objects.filter(diagnosis=diagnosis)}
    to_save: list[tuple[DiagnosisIndicator, list[str]]] = []
    for row_id, data in indicators.items():
        row = rows.get(int(row_id))
        if row is None:
            # A row removed in another tab: nothing to update (not an error the user can fix).
            continue
        changed: list[str] = []
        for field in INDICATOR_DECIMAL_FIELDS:
            if field in data:
                value = _parse_decimal(
                    data[field], field_name=indicator_field_name(field, row.pk), errors=errors
                )
                if getattr(row, field) != value:
                    setattr(row, field, value)
                    changed.append(field)
        for field in INDICATOR_TEXT_FIELDS:
            if field in data:
                text = (data[field] or "").strip()
                if field == "name" and not text:
                    errors.setdefault(indicator_field_name(field, row.pk), []).append(
                        _("指標名を入力してください。")
                    )
                    continue
                if getattr(row, field) != text:
                    setattr(row, field, text)
                    changed.append(field)
        if changed:
            to_save.append((row, changed))
    return to_save


@transaction.atomic
def diagnosis_indicator_add(
    *,
    diagnosis: Diagnosis,
    user: Any,
    indicator: QuantitativeIndicator | None = None,
    name: str = "",
    unit: str = "",
) -> DiagnosisIndicator:
    """Add a 定量指標 row: from the library (``indicator`` of the diagnosis's edition; its name, unit and
    method are copied) or defined by the company (``name`` required, ``unit`` optional).

    Raises ``ValidationError`` keyed ``new_indicator`` / ``new_indicator_name``, ``DiagnosisLocked`` once
    submitted, ``PermissionDenied`` for anyone but a company member.
    """
    _require_company_member(user=user, company=diagnosis.company)
    diagnosis = Diagnosis.objects.select_for_update().get(pk=diagnosis.pk)
    if diagnosis.is_locked:
        raise DiagnosisLocked(_("提出済みの自己診断は変更できません。"))
    row = DiagnosisIndicator(consortium_id=diagnosis.consortium_id, diagnosis=diagnosis)
    if indicator is not None:
        if indicator.edition_id != diagnosis.edition_id:
            raise ValidationError({"new_indicator": [_("この版の定量指標から選んでください。")]})
        row.indicator = indicator
        row.name = indicator.name
        row.unit = (unit or "").strip() or indicator.unit
        row.calculation_method = indicator.calculation_method
    else:
        row.name = (name or "").strip()
        row.unit = (unit or "").strip()
        if not row.name:
            raise ValidationError(
                {"new_indicator_name": [_("ライブラリから選ぶか、指標名を入力してください。")]}
            )
    last = DiagnosisIndicator.objects.filter(diagnosis=diagnosis).order_by("-order").first()
    row.order = (last.order + 1) if last else 0
    row.full_clean(exclude=["consortium", "diagnosis", "indicator"])
    row.save()
    return row


@transaction.atomic
def diagnosis_indicator_remove(*, diagnosis: Diagnosis, user: Any, row_id: int) -> None:
    """Remove one 定量指標 row of a draft (a row of another diagnosis: ``DiagnosisIndicator.DoesNotExist``).

    Raises ``DiagnosisLocked`` once submitted, ``PermissionDenied`` for anyone but a company member.
    """
    _require_company_member(user=user, company=diagnosis.company)
    diagnosis = Diagnosis.objects.select_for_update().get(pk=diagnosis.pk)
    if diagnosis.is_locked:
        raise DiagnosisLocked(_("提出済みの自己診断は変更できません。"))
    DiagnosisIndicator.objects.get(diagnosis=diagnosis, pk=row_id).delete()


# --- Reopening (差し戻し) ----------------------------------------------------------------------------


@transaction.atomic
def diagnosis_reopen(*, diagnosis: Diagnosis, user: Any, reason: str) -> DiagnosisReopening:
    """Reopen a submitted diagnosis (status back to DRAFT) so that the company can correct it.

    ``user``: the assigned DX診断アドバイザー (ITC) or a coordinator of the company (perm
    ``diagnosis.record_advice``), else ``PermissionDenied``. ``reason``: required free text, else
    ``ValidationError({"reason": …})``. Writes a ``DiagnosisReopening`` (who, why) and a historical row of
    the diagnosis whose change reason is the reason. A draft, or a company that already has another
    open draft: ``ValidationError({"__all__": …})``.
    """
    diagnosis = Diagnosis.objects.select_for_update().select_related("company").get(pk=diagnosis.pk)
    if not user.has_perm("diagnosis.record_advice", diagnosis):
        raise PermissionDenied(_("差し戻しできるのは割り当てられたアドバイザーか事務局です。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("差し戻しの理由を入力してください。")]})
    if not diagnosis.is_locked:
        raise ValidationError({"__all__": [_("この自己診断は下書きです（差し戻す必要はありません）。")]})
    other_draft = (
        Diagnosis.objects.filter(
            consortium=diagnosis.consortium_id, company=diagnosis.company_id, status=Diagnosis.Status.DRAFT
        )
        .exclude(pk=diagnosis.pk)
        .exists()
    )
    if other_draft:
        raise ValidationError(
            {"__all__": [_("この企業には入力中の別の自己診断があります。先にそちらを提出してください。")]}
        )
    reopening = DiagnosisReopening(
        consortium_id=diagnosis.consortium_id, diagnosis=diagnosis, reopened_by=user, reason=reason
    )
    reopening.full_clean(exclude=["consortium", "diagnosis", "reopened_by"])
    reopening.save()
    diagnosis.status = Diagnosis.Status.DRAFT
    diagnosis.submitted_at = None
    diagnosis._change_reason = reason[:100]  # simple_history: history_change_reason (max 100)
    diagnosis._history_user = user
    diagnosis.save(update_fields=["status", "submitted_at", "updated_at"])
    return reopening


# --- Several respondents (回答者別の回答) ------------------------------------------------------------


@transaction.atomic
def respondent_answers_save(
    *, diagnosis: Diagnosis, user: Any, answers: dict[str, AnswerData]
) -> list[RespondentAnswer]:
    """Save the acting member's own answers (経営者 or a department head) to the items of a draft.

    ``answers`` maps item code to ``AnswerData`` (current, target 0–5 or blank; evidence text; action is
    ignored). All or nothing: ``ValidationError`` keyed by form field name (``current_4-1``…).
    Raises ``DiagnosisLocked`` once submitted, ``PermissionDenied`` for anyone but a company member.
    Returns the respondent's rows.
    """
    _require_company_member(user=user, company=diagnosis.company)
    diagnosis = Diagnosis.objects.select_for_update().get(pk=diagnosis.pk)
    if diagnosis.is_locked:
        raise DiagnosisLocked(_("提出済みの自己診断は変更できません。"))
    errors: dict[str, list[str]] = {}
    items = {i.code: i for i in IndexItem.objects.filter(edition=diagnosis.edition_id)}
    existing = {r.item_id: r for r in RespondentAnswer.objects.filter(diagnosis=diagnosis, respondent=user)}
    to_save: list[tuple[RespondentAnswer, list[str]]] = []
    for code, data in answers.items():
        item = items.get(str(code))
        if item is None:
            errors.setdefault("answers", []).append(_("未知の項目番号です: %(code)s") % {"code": code})
            continue
        row = existing.get(item.pk) or RespondentAnswer(
            consortium_id=diagnosis.consortium_id, diagnosis=diagnosis, respondent=user, item=item
        )
        changed: list[str] = []
        for field in ANSWER_LEVEL_FIELDS:
            if field in data:
                level = _parse_level(data[field], field_name=form_field_name(field, item.code), errors=errors)
                if getattr(row, field) != level:
                    setattr(row, field, level)
                    changed.append(field)
        if "evidence" in data:
            text = (data["evidence"] or "").strip()
            if row.evidence != text:
                row.evidence = text
                changed.append("evidence")
        if row.pk is None and not changed:
            continue  # nothing typed for this item: no empty row
        if changed:
            to_save.append((row, changed))
    if errors:
        raise ValidationError(errors)
    for row, changed in to_save:
        row.full_clean(exclude=["consortium", "diagnosis", "respondent", "item"], validate_unique=False)
        if row.pk is None:
            row.save()
        else:
            row.save(update_fields=[*changed, "updated_at"])
    return list(RespondentAnswer.objects.filter(diagnosis=diagnosis, respondent=user))


@transaction.atomic
def diagnosis_adopt_respondent(*, diagnosis: Diagnosis, user: Any, respondent: Any) -> int:
    """Copy one respondent's answers (current, target; evidence where the agreed one is blank) into the
    agreed answers (``DiagnosisAnswer``) for the items that respondent answered; returns how many.

    Same errors as ``diagnosis_save_draft``.
    """
    rows = RespondentAnswer.objects.filter(diagnosis=diagnosis, respondent=respondent).select_related("item")
    agreed = {a.item_id: a for a in DiagnosisAnswer.objects.filter(diagnosis=diagnosis)}
    answers: dict[str, AnswerData] = {}
    for row in rows:
        data: AnswerData = {}
        if row.current is not None:
            data["current"] = row.current
        if row.target is not None:
            data["target"] = row.target
        current_agreed = agreed.get(row.item_id)
        if row.evidence and (current_agreed is None or not current_agreed.evidence):
            data["evidence"] = row.evidence
        if data:
            answers[row.item.code] = data
    diagnosis_save_draft(diagnosis=diagnosis, user=user, answers=answers)
    return len(answers)
