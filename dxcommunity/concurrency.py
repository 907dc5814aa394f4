"""Optimistic locking of the editable records: a version the form sends back, checked in the UPDATE.

Each editable model has ``version = VersionField()`` (django-concurrency's ``AutoIncVersionField``: the
save's ``UPDATE … WHERE id = %s AND version = %s`` sets ``version + 1``; no row updated means someone else
saved since the form was loaded). Services save through ``versioned_save``, which turns the library's
``RecordModifiedError`` into ``EditConflict`` carrying the row as stored now; the transaction of the
service rolls back, so nothing of the stale edit is written. Views render the conflict with
``dxcommunity.edit_conflict.edit_conflict_context`` and ``templates/includes/edit_conflict.html``.

``VersionedHistoricalRecords`` is ``HistoricalRecords`` whose copy of the version field is a plain
``BigIntegerField``: history rows are only inserted, they need no lock of their own.
"""

from __future__ import annotations

from typing import Any

from concurrency.exceptions import RecordModifiedError
from concurrency.fields import AutoIncVersionField
from concurrency.fields import VersionField as _LibraryVersionField
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class VersionField(AutoIncVersionField):
    """The record's version: 1 on insert, +1 on every save that includes it; checked in the UPDATE."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("verbose_name", _("更新番号"))
        kwargs.setdefault("help_text", _("保存のたびに1増える番号（同時編集の検出）"))
        super().__init__(*args, **kwargs)


class VersionedHistoricalRecords(HistoricalRecords):
    """``HistoricalRecords`` for a model with a ``VersionField``: the history keeps the version number as a
    plain ``BigIntegerField`` (no lock, no increment on the history table)."""

    def copy_fields(self, model: type[models.Model]) -> dict[str, models.Field]:
        fields = super().copy_fields(model)
        for field in fields.values():
            if isinstance(field, _LibraryVersionField):
                field.__class__ = models.BigIntegerField
        return fields


class EditConflict(Exception):
    """Someone saved the record after this user's form was loaded; nothing of this save was written.

    ``current``: the record as stored now (re-read from the database, its ``version`` the one to send
    back to overwrite); ``sent_version``: the version the form carried (int, or None when not checked).
    """

    def __init__(self, *, current: models.Model, sent_version: int | None) -> None:
        super().__init__(f"{type(current).__name__} {current.pk} changed (form had version {sent_version})")
        self.current = current
        self.sent_version = sent_version


def stored(instance: models.Model) -> models.Model:
    """A fresh copy of ``instance``'s row (base manager: no tenant scope needed, the pk is already known)."""
    return type(instance)._base_manager.get(pk=instance.pk)


def versioned_save(
    *, instance: models.Model, version: int | None, update_fields: list[str] | None = None
) -> None:
    """Save ``instance`` only if its row still has ``version`` (the version the user's form was loaded
    with; None: the version ``instance`` was read with, for callers without a form). The check is in the
    UPDATE itself; on success ``instance.version`` is the new number.

    ``update_fields``: as for ``Model.save`` (``version`` is added); None saves every field. A new
    instance (no pk) is inserted with version 1.
    Raises ``EditConflict`` (with the stored row) when the row has another version: the caller's
    transaction must roll back whatever it wrote before (services are ``transaction.atomic``).
    """
    if version is not None and instance.pk is not None:
        instance.version = int(version)
    sent = instance.version
    fields = None if update_fields is None else list(dict.fromkeys([*update_fields, "version"]))
    try:
        # A savepoint: the library's error is a DatabaseError, which would otherwise leave the caller's
        # transaction unusable before the stored row is read.
        with transaction.atomic():
            instance.save(update_fields=fields)
    except RecordModifiedError:
        raise EditConflict(current=stored(instance), sent_version=sent) from None
