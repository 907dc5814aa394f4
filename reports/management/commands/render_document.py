"""``python manage.py render_document KIND COMPANY_ID -o FILE``: render a PDF for batch printing.

KIND is ``dx_plan`` (DX推進計画書) or ``progress_report`` (進捗レポート). The PDF comes from the same
function the Celery task uses (``reports.documents.rendering.kind_render_pages``), inside the company's tenant
scope; no GeneratedDocument row is created. The file is written atomically (temporary file in the same
directory, then rename), so an interrupted run leaves no half file. Prints the path, pages and seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope, scopes_disabled

from dxcommunity.tenancy.models import Company
from reports.documents.rendering import kind_render_pages
from reports.models import GeneratedDocument
from reports.tasks import write_atomically

KINDS = (GeneratedDocument.Kind.DX_PLAN, GeneratedDocument.Kind.PROGRESS_REPORT)


class Command(BaseCommand):
    help = "Render a DX推進計画書 (dx_plan) or progress report (progress_report) PDF of a company to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="dx_plan | progress_report")
        parser.add_argument("company_id", type=int)
        parser.add_argument("-o", "--output", required=True, help="PDF file to write")

    def handle(self, *args, kind: str, company_id: int, output: str, **options) -> None:
        if kind not in KINDS:
            raise CommandError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
        with scopes_disabled():
            company = Company.objects.select_related("consortium").filter(pk=company_id).first()
        if company is None:
            raise CommandError(f"no company with id {company_id}")
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"directory {target.parent} does not exist")
        started = time.perf_counter()
        with scope(consortium=company.consortium):
            if kind == GeneratedDocument.Kind.DX_PLAN and not company.dx_plans.exists():
                raise CommandError(
                    f"company {company_id} ({company.name}) has no DX推進計画書 (not enrolled)"
                )
            pdf, pages = kind_render_pages(kind=kind, company=company)
        write_atomically(path=target, data=pdf)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{target}: {kind} of {company.name}, {pages} pages, {len(pdf)} bytes, {seconds:.2f} s"
        )
