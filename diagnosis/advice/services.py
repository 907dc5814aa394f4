"""Writes for the DX診断アドバイス: fixing the appointment, recording the advice with item notes.

Kept apart from ``services.py`` (the form side). Every write checks the acting user's permission,
validates with ``full_clean`` and saves with ``update_fields``; history rows are the audit trail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from diagnosis.models import AdvisorItemNote, AdvisorSession, Diagnosis, IndexItem
from diagnosis.services import advisor_session_record


@transaction.atomic
def diagnosis_schedule_advice(
    *, diagnosis: Diagnosis, scheduled_at: dt.datetime, place: str, user: Any
) -> Diagnosis:
    """Fix the date (aware datetime, start; the session lasts 3 hours) and the place / URL of the advice.

    ``user``: coordinator or the regional coordinator of the company's region (perm
    ``diagnosis.assign_advisor``), else ``PermissionDenied``. ``ValidationError`` (``__all__``) when the
    diagnosis is not submitted yet; (``advice_scheduled_at``) when no date is given. Idempotent.
    """
    diagnosis = Diagnosis.objects.select_for_update().select_related("company").get(pk=diagnosis.pk)
    if not user.has_perm("diagnosis.assign_advisor", diagnosis):
        raise PermissionDenied(_("日程を確定できるのは事務局です。"))
    if diagnosis.status != Diagnosis.Status.SUBMITTED:
        raise ValidationError({"__all__": [_("提出前の自己診断には日程を設定できません。")]})
    if scheduled_at is None:
        raise ValidationError({"advice_scheduled_at": [_("日時を入力してください。")]})
    diagnosis.advice_scheduled_at = scheduled_at
    diagnosis.advice_place = (place or "").strip()
    diagnosis.full_clean(exclude=["company", "edition", "consortium", "created_by", "advisor"])
    diagnosis.save(update_fields=["advice_scheduled_at", "advice_place", "updated_at"])
    return diagnosis


@transaction.atomic
def advice_record(
    *,
    diagnosis: Diagnosis,
    advisor: Any,
    held_on: dt.date,
    mode: str,
    notes: str = "",
    advice: str = "",
    target_state: str = "",
    digitization_steps: str = "",
    weak_items: list[IndexItem] | None = None,
    item_notes: dict[int, str] | None = None,
    version: int | None = None,
) -> AdvisorSession:
    """Record the whole DX診断アドバイス: the session (``services.advisor_session_record``: permission,
    submitted check, company stage) plus 目指す姿 ``target_state``, デジタル化の手順 ``digitization_steps``,
    強化すべき項目 ``weak_items`` (items of the diagnosis's edition, else ``ValidationError`` on
    ``weak_items``) and the hearing notes ``item_notes`` ({item id: text}; an empty text deletes the note).
    ``version``: the session's ``version`` the form was loaded with (0: no session yet; it covers the
    item notes and weak items); None: no check. Raises ``EditConflict`` (nothing written) when someone
    recorded the advice since.
    Returns the session. Running it twice with the same data leaves the same rows.
    """
    session = advisor_session_record(
        diagnosis=diagnosis,
        advisor=advisor,
        held_on=held_on,
        mode=mode,
        notes=notes,
        advice=advice,
        version=version,
    )
    edition_items = {
        i.pk: i for i in IndexItem.objects.filter(edition=diagnosis.edition_id).only("pk", "code")
    }
    weak = list(weak_items or [])
    if any(item.pk not in edition_items for item in weak):
        raise ValidationError({"weak_items": [_("この自己診断の項目から選んでください。")]})
    notes_by_item = item_notes or {}
    if any(item_id not in edition_items for item_id in notes_by_item):
        raise ValidationError({"__all__": [_("この自己診断の項目ではありません。")]})
    session.target_state = (target_state or "").strip()
    session.digitization_steps = (digitization_steps or "").strip()
    session.full_clean(exclude=["consortium", "diagnosis", "company", "advisor"], validate_unique=False)
    session.save(update_fields=["target_state", "digitization_steps", "updated_at"])
    session.weak_items.set(weak)
    existing = {n.item_id: n for n in AdvisorItemNote.objects.filter(advisor_session=session)}
    for item_id, text in notes_by_item.items():
        text = (text or "").strip()
        note = existing.get(item_id)
        if not text:
            if note is not None:
                note.delete()
            continue
        if note is None:
            note = AdvisorItemNote(
                consortium_id=session.consortium_id, advisor_session=session, item_id=item_id, note=text
            )
            note.full_clean(exclude=["consortium", "advisor_session", "item"], validate_unique=False)
            note.save()
        elif note.note != text:
            note.note = text
            note.full_clean(exclude=["consortium", "advisor_session", "item"], validate_unique=False)
            note.save(update_fields=["note", "updated_at"])
    return session
