"""``python manage.py bench diagnosis [--n 1000] [--keep]``: measure the self-diagnosis at scale (``bench
track``, ``bench program`` and ``bench history`` are in their own modules of ``dxcommunity.bench``).

In a throwaway consortium (created here, deleted at the end unless ``--keep``) it bulk-creates ``n``
submitted diagnoses of the DX推進指標 (35 answers each, random maturity 0–5), then prints:

- the result page's server time over ``--requests`` GETs (median, p95 in ms, Django test client, logged in
  as a coordinator who has a TOTP authenticator, as the MFA middleware requires) and its query count,
  and the same count with 10 diagnoses (the page must not depend on the number of diagnoses; ≤ 15);
- .xlsx export + import time for one diagnosis (``diagnosis.excel``; "not available" when missing);
- the consortium means over all n diagnoses (time and values).

Numbers are measurements on this machine, not assertions; tests only check that the lines are printed.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import statistics
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from diagnosis.models import Diagnosis, DiagnosisAnswer, IndexEdition, IndexItem
from dxcommunity.tenancy.models import Company, Consortium, Membership, Region

QUERY_LIMIT = 15  # the result page's budget, whatever the number of diagnoses


def create_submitted_diagnoses(
    *, consortium: Consortium, edition: IndexEdition, companies: list[Company], n: int, seed: int = 2022
) -> list[Diagnosis]:
    """``n`` submitted diagnoses spread over ``companies`` (round robin), 35 random answers each
    (current 0–4, target current..5), with bulk_create (no history rows: benchmark data). Returns them."""
    rng = random.Random(seed)
    now = timezone.now()
    items = list(IndexItem.objects.filter(edition=edition).order_by("order").values_list("pk", flat=True))
    diagnoses = Diagnosis.objects.bulk_create(
        [
            Diagnosis(
                consortium=consortium,
                company=companies[i % len(companies)],
                edition=edition,
                status=Diagnosis.Status.SUBMITTED,
                submitted_at=now - dt.timedelta(minutes=n - i),
                advice_mode=Diagnosis.AdviceMode.ONLINE,
                dx_stage=rng.randint(1, 4),
            )
            for i in range(n)
        ],
        batch_size=500,
    )
    answers = []
    for d in diagnoses:
        for item_id in items:
            current = rng.randint(0, 4)
            answers.append(
                DiagnosisAnswer(
                    consortium=consortium,
                    diagnosis=d,
                    item_id=item_id,
                    current=current,
                    target=rng.randint(current, 5),
                )
            )
    DiagnosisAnswer.objects.bulk_create(answers, batch_size=2000)
    return diagnoses


def consortium_delete(*, consortium: Consortium) -> None:
    """Delete a throwaway consortium and everything in it (companies first: regions are PROTECTed).

    The bulk-created answers and diagnoses never had history rows; deleting them row by row would write a
    history row each (simple-history's post_delete) and take a minute for 35,000 answers, so they go with
    one DELETE per table. The rest (few rows) goes through the ORM's cascade.
    """
    for model in (DiagnosisAnswer, Diagnosis):
        qs = model.objects.filter(consortium=consortium)
        qs._raw_delete(qs.db)  # noqa: SLF001 - see the docstring
    Company.objects.filter(consortium=consortium).delete()
    Membership.objects.filter(consortium=consortium).delete()
    Region.objects.filter(consortium=consortium).delete()
    consortium.delete()


# Queries every tenant page makes before and after the view (session, user, MFA check, session save);
# the membership read and the nav's consortium list are counted by ``_shared_queries`` too.
SHARED_TABLES = ('"django_session"', '"mfa_authenticator"')


def _shared_queries(captured: list[dict[str, Any]]) -> int:
    """How many of a request's queries are the per-request overhead shared by every tenant page."""
    shared = 0
    seen_user = seen_membership = False
    for q in captured:
        sql = q["sql"]
        if sql in ("BEGIN", "COMMIT") or any(t in sql for t in SHARED_TABLES):
            shared += 1
        elif sql.startswith('SELECT "auth_user"') and not seen_user:
            shared, seen_user = shared + 1, True
        elif 'FROM "dxcommunity_membership"' in sql and not seen_membership:
            shared, seen_membership = shared + 1, True
        elif 'FROM "dxcommunity_membership" INNER JOIN "dxcommunity_consortium"' in sql:
            shared += 1  # the nav's list of the user's consortia (base.html)
    return shared


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


class Command(BaseCommand):
    help = (
        "Benchmarks: `bench diagnosis` (result page, Excel round trip, consortium means); "
        "`bench track` (plan / progress report PDFs, track page queries: dxcommunity.bench.track); "
        "`bench program` (program dashboard at 100 and 10,000 companies, results report .xlsx: "
        "dxcommunity.bench.program); "
        "`bench history` (a company's history page over 5 program years: dxcommunity.bench.history)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", choices=["diagnosis", "track", "program", "history"])
        parser.add_argument(
            "--n", type=int, default=1000, help="submitted diagnoses to create (default 1000)"
        )
        parser.add_argument("--requests", type=int, default=30, help="result page GETs to time (default 30)")
        parser.add_argument("--keep", action="store_true", help="keep the throwaway consortium")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["target"] == "program":
            from dxcommunity.bench.program import bench_program

            bench_program(write=self.stdout.write, keep=options["keep"])
            return
        if options["target"] == "history":
            from dxcommunity.bench.history import bench_history

            bench_history(write=self.stdout.write, keep=options["keep"])
            return
        if options["target"] == "track":
            from dxcommunity.bench.track import bench_track

            bench_track(write=self.stdout.write)
            return
        n = options["n"]
        if n < 10:
            raise CommandError("--n must be at least 10 (the page is also measured with 10 diagnoses).")
        with scopes_disabled():
            edition = IndexEdition.objects.order_by("-pk").first()
            if edition is None:
                raise CommandError("No DX推進指標 edition: run `manage.py load_index` first.")
            self._run(edition=edition, n=n, requests=options["requests"], keep=options["keep"])

    def _line(self, label: str, value: str) -> None:
        self.stdout.write(f"{label:<44} {value}")

    def _run(self, *, edition: IndexEdition, n: int, requests: int, keep: bool) -> None:
        tag = secrets.token_hex(4)
        consortium = Consortium.objects.create(name=f"ベンチマーク {tag}", slug=f"bench-{tag}")
        users = []
        try:
            region = Region.objects.create(consortium=consortium, name="ベンチ県", key="bench")
            # Two diagnoses per company (a re-diagnosis each), so the measured page shows the Δ column.
            companies = Company.objects.bulk_create(
                [
                    Company(consortium=consortium, name=f"ベンチ株式会社{i:04d}", region=region)
                    for i in range(max(5, n // 2))
                ]
            )
            started = time.perf_counter()
            diagnoses = create_submitted_diagnoses(
                consortium=consortium, edition=edition, companies=companies, n=n
            )
            created_s = time.perf_counter() - started
            User = get_user_model()
            coordinator = User.objects.create_user(
                email=f"bench-{tag}@example.invalid", username=f"bench-{tag}", password=None
            )
            member = User.objects.create_user(
                email=f"bench-{tag}-company@example.invalid", username=f"bench-{tag}-company", password=None
            )
            users = [coordinator, member]
            Membership.objects.create(
                consortium=consortium, user=coordinator, role=Membership.Role.COORDINATOR
            )
            Membership.objects.create(
                consortium=consortium,
                user=member,
                role=Membership.Role.COMPANY_MEMBER,
                company=companies[0],
                is_executive=True,
            )
            # The MFA middleware sends coordinators without TOTP to the activation page: give the bench
            # user a real TOTP authenticator instead of bypassing the middleware.
            from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

            TOTP.activate(coordinator, generate_totp_secret())

            self.stdout.write(
                f"bench diagnosis: n={n} submitted diagnoses (35 answers each), edition {edition.key}"
            )
            self._line("create (bulk_create)", f"{created_s:.2f} s")
            client = Client(HTTP_HOST="localhost")
            client.force_login(coordinator)
            # Measure a diagnosis of a company that has a previous one (Δ column shown).
            subject = diagnoses[len(companies)] if n > len(companies) else diagnoses[-1]
            url = reverse("diagnosis:result", args=[consortium.slug, subject.pk])
            first = client.get(url)
            if first.status_code != 200:
                raise CommandError(f"result page answered {first.status_code} (expected 200)")
            timings = []
            for _ in range(requests):
                t0 = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - t0) * 1000)
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            queries_n = len(ctx.captured_queries)
            own_n = queries_n - _shared_queries(ctx.captured_queries)
            self._line(
                f"result page server time ({requests} GETs)",
                f"median {statistics.median(timings):.1f} ms, p95 {_percentile(timings, 95):.1f} ms",
            )
            self._line(
                f"result page queries (n={n})",
                f"{queries_n} per request = {own_n} of the page (budget ≤ {QUERY_LIMIT})"
                f" + {queries_n - own_n} shared by every tenant page (session, user, membership, MFA, nav)",
            )

            small = self._small_consortium_queries(edition=edition, tag=tag, users=users)
            verdict = "constant" if small == queries_n else "DIFFERS"
            self._line("result page queries (n=10)", f"{small} per request ({verdict})")

            self._excel(subject=subject, company=companies[0], member=member, edition=edition)

            from diagnosis.selectors import consortium_item_means

            t0 = time.perf_counter()
            means = consortium_item_means(consortium_id=consortium.pk, edition_id=edition.pk)
            means_ms = (time.perf_counter() - t0) * 1000
            sums = list(means["sums"].values())
            cur = sum(s[0] for s in sums) / max(1, sum(s[1] for s in sums))
            tgt = sum(s[2] for s in sums) / max(1, sum(s[3] for s in sums))
            self._line(
                f"consortium means over {means['diagnoses']} diagnoses", f"{means_ms:.1f} ms (1 query)"
            )
            self._line("consortium mean current / target", f"{cur:.2f} / {tgt:.2f}")
        finally:
            if keep:
                self.stdout.write(f"kept consortium {consortium.slug}")
            else:
                t0 = time.perf_counter()
                consortium_delete(consortium=consortium)
                for u in users:
                    u.delete()
                self.stdout.write(f"cleaned up ({time.perf_counter() - t0:.1f} s)")

    def _small_consortium_queries(self, *, edition: IndexEdition, tag: str, users: list[Any]) -> int:
        """The result page's query count in a consortium with 10 diagnoses (same shape of data)."""
        small = Consortium.objects.create(name=f"ベンチマーク小 {tag}", slug=f"bench-small-{tag}")
        try:
            region = Region.objects.create(consortium=small, name="ベンチ県", key="bench")
            companies = Company.objects.bulk_create(
                [Company(consortium=small, name=f"小ベンチ株式会社{i}", region=region) for i in range(5)]
            )
            diagnoses = create_submitted_diagnoses(
                consortium=small, edition=edition, companies=companies, n=10
            )
            Membership.objects.create(consortium=small, user=users[0], role=Membership.Role.COORDINATOR)
            client = Client(HTTP_HOST="localhost")
            client.force_login(users[0])
            url = reverse("diagnosis:result", args=[small.slug, diagnoses[5].pk])
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            return len(ctx.captured_queries)
        finally:
            consortium_delete(consortium=small)

    def _excel(self, *, subject: Diagnosis, company: Company, member: Any, edition: IndexEdition) -> None:
        from django_scopes import scope

        from diagnosis.excel.workbook import diagnosis_export_xlsx, diagnosis_import_xlsx

        with scope(consortium=subject.consortium):
            t0 = time.perf_counter()
            data = diagnosis_export_xlsx(diagnosis=subject)
            export_ms = (time.perf_counter() - t0) * 1000
            draft = Diagnosis.objects.create(consortium=subject.consortium, company=company, edition=edition)
            t0 = time.perf_counter()
            diagnosis_import_xlsx(diagnosis=draft, uploaded_file=data, user=member)
            import_ms = (time.perf_counter() - t0) * 1000
        total = export_ms + import_ms
        verdict = "ok" if total < 500 else "OVER"
        self._line(
            ".xlsx export + import (one diagnosis)",
            f"export {export_ms:.1f} ms + import {import_ms:.1f} ms = {total:.1f} ms"
            f" ({verdict}; target < 500 ms)",
        )
