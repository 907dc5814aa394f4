"""A world for the access tests: both companies of the cast carry everything a company page links to.

cast.company (茨城, 常陽銀行's client, recommended by 茨城県経営者協会) and cast.other_company
(長野, 八十二銀行's client) each get: a submitted diagnosis, an accompaniment track (leader cast.itc /
cast.itc_nagano, bank 常陽 / 八十二) with session 1 logged and one homework item, a DX plan, a ready
DX plan PDF, a ready progress report, a failed PDF, and a matching request addressed to cast.vendor.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile

from accompaniment.services import SessionLogData, session_log_submit, track_enroll
from diagnosis.services import diagnosis_save_draft, diagnosis_start, diagnosis_submit
from dxcommunity.tenancy.models import Membership
from matching.models import MatchingRequest
from programs.models import Participation
from reports.models import GeneratedDocument
from tests.diagnosis.factories import all_answers


def _objects(cast, company, member, leader, bank) -> SimpleNamespace:
    o = SimpleNamespace(company=company)
    diagnosis = diagnosis_start(company=company, user=member)
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=member,
        answers=all_answers(diagnosis.edition),
        meta={"advice_mode": "online"},
    )
    o.diagnosis = diagnosis_submit(diagnosis=diagnosis, user=member)
    Participation.objects.filter(company=company, program=cast.program).update(
        stage=Participation.Stage.DIAGNOSED
    )
    o.track = track_enroll(
        company=company, leader=leader, bank=bank, program=cast.program, user=cast.coordinator
    )
    o.session = o.track.sessions.get(number=1)
    session_log_submit(
        session=o.session,
        author=leader,
        data=SessionLogData(
            date=dt.date(2022, 9, 12),
            agenda="経営理念の確認",
            discussion=f"{company.name} の理念を再確認した",
            attendees=[("itc_leader", "伴走 一郎")],
            homework=[("ミッション案の作成", "経営者", None)],
        ),
    )
    o.homework = o.session.homework.get()
    o.plan = o.track.participation.dx_plan
    o.plan_pdf = GeneratedDocument.objects.create(
        consortium=cast.consortium, kind="dx_plan", company=company, status="ready"
    )
    o.plan_pdf.file.save(f"dx_plan-{company.pk}.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    o.report_pdf = GeneratedDocument.objects.create(
        consortium=cast.consortium, kind="progress_report", company=company, status="ready"
    )
    o.report_pdf.file.save(f"progress-{company.pk}.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    o.failed_pdf = GeneratedDocument.objects.create(
        consortium=cast.consortium, kind="dx_plan", company=company, status="failed", error="boom"
    )
    o.request = MatchingRequest.objects.create(
        consortium=cast.consortium,
        company=company,
        title=f"{company.name} 在庫管理",
        category="core_business",
    )
    o.request.vendors.set([cast.vendor])
    return o


@pytest.fixture
def world(cast):
    """``cast`` plus ``world.own`` (cast.company's objects) and ``world.other`` (cast.other_company's)."""
    cast.own = _objects(cast, cast.company, cast.company_user, cast.itc, cast.bank)
    cast.theirs = _objects(
        cast, cast.other_company, cast.other_company_user, cast.itc_nagano, cast.other_bank
    )
    return cast


def membership(cast, user) -> Membership:
    return Membership.objects.select_related("consortium", "user").get(user=user)
