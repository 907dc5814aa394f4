"""Periodic housekeeping of the base layer, run by Celery beat (``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def prune_submission_keys() -> int:
    """Delete the idempotency keys of create forms older than ``SUBMISSION_KEY_DAYS`` days (default 30).

    Returns the number of keys deleted. Safe to run twice: a second run finds nothing more to delete.
    A form opened before the cut-off and sent after it is then an ordinary first submit.
    """
    from dxcommunity.idempotency import submission_keys_prune

    days = max(int(getattr(settings, "SUBMISSION_KEY_DAYS", 30)), 1)
    deleted = submission_keys_prune(older_than=dt.timedelta(days=days))
    if deleted:
        logger.info("prune_submission_keys: %d keys older than %d days deleted", deleted, days)
    return deleted
