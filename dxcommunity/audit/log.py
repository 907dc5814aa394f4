"""Audit log (監査ログ): reads over django-simple-history's historical tables of every domain app.

Every create, update and delete of a domain row writes one historical row (simple-history signals;
``HistoryRequestMiddleware`` records the acting user of a request; Celery tasks and management commands
write rows without a user, shown as 「システム」). This module only reads them: nothing in the app edits
or deletes a historical row.

Entry shape (``AuditEntry``): when (aware datetime), who (user or None = システム, with the user's member
organization in this consortium), action (``+`` created / ``~`` changed / ``-`` deleted), the model's
verbose name, the object's label, and for changes the field diffs ``field verbose name: old → new``.

Query budget of ``audit_entries`` for one page: one query per audited model (the page's candidate rows,
with the related rows needed for labels joined in and the id of each row's previous version computed in
SQL), one query per model that has changed rows on the page (the previous versions, in bulk), one per
many-to-many history on the page, and one for the users' organizations. Never one per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dxcommunity.tenancy.models import Consortium, Membership
from dxcommunity.ui.names import person_name

DOMAIN_APPS: tuple[str, ...] = (
    "dxcommunity",
    "programs",
    "diagnosis",
    "accompaniment",
    "matching",
    "reports",
)

ACTION_LABELS: dict[str, Any] = {
    "+": gettext_lazy("作成"),
    "~": gettext_lazy("更新"),
    "-": gettext_lazy("削除"),
}

# Fields never shown in a diff: secrets and bookkeeping.
HIDDEN_FIELDS: frozenset[str] = frozenset({"token_hash", "consortium", "created_at", "updated_at", "version"})

# Deepest page served: each page reads up to page * per_page rows per model, so older entries are
# reached with the date filters instead of paging on without end.
MAX_PAGE = 200

# Longest old/new value shown in a diff (characters); longer texts are cut with "…".
VALUE_MAX_CHARS = 200

# Related rows that some models' __str__ reads two steps away (joined in, so labels cost no query).
EXTRA_RELATED: dict[str, tuple[str, ...]] = {
    "matching.vendorresponse": ("request__company",),
}


# Labels nicer than the model's __str__ (which may name the consortium or the username).
LABELS: dict[str, Callable[[Any], str]] = {
    "dxcommunity.membership": lambda m: (
        _("%(name)s（%(role)s）") % {"name": person_name(m.user), "role": m.get_role_display()}
    ),
    "dxcommunity.companycomment": lambda c: f"{person_name(c.author)}: {c.body[:30]}",
}


@dataclass(frozen=True)
class FieldChange:
    """One changed field: ``label`` is the field's verbose name, ``old``/``new`` display strings."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditEntry:
    """One historical row, ready to show."""

    when: dt.datetime
    user: Any  # User or None (システム)
    user_name: str
    organization: str
    action: str  # "+", "~" or "-"
    action_label: str
    model_key: str  # "<app_label>.<model_name>", e.g. "dxcommunity.company"
    model_name: str
    object_id: int
    object_label: str
    changes: list[FieldChange] = field(default_factory=list)
    history_id: int = 0
    previous_missing: bool = False  # a change whose previous version was never recorded (bulk insert)


@dataclass(frozen=True)
class AuditPage:
    """A page of entries, newest first. ``page`` is 1-based."""

    entries: list[AuditEntry]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def audited_models() -> list[type[models.Model]]:
    """Models of the domain apps whose changes are recorded and belong to one consortium.

    A model is audited when it has simple-history records and either is ``Consortium`` or has a
    ``consortium`` foreign key (``Membership`` has one; reference data such as ``diagnosis.IndexItem``
    has none and is global, so it is left out).
    """
    result = []
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models():
            if not hasattr(model._meta, "simple_history_manager_attribute"):
                continue
            if model is Consortium or any(f.name == "consortium" for f in model._meta.fields):
                result.append(model)
    return result


def model_key(model: type[models.Model]) -> str:
    """``"<app_label>.<model_name>"`` (lower case), the value of the model filter."""
    return f"{model._meta.app_label}.{model._meta.model_name}"


def model_choices() -> list[tuple[str, str]]:
    """[(model key, verbose name)] of every audited model, sorted by verbose name."""
    return sorted(((model_key(m), str(m._meta.verbose_name)) for m in audited_models()), key=lambda c: c[1])


