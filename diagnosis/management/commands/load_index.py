from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diagnosis.index_loader import (
    DEFAULT_BENCHMARKS_FILE,
    DEFAULT_EDITION_FILE,
    IndexFileError,
    benchmarks_load,
    index_load,
)


class Command(BaseCommand):
    help = (
        "Load a DX推進指標 edition from a YAML data file (default: diagnosis/data/dxpi-2019.yaml); "
        "with the default file also IPA's benchmarks and the 定量指標 library (ipa-benchmarks.yaml)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_EDITION_FILE))
        parser.add_argument("--not-current", action="store_true", help="do not make it the default edition")
        parser.add_argument(
            "--benchmarks", default=None, help="benchmarks/indicator library YAML (default: with 2019 only)"
        )
        parser.add_argument(
            "--overwrite-texts", action="store_true", help="replace texts edited in the admin"
        )

    def handle(self, *args, path, not_current, overwrite_texts, benchmarks, **options):
        try:
            edition = index_load(
                path=Path(path), make_current=not not_current, overwrite_texts=overwrite_texts
            )
            self.stdout.write(
                f"{edition.key}: {edition.items.count()} items, {edition.levels.count()} levels"
            )
            # The bundled benchmark file belongs to the 2019 edition; another edition brings its own.
            if benchmarks is None and Path(path).resolve() == DEFAULT_EDITION_FILE.resolve():
                benchmarks = str(DEFAULT_BENCHMARKS_FILE)
            if benchmarks:
                years, indicators = benchmarks_load(path=Path(benchmarks))
                self.stdout.write(f"benchmarks: {years} years, {indicators} library indicators")
        except (OSError, IndexFileError) as exc:
            raise CommandError(str(exc)) from exc
