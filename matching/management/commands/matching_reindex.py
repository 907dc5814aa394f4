"""``manage.py matching_reindex``: recompute the search text of every solution (rows loaded without the
services, e.g. demo data or imports)."""

from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled

from matching.solutions.services import solutions_reindex


class Command(BaseCommand):
    help = "Recompute Solution.search_text (Japanese search of the tool database) for every solution."

    def handle(self, *args, **options) -> None:
        with scopes_disabled():
            changed = solutions_reindex()
        self.stdout.write(f"{changed} solution(s) reindexed")