def _history_model(model: type[models.Model]) -> type[models.Model]:
    return getattr(model, model._meta.simple_history_manager_attribute).model


def _fk_fields(history_model: type[models.Model]) -> list[models.ForeignKey]:
    return [
        f
        for f in history_model._meta.fields
        if isinstance(f, models.ForeignKey)
        and f.name not in ("history_user", "consortium", "history_relation")
    ]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _base_queryset(
    model: type[models.Model],
    *,
    consortium: Consortium,
    user: Any,
    date_from: dt.date | None,
    date_to: dt.date | None,
    object_id: int | None,
    action: str | None,
) -> models.QuerySet:
    hm = _history_model(model)
    qs = hm._default_manager.all()
    qs = qs.filter(id=consortium.pk) if model is Consortium else qs.filter(consortium_id=consortium.pk)
    if user is not None:
        qs = qs.filter(history_user_id=getattr(user, "pk", user))
    if date_from is not None:
        qs = qs.filter(history_date__gte=_day_start(date_from))
    if date_to is not None:
        qs = qs.filter(history_date__lt=_day_start(date_to + dt.timedelta(days=1)))
    if object_id is not None:
        qs = qs.filter(id=object_id)
    if action:
        qs = qs.filter(history_type=action)
    return qs


def _related_paths(model: type[models.Model]) -> list[str]:
    hm = _history_model(model)
    return [f.name for f in _fk_fields(hm)] + list(EXTRA_RELATED.get(model_key(model), ()))


