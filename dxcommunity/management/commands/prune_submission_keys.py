"""``manage.py prune_submission_keys [--days 30]``: forget the idempotency keys of old create forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from dxcommunity.idempotency import submission_keys_prune


class Command(BaseCommand):
    help = "Delete idempotency keys (SubmissionKey rows) of create forms sent more than --days ago."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=30, help="keep the keys of the last N days (30)")

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        deleted = submission_keys_prune(older_than=dt.timedelta(days=max(days, 1)))
        self.stdout.write(f"{deleted} submission keys deleted (older than {max(days, 1)} days)")
