"""``python manage.py sweep_documents [--requeue-after SECONDS]``: the periodic sweep, by hand.

The same function Celery beat runs every minute (``reports.documents.services.document_sweep``): sends
again the
documents still queued after ``--requeue-after`` seconds (default setting DOCUMENT_REQUEUE_AFTER), puts
renders of dead workers (rendering longer than the hard time limit + 60 s) back in the queue. Prints one
line per document it changed and the counts; safe to run while beat runs too.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from reports.documents.services import document_sweep


class Command(BaseCommand):
    help = "Re-queue generated documents whose message was lost and reclaim renders of dead workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--requeue-after",
            type=float,
            default=None,
            help="seconds a queued document waits before it is sent again (default: DOCUMENT_REQUEUE_AFTER)",
        )

    def handle(self, *args, requeue_after: float | None, **options) -> None:
        result = document_sweep(requeue_after=requeue_after)
        for name in ("reclaimed", "requeued", "given_up", "unsent"):
            for pk in getattr(result, name):
                self.stdout.write(f"document {pk}: {name}")
        counts = result.counts()
        self.stdout.write(", ".join(f"{name} {n}" for name, n in counts.items()))