def audit_entries(
    *,
    consortium: Consortium,
    model: str | None = None,
    user: Any = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    object_id: int | None = None,
    action: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """One page of the consortium's audit log, newest first, across every audited model.

    model: a key from ``model_choices()`` (unknown key → empty page); user: a User or user id (rows by
    that user); date_from/date_to: inclusive calendar days in the site's time zone (Asia/Tokyo);
    object_id: the audited row's primary key (use with ``model``); action: "+", "~" or "-".
    Only rows of ``consortium`` are read (its own history row included): other tenants' never appear.
    Cost: at most ``page * per_page + 1`` rows read per model (see the module docstring for queries);
    ``page`` is clamped to 1..MAX_PAGE.
    """
    page = min(max(int(page), 1), MAX_PAGE)
    limit = page * per_page
    targets = audited_models()
    if model:
        targets = [m for m in targets if model_key(m) == model]
    candidates: list[tuple[type[models.Model], Any]] = []
    for m in targets:
        hm = _history_model(m)
        qs = _base_queryset(
            m,
            consortium=consortium,
            user=user,
            date_from=date_from,
            date_to=date_to,
            object_id=object_id,
            action=action,
        )
        previous = (
            hm._default_manager.filter(id=OuterRef("id"))
            .filter(
                Q(history_date__lt=OuterRef("history_date"))
                | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
            )
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        rows = (
            qs.select_related("history_user", *_related_paths(m))
            .annotate(audit_prev_id=Subquery(previous))
            .order_by("-history_date", "-history_id")[: limit + 1]
        )
        candidates.extend((m, r) for r in rows)
    candidates.sort(key=lambda mr: (mr[1].history_date, mr[1].history_id), reverse=True)
    has_next = len(candidates) > limit
    on_page = candidates[(page - 1) * per_page : limit]

    prev_records = _previous_records(on_page)
    _fill_deleted_related([r for _m, r in on_page] + list(prev_records.values()))
    m2m_rows = _m2m_rows(on_page, prev_records)
    orgs = _organizations(consortium=consortium, user_ids={r.history_user_id for _m, r in on_page})
    entries = [
        _entry(m, r, prev_records.get((m, r.audit_prev_id)), m2m_rows, orgs, consortium) for m, r in on_page
    ]
    return AuditPage(entries=entries, page=page, per_page=per_page, has_next=has_next)


def _previous_records(on_page: list[tuple[type[models.Model], Any]]) -> dict[tuple[Any, int], Any]:
    """{(model, history_id): previous historical row} for the page's changed rows: one query per model."""
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for m, r in on_page:
        if r.history_type == "~" and r.audit_prev_id is not None:
            wanted[m].add(r.audit_prev_id)
    result: dict[tuple[Any, int], Any] = {}
    for m, ids in wanted.items():
        hm = _history_model(m)
        for prev in hm._default_manager.filter(history_id__in=ids).select_related(*_related_paths(m)):
            result[(m, prev.history_id)] = prev
    return result


def _fill_deleted_related(records: list[Any]) -> None:
    """Put the last recorded version of related rows deleted since into the records' caches.

    A row's label often names its parent (「<会社名> DX推進計画書」); when the parent was deleted too (a
    cascade), the join found nothing. One query per related model with history, for the whole page.
    """
    missing: dict[type[models.Model], set[Any]] = defaultdict(set)
    for record in records:
        for f in _fk_fields(type(record)):
            value = getattr(record, f.attname)
            if value is not None and record._state.fields_cache.get(f.name) is None:
                if hasattr(f.related_model._meta, "simple_history_manager_attribute"):
                    missing[f.related_model].add(value)
    found: dict[tuple[Any, Any], models.Model] = {}
    for related_model, pks in missing.items():
        hm = _history_model(related_model)
        for version in hm._default_manager.filter(id__in=pks).order_by("id", "-history_date", "-history_id"):
            found.setdefault((related_model, version.id), version.instance)
    if not found:
        return
    for record in records:
        for f in _fk_fields(type(record)):
            value = getattr(record, f.attname)
            if value is not None and record._state.fields_cache.get(f.name) is None:
                instance = found.get((f.related_model, value))
                if instance is not None:
                    record._state.fields_cache[f.name] = instance


def _m2m_rows(
    on_page: list[tuple[type[models.Model], Any]], prev_records: dict[tuple[Any, int], Any]
) -> dict[tuple[Any, str, int], set[str]]:
    """{(model, field name, history_id): {related labels}} for m2m-tracked models on the page."""
    result: dict[tuple[Any, str, int], set[str]] = {}
    by_model: dict[type[models.Model], set[int]] = defaultdict(set)
    for m, r in on_page:
        if r.history_type == "~" and _history_model(m)._history_m2m_fields:
            by_model[m].add(r.history_id)
            if r.audit_prev_id is not None:
                by_model[m].add(r.audit_prev_id)
    for m, history_ids in by_model.items():
        hm = _history_model(m)
        for m2m_field in hm._history_m2m_fields:
            through = _m2m_through(hm, m2m_field)
            target = _m2m_target_name(m2m_field)
            for hid in history_ids:
                result[(m, m2m_field.name, hid)] = set()
            for row in through._default_manager.filter(history_id__in=history_ids).select_related(target):
                related = getattr(row, target, None)
                label = str(related) if related is not None else f"#{getattr(row, target + '_id')}"
                result[(m, m2m_field.name, row.history_id)].add(label)
    return result


def _m2m_through(hm: type[models.Model], m2m_field: models.ManyToManyField) -> type[models.Model]:
    for f in hm._meta.get_fields():
        if f.auto_created and not f.concrete and f.related_model is not None:
            through = f.related_model
            if any(getattr(tf, "name", "") == _m2m_target_name(m2m_field) for tf in through._meta.fields):
                return through
    raise LookupError(f"no m2m history for {m2m_field}")


def _m2m_target_name(m2m_field: models.ManyToManyField) -> str:
    from simple_history import utils

    return utils.get_m2m_reverse_field_name(m2m_field)


def _organizations(*, consortium: Consortium, user_ids: set[int | None]) -> dict[int, str]:
    """{user id: member organization name (or company name)} in this consortium: one query."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    result = {}
    for m in Membership.objects.filter(consortium=consortium, user_id__in=ids).select_related(
        "organization", "company"
    ):
        org = m.organization or m.company
        result[m.user_id] = str(org) if org is not None else str(m.get_role_display())
    return result


def _instance(model: type[models.Model], record: Any, consortium: Consortium) -> models.Model:
    """The model instance as of ``record``, with the joined related rows put in its cache (no query)."""
    instance = record.instance
    cache = instance._state.fields_cache
    if any(f.name == "consortium" for f in model._meta.fields):
        cache["consortium"] = consortium
    for f in _fk_fields(type(record)):
        # None for a related row that is gone: the label then falls back instead of querying.
        cache[f.name] = record._state.fields_cache.get(f.name)
    return instance


def _label(model: type[models.Model], record: Any, consortium: Consortium) -> str:
    instance = _instance(model, record, consortium)
    try:
        custom = LABELS.get(model_key(model))
        return custom(instance) if custom else str(instance)
    except (ObjectDoesNotExist, AttributeError, TypeError, ValueError):
        # A related row was deleted since: fall back to the model name and id.
        return f"{model._meta.verbose_name} #{record.id}"


def _display(field_obj: models.Field, record: Any, value: Any) -> str:
    """A value as users read it: choice labels, related names (when joined), はい/いいえ, （空）."""
    if isinstance(field_obj, models.ForeignKey):
        if value is None:
            return _("（空）")
        related = record._state.fields_cache.get(field_obj.name)
        if related is not None and related.pk == value:
            return person_name(related) if hasattr(related, "get_username") else str(related)
        return f"#{value}"
    if value is None or value == "":
        return _("（空）")
    if field_obj.flatchoices:
        return str(dict(field_obj.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("はい") if value else _("いいえ")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return text if len(text) <= VALUE_MAX_CHARS else text[:VALUE_MAX_CHARS] + "…"


def _same_text(old: Any, new: Any) -> bool:
    if not isinstance(old, str) or not isinstance(new, str):
        return False
    return old.replace("\r\n", "\n").strip() == new.replace("\r\n", "\n").strip()


def _changes(
    model: type[models.Model],
    record: Any,
    prev: Any,
    m2m_rows: dict[tuple[Any, str, int], set[str]],
) -> list[FieldChange]:
    hm = type(record)
    m2m_names = {f.name for f in hm._history_m2m_fields}
    delta = record.diff_against(prev, excluded_fields=HIDDEN_FIELDS | m2m_names)
    changes = []
    for change in delta.changes:
        if _same_text(change.old, change.new):
            continue  # only the line endings differ (a browser's textarea sends CRLF)
        field_obj = model._meta.get_field(change.field)
        changes.append(
            FieldChange(
                label=str(field_obj.verbose_name),
                old=_display(field_obj, prev, change.old),
                new=_display(field_obj, record, change.new),
            )
        )
    for name in sorted(m2m_names):
        old = m2m_rows.get((model, name, prev.history_id), set())
        new = m2m_rows.get((model, name, record.history_id), set())
        if old != new:
            changes.append(
                FieldChange(
                    label=str(model._meta.get_field(name).verbose_name),
                    old="、".join(sorted(old)) or _("（空）"),
                    new="、".join(sorted(new)) or _("（空）"),
                )
            )
    return changes


def _user_name(record: Any, user: Any) -> str:
    if user is not None:
        return person_name(user)
    if record.history_user_id is not None:
        return _("削除されたユーザー #%(id)s") % {"id": record.history_user_id}
    return _("システム")


def _entry(
    model: type[models.Model],
    record: Any,
    prev: Any,
    m2m_rows: dict[tuple[Any, str, int], set[str]],
    orgs: dict[int, str],
    consortium: Consortium,
) -> AuditEntry:
    user = record._state.fields_cache.get("history_user") if record.history_user_id else None
    changes = _changes(model, record, prev, m2m_rows) if (record.history_type == "~" and prev) else []
    return AuditEntry(
        when=record.history_date,
        user=user,
        user_name=_user_name(record, user),
        organization=orgs.get(record.history_user_id, "") if user is not None else "",
        action=record.history_type,
        action_label=str(ACTION_LABELS.get(record.history_type, record.history_type)),
        model_key=model_key(model),
        model_name=str(model._meta.verbose_name),
        object_id=record.id,
        object_label=_label(model, record, consortium),
        changes=changes,
        history_id=record.history_id,
        previous_missing=record.history_type == "~" and prev is None,
    )


def audit_users(*, consortium: Consortium) -> list[tuple[int, str]]:
    """[(user id, 「姓 名（所属）」)] of the consortium's members, for the user filter."""
    result = []
    for m in (
        Membership.objects.filter(consortium=consortium)
        .select_related("user", "organization", "company")
        .order_by("user__last_name", "user__first_name", "user__email")
    ):
        org = m.organization or m.company
        name = person_name(m.user)
        label = _("%(name)s（%(organization)s）") % {"name": name, "organization": org} if org else name
        result.append((m.user_id, label))
    return result
