from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diagnosis.index_loader import DEFAULT_EDITION_FILE, IndexFileError, index_load


class Command(BaseCommand):
    help = "Load a DX推進指標 edition from a YAML data file (default: diagnosis/data/dxpi-2019.yaml)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_EDITION_FILE))
        parser.add_argument("--not-current", action="store_true", help="do not make it the default edition")
        parser.add_argument(
            "--overwrite-texts", action="store_true", help="replace texts edited in the admin"
        )

    def handle(self, *args, path, not_current, overwrite_texts, **options):
        try:
            edition = index_load(
                path=Path(path), make_current=not not_current, overwrite_texts=overwrite_texts
            )
        except (OSError, IndexFileError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{edition.key}: {edition.items.count()} items, {edition.levels.count()} levels")
