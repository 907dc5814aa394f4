"""Helpers shared by the accompaniment and reports tests."""

from __future__ import annotations

import datetime as dt

from accompaniment.models import DxPlan
from accompaniment.services import SessionLogData, plan_update, session_log_submit, track_enroll
from programs.models import Participation


def enroll(cast, company=None, *, leader=None, bank=None):
    """Enroll ``company`` (default cast.company, moved to stage diagnosed) with cast.itc and cast.bank."""
    company = company or cast.company
    Participation.objects.filter(company=company, program=cast.program).update(
        stage=Participation.Stage.DIAGNOSED
    )
    return track_enroll(
        company=company,
        leader=leader or cast.itc,
        bank=bank if bank is not None else cast.bank,
        program=cast.program,
        user=cast.coordinator,
    )


def log_first_session(cast, track):
    """The ITC logs session 1 with two attendees and one homework item."""
    session = track.sessions.get(number=1)
    return session_log_submit(
        session=session,
        author=cast.itc,
        data=SessionLogData(
            date=dt.date(2022, 9, 12),
            agenda="経営理念の確認",
            discussion="創業以来の理念を再確認した",
            decisions="ミッションを一文にまとめる",
            next_session_date=dt.date(2022, 9, 26),
            attendees=[("itc_leader", "伴走 一郎"), ("company_executive", "精密 太郎")],
            homework=[("ミッション案の作成", "精密 太郎", dt.date(2022, 9, 25))],
        ),
    )


def fill_plan(cast, company=None):
    """Fill every section of the company's plan (as the ITC leader)."""
    company = company or cast.company
    plan = DxPlan.objects.get(company=company)
    return plan_update(
        plan=plan,
        user=cast.itc,
        data={name: f"{name} の内容：デジタル化を進める。" for name, _n in DxPlan.SECTIONS},
    )
