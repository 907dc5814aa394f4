"""One create per submitted form: the hidden ``idempotency_key`` field and the service helper.

A create form carries a random one-time key (``{% idempotency_key_field %}`` from the ``idempotency``
template library, or ``new_key()``). The view reads it with ``key_from(request)`` and passes it to the
service; the service wraps its insert in ``create_once``, which stores the key (``SubmissionKey``, unique
per consortium, scope and key) in the same transaction as the row it creates. A second POST with the
same key (a double click, a resent form, two requests at once) gets the first row back, so the view
answers it exactly as the first one (same redirect), with no second row and no IntegrityError.

Two POSTs at once: the second INSERT of the key waits on the unique index until the first transaction
ends; then it fails (first committed: its row is returned) or goes ahead (first rolled back).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

FIELD = "idempotency_key"
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")

M = TypeVar("M")


def new_key() -> str:
    """A fresh key: 32 URL-safe characters (192 random bits)."""
    return secrets.token_urlsafe(24)


def valid_key(raw: Any) -> str | None:
    """``raw`` when it looks like a key (16–64 of ``A-Za-z0-9_-``), else None."""
    return raw if isinstance(raw, str) and _KEY_RE.fullmatch(raw) else None


def key_from(request: HttpRequest) -> str | None:
    """The POSTed ``idempotency_key`` of ``request``, or None when absent or malformed."""
    return valid_key(request.POST.get(FIELD))


def create_once(
    *,
    key: str | None,
    scope: str,
    consortium_id: int,
    user: Any,
    create: Callable[[], M],
) -> tuple[M, bool]:
    """Run ``create()`` once per ``(consortium_id, scope, key)``; returns (row, created).

    ``create``: makes and returns one saved model instance (it may raise ValidationError /
    PermissionDenied; then nothing is kept, the key included, and a later POST with it runs again).
    ``key`` None: no protection, ``create()`` runs (forms without the field, other callers).
    A key already used returns (that row, False). Raises ValidationError when the key was used by
    another user or its row is gone (deleted since).
    """
    from dxcommunity.models import SubmissionKey

    if key is None:
        return create(), True
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the outer transaction survives a duplicate key
                claim = SubmissionKey.objects.create(
                    consortium_id=consortium_id, scope=scope, key=key, user_id=user_id
                )
        except IntegrityError:
            with scopes_disabled():
                prior = SubmissionKey.objects.filter(
                    consortium_id=consortium_id, scope=scope, key=key
                ).first()
            return _replay(prior, user_id), False
        row = create()
        claim.content_type = ContentType.objects.get_for_model(row)
        claim.object_id = row.pk  # type: ignore[attr-defined]
        claim.save(update_fields=["content_type", "object_id", "updated_at"])
        return row, True


def save_once(
    *,
    key: str | None,
    scope: str,
    consortium_id: int,
    user: Any,
    build: Callable[[], M],
    exclude: list[str] | None = None,
) -> M:
    """Validate and insert the row ``build()`` makes, once per key (``create_once``); returns the row.

    ``build``: returns the unsaved model instance (it runs only when the key is new, so it may store a
    file); the row is ``full_clean(exclude=exclude)``-ed (ValidationError: nothing kept) and saved. A
    key already used returns the row it made.
    """

    def create() -> M:
        row = build()
        row.full_clean(exclude=exclude)  # type: ignore[attr-defined]
        row.save()  # type: ignore[attr-defined]
        return row

    return create_once(key=key, scope=scope, consortium_id=consortium_id, user=user, create=create)[0]


def _replay(prior: Any, user_id: int | None) -> Any:
    gone = ValidationError(_("このフォームは既に送信されています。ページを開き直してください。"))
    if prior is None or prior.user_id != user_id or prior.content_type_id is None:
        raise gone
    with scopes_disabled():
        try:
            return prior.content_type.get_object_for_this_type(pk=prior.object_id)
        except ObjectDoesNotExist:
            raise gone from None


def submission_keys_prune(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete the SubmissionKey rows created more than ``older_than`` before ``now`` (all consortia);
    returns how many. A form older than that sent again creates a new row (the natural unique keys
    still apply). Run by ``manage.py prune_submission_keys``."""
    from dxcommunity.models import SubmissionKey

    cutoff = (now or timezone.now()) - older_than
    with scopes_disabled():
        deleted, _per_model = SubmissionKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
