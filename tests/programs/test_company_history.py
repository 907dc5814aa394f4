"""これまでの支援（履歴） (``companies:history``): the company's whole history, part by part per role; the
re-diagnosis comparison (T0 → T1) with the sessions that worked on each changed item; the session log's
DX推進指標 items.

World (``history``): cast.company takes part in the cast's program (令和4年度) and in a second one
(令和5年度, continuing the first). T0: a submitted diagnosis of the first year (2022-08-10), T1: one of the
second (2023-08-10), same edition; items 1 and 2 rise, item 3 falls, the rest stay. The first year's track
(leader cast.itc, bank 常陽銀行) has session 1 (2022-09-12) naming items 1 and 4, session 2 (2022-09-26)
naming item 3, and session 3 held after T1 (2023-09-01) naming item 1. Plus a seminar registration, an
application, a matching request with a contract, a survey answer and a share with 八十二銀行.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accompaniment.models import (
    AccompanimentSession,
    AccompanimentTrack,
    DxPlan,
    SatisfactionResponse,
    SessionLog,
)
from accompaniment.services import SessionLogData, session_log_submit
from diagnosis.models import Diagnosis, DiagnosisAnswer, IndexEdition, IndexGroup, IndexItem
from diagnosis.results.changes import diagnosis_item_changes
from dxcommunity.consent.models import AccessLog, CompanyShare
from matching.models import MatchingRequest
from programs.models import CompanyApplication, Event, Participation, Program, SeminarRegistration
from tests.accompaniment.factories import enroll

pytestmark = pytest.mark.django_db

# The number of queries of the history page for a coordinator, request overhead included (session, user,
# membership, MFA, the nav's consortium list): the page's own are about 20 (see ``bench history``).
HISTORY_QUERY_BUDGET = 28


def history_url(company, **query) -> str:
    url = reverse("companies:history", kwargs={"consortium_slug": "dx", "pk": company.pk})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def aware(y, m, d, h=10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, h))


def make_diagnosis(cast, *, participation, submitted_at, currents: dict[int, int], edition=None, default=2):
    """A submitted diagnosis of cast.company with the current maturity ``currents[item pk]`` (else
    ``default``) and target 4 on every item of ``edition`` (default: the cast's)."""
    edition = edition or cast.index_edition
    diagnosis = Diagnosis.objects.create(
        consortium=cast.consortium,
        company=cast.company,
        participation=participation,
        edition=edition,
        status=Diagnosis.Status.SUBMITTED,
        submitted_at=submitted_at,
    )
    DiagnosisAnswer.objects.bulk_create(
        [
            DiagnosisAnswer(
                consortium=cast.consortium,
                diagnosis=diagnosis,
                item=item,
                current=currents.get(item.pk, default),
                target=4,
            )
            for item in IndexItem.objects.filter(edition=edition).order_by("order")
        ]
    )
    return diagnosis


def log_session(cast, session, *, date, items, agenda="テーマの検討"):
    return session_log_submit(
        session=session,
        author=cast.itc,
        data=SessionLogData(date=date, agenda=agenda, item_ids=[i.pk for i in items]),
    )


@pytest.fixture
def history(cast):
    w = SimpleNamespace()
    items = list(IndexItem.objects.filter(edition=cast.index_edition).order_by("group__order", "order"))
    w.items = items
    w.program2 = Program.objects.create(
        consortium=cast.consortium, name="令和5年度 茨城・長野DX推進コミュニティ", fiscal_year=2023
    )
    w.participation2 = Participation.objects.create(
        consortium=cast.consortium,
        company=cast.company,
        program=w.program2,
        previous=cast.participation,
        stage=Participation.Stage.DIAGNOSED,
    )
    w.t0 = make_diagnosis(
        cast,
        participation=cast.participation,
        submitted_at=aware(2022, 8, 10),
        currents={items[0].pk: 1, items[1].pk: 2, items[2].pk: 3},
    )
    w.track = enroll(cast)  # 令和4年度, leader cast.itc, bank 常陽銀行
    sessions = {s.number: s for s in w.track.sessions.all()}
    log_session(cast, sessions[1], date=dt.date(2022, 9, 12), items=[items[0], items[3]])
    log_session(cast, sessions[2], date=dt.date(2022, 9, 26), items=[items[2]])
    log_session(cast, sessions[3], date=dt.date(2023, 9, 1), items=[items[0]])  # after T1
    w.sessions = sessions
    w.t1 = make_diagnosis(
        cast,
        participation=w.participation2,
        submitted_at=aware(2023, 8, 10),
        currents={items[0].pk: 3, items[1].pk: 3, items[2].pk: 1},
    )
    event = Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=Event.Kind.AWARENESS_SEMINAR,
        title="DX気づきセミナー",
        starts_at=aware(2022, 7, 15, 14),
    )
    SeminarRegistration.objects.create(
        consortium=cast.consortium,
        event=event,
        company=cast.company,
        name="精密 太郎",
        email="ceo@example.com",
        attended=True,
    )
    CompanyApplication.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        company=cast.company,
        company_name=cast.company.name,
        applicant_name="応募 担当者",
        email="apply@example.com",
        region=cast.ibaraki,
    )
    request = MatchingRequest.objects.create(
        consortium=cast.consortium,
        company=cast.company,
        program=cast.program,
        title="在庫管理システムの導入",
        category="core_business",
        status=MatchingRequest.Status.CONTRACT,
        contract_amount=1200000,
    )
    request.vendors.set([cast.vendor])
    SatisfactionResponse.objects.create(
        consortium=cast.consortium,
        kind=SatisfactionResponse.Kind.SESSION,
        program=cast.program,
        company=cast.company,
        session=sessions[1],
        respondent=cast.company_user,
        satisfaction=5,
        comment="とても参考になった",
    )
    CompanyShare.objects.create(
        consortium=cast.consortium,
        company=cast.company,
        organization=cast.other_bank,
        subject=CompanyShare.Subject.PLAN,
        granted_by=cast.company_user,
    )
    AccessLog.objects.create(
        consortium=cast.consortium,
        company=cast.company,
        user=cast.bank_user,
        organization=cast.bank,
        subject=AccessLog.Subject.PLAN,
    )
    return w


# --- parts per role --------------------------------------------------------------------------------------

PARTICIPATIONS = ("令和4年度", "令和5年度 茨城・長野DX推進コミュニティ", "からの継続")
FULL_PARTS = (
    'id="history-seminars"',
    "DX気づきセミナー",
    'id="history-applications"',
    "応募 担当者",
    'id="history-diagnoses"',
    'id="history-rediagnosis"',
    'id="history-tracks"',
    'id="history-plans"',
    'id="history-matching"',
    "在庫管理システムの導入",
    "1200000",
)
COORDINATOR_ONLY = ('id="history-surveys"', "とても参考になった", 'id="history-consent"', "八十二銀行")


def test_coordinator_sees_every_part(cast, history, login):
    response = login(cast.coordinator).get(history_url(cast.company))
    assert response.status_code == 200
    html = response.content.decode()
    for text in PARTICIPATIONS + FULL_PARTS + COORDINATOR_ONLY:
        assert text in html, text
    # The stage of each participation (令和4年度: 伴走支援中 after the enrolment; 令和5年度: 自己診断提出).
    assert "伴走支援中" in html and "自己診断提出" in html
    assert 'id="history-stage-only"' not in html


def test_main_bank_sees_the_journey_but_not_consent_nor_surveys(cast, history, login):
    """常陽銀行 is the company's main bank (FULL_READ, read only): every journey part; the consent shares and
    the survey answers are for the company and the coordinators."""
    html = login(cast.bank_user).get(history_url(cast.company)).content.decode()
    for text in PARTICIPATIONS + FULL_PARTS:
        assert text in html, text
    for text in COORDINATOR_ONLY:
        assert text not in html, text


def test_stage_level_viewers_see_the_participations_only(cast, history, login):
    """The recommending association (STAGE) and 八十二銀行, which the company shared its plan with (a share
    gives STAGE on the company, not the history): the participations and stages, nothing beyond."""
    for user in (cast.association_user, cast.other_bank_user):
        response = login(user).get(history_url(cast.company))
        assert response.status_code == 200, user
        html = response.content.decode()
        for text in PARTICIPATIONS:
            assert text in html, (user, text)
        assert 'id="history-stage-only"' in html
        for text in FULL_PARTS + COORDINATOR_ONLY:
            assert text not in html, (user, text)


def test_track_leader_sees_the_surveys_of_the_track_it_leads(cast, history, login):
    """cast.itc leads the 令和4年度 track (assigned: FULL): the journey parts and that year's survey answers,
    without the respondents (coordinators only) nor the consent part."""
    html = login(cast.itc).get(history_url(cast.company)).content.decode()
    for text in PARTICIPATIONS + FULL_PARTS + ('id="history-surveys"', "とても参考になった"):
        assert text in html, text
    assert 'id="history-consent"' not in html and "回答者" not in html


def test_other_bank_guessing_the_url_gets_404(cast, history, login):
    """八十二銀行 without a share, another region's ITC, another company, another tenant: 404 as the company
    page; the same URL answers its own client's bank (200)."""
    CompanyShare.objects.filter(company=cast.company).delete()
    for user in (cast.other_bank_user, cast.itc_nagano, cast.other_company_user, cast.stranger_coordinator):
        assert login(user).get(history_url(cast.company)).status_code == 404, user
    assert login(cast.bank_user).get(history_url(cast.company)).status_code == 200


def test_company_page_links_the_history(cast, login):
    html = (
        login(cast.bank_user).get(reverse("companies:detail", args=["dx", cast.company.pk])).content.decode()
    )
    assert "これまでの支援（履歴）" in html and history_url(cast.company) in html


# --- the comparison ----------------------------------------------------------------------------------------


def test_item_changes_between_two_diagnoses(cast, history):
    items = history.items
    rows = diagnosis_item_changes(a=history.t0, b=history.t1)
    assert [r.item.pk for r in rows] == [i.pk for i in items]  # every item, in index order
    by_item = {r.item.pk: r for r in rows}
    assert (by_item[items[0].pk].a_current, by_item[items[0].pk].b_current, by_item[items[0].pk].delta) == (
        1,
        3,
        2,
    )
    assert by_item[items[1].pk].delta == 1
    assert by_item[items[2].pk].delta == -2
    assert by_item[items[3].pk].delta == 0 and not by_item[items[3].pk].changed
    assert [r.item.pk for r in rows if r.changed] == [items[0].pk, items[1].pk, items[2].pk]
    # Asked the other way round, the changes change sign.
    assert {r.item.pk: r.delta for r in diagnosis_item_changes(a=history.t1, b=history.t0)}[items[0].pk] == -2


def test_page_shows_changes_and_the_sessions_that_worked_on_them(cast, history, login):
    """Default pair: the first and the latest submitted diagnosis of the edition (T0 → T1). Item 1 changed
    and session 1 (between T0 and T1) named it: listed; session 3 (after T1) is not. Item 3 changed with
    session 2. Item 4 was named by session 1 but did not change: no support listed."""
    response = login(cast.coordinator).get(history_url(cast.company))
    parts = {p["app"]: p["context"] for p in response.context["parts"]}
    comparison = parts["diagnosis"]["comparison"]
    assert (comparison["a"], comparison["b"]) == (history.t0, history.t1)
    assert comparison["changed"] == 3
    rows = {r["change"].item.pk: r for r in comparison["rows"]}
    items, s = history.items, history.sessions
    assert [x.pk for x in rows[items[0].pk]["sessions"]] == [s[1].pk]
    assert rows[items[1].pk]["sessions"] == []
    assert [x.pk for x in rows[items[2].pk]["sessions"]] == [s[2].pk]
    assert rows[items[3].pk]["sessions"] == []  # named, but unchanged
    ref = rows[items[0].pk]["sessions"][0]
    assert (ref.number, ref.date, ref.program_name) == (
        1,
        dt.date(2022, 9, 12),
        "令和4年度 " + cast.program.name,
    )
    html = response.content.decode()
    assert "+2" in html and "−2" in html and "変化した項目: 3件" in html
    assert reverse("accompaniment:session_log", args=["dx", s[1].pk]) in html
    assert reverse("accompaniment:session_log", args=["dx", s[3].pk]) not in html


def test_any_two_diagnoses_can_be_chosen(cast, history, login):
    """A third diagnosis (2024) where nothing moved since T1: a=T1, b=T2 shows no change; a=T0, b=T2 the
    changes since T0 with the sessions up to T2 (session 3, 2023-09-01, now in the range)."""
    items = history.items
    program3 = Program.objects.create(consortium=cast.consortium, name="令和6年度", fiscal_year=2024)
    p3 = Participation.objects.create(consortium=cast.consortium, company=cast.company, program=program3)
    t2 = make_diagnosis(
        cast,
        participation=p3,
        submitted_at=aware(2024, 8, 10),
        currents={items[0].pk: 3, items[1].pk: 3, items[2].pk: 1},
    )
    client = login(cast.coordinator)
    parts = {
        p["app"]: p["context"]
        for p in client.get(history_url(cast.company, a=history.t1.pk, b=t2.pk)).context["parts"]
    }
    assert parts["diagnosis"]["comparison"]["changed"] == 0
    parts = {
        p["app"]: p["context"]
        for p in client.get(history_url(cast.company, a=history.t0.pk, b=t2.pk)).context["parts"]
    }
    rows = {r["change"].item.pk: r for r in parts["diagnosis"]["comparison"]["rows"]}
    assert [x.pk for x in rows[items[0].pk]["sessions"]] == [history.sessions[1].pk, history.sessions[3].pk]


def test_different_editions_are_refused(cast, history, login):
    edition = IndexEdition.objects.create(key="dxpi-test", name="DX推進指標 テスト版")
    group = IndexGroup.objects.create(edition=edition, key="management", name="経営", order=1)
    IndexItem.objects.create(edition=edition, group=group, code="1", kind="key", title="ビジョン", order=1)
    other = make_diagnosis(
        cast,
        participation=history.participation2,
        submitted_at=aware(2023, 9, 1),
        currents={},
        edition=edition,
    )
    with pytest.raises(ValidationError) as exc:
        diagnosis_item_changes(a=history.t0, b=other)
    assert exc.value.code == "edition_mismatch"
    response = login(cast.coordinator).get(history_url(cast.company, a=history.t0.pk, b=other.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "DX推進指標の版が異なる自己診断は比較できません" in html
    parts = {p["app"]: p["context"] for p in response.context["parts"]}
    assert parts["diagnosis"]["comparison"]["rows"] == []
    # The default pair stays within the latest diagnosis's edition: the newest (other edition) has no
    # earlier one of its own, so nothing is compared and the page says why.
    html = login(cast.coordinator).get(history_url(cast.company)).content.decode()
    assert "同じ版の提出済みの自己診断が2件以上になると" in html


def test_bad_choices_are_a_clear_error(cast, history, login):
    client = login(cast.coordinator)
    html = client.get(history_url(cast.company, a=history.t0.pk, b=999999)).content.decode()
    assert "この企業の提出済みの自己診断から選んでください（指定: 999999）" in html
    html = client.get(history_url(cast.company, a=history.t0.pk, b=history.t0.pk)).content.decode()
    assert "異なる2つの自己診断を選んでください。" in html
    # Another company's diagnosis is not a choice either.
    foreign = Diagnosis.objects.create(
        consortium=cast.consortium,
        company=cast.other_company,
        participation=cast.other_participation,
        edition=cast.index_edition,
        status=Diagnosis.Status.SUBMITTED,
        submitted_at=aware(2022, 8, 12),
    )
    html = client.get(history_url(cast.company, a=history.t0.pk, b=foreign.pk)).content.decode()
    assert f"（指定: {foreign.pk}）" in html


# --- query count -------------------------------------------------------------------------------------------


def _participations(cast, years) -> None:
    """cast.company in the programs of ``years`` (2022: the cast's), each year with a submitted diagnosis,
    a track of 10 sessions (all held, each naming two items), a plan, a matching request, a seminar
    registration, an application and a survey answer."""
    items = list(IndexItem.objects.filter(edition=cast.index_edition).order_by("order"))
    previous = None
    for i, fy in enumerate(years):
        program = (
            cast.program
            if fy == 2022
            else Program.objects.create(consortium=cast.consortium, name=f"事業{fy}", fiscal_year=fy)
        )
        participation, _ = Participation.objects.update_or_create(
            consortium=cast.consortium,
            company=cast.company,
            program=program,
            defaults={"previous": previous, "stage": Participation.Stage.ACCOMPANIMENT},
        )
        previous = participation
        make_diagnosis(
            cast,
            participation=participation,
            submitted_at=aware(fy, 8, 1),
            currents={item.pk: (i + n) % 6 for n, item in enumerate(items)},
        )
        track = AccompanimentTrack.objects.create(
            consortium=cast.consortium,
            participation=participation,
            company=cast.company,
            program=program,
            leader=cast.itc,
            bank=cast.bank,
        )
        sessions = AccompanimentSession.objects.bulk_create(
            [
                AccompanimentSession(
                    consortium=cast.consortium,
                    track=track,
                    number=n,
                    theme=f"第{n}回",
                    status=AccompanimentSession.Status.HELD,
                    date=dt.date(fy, 9, 1) + dt.timedelta(days=14 * n),
                )
                for n in range(1, 11)
            ]
        )
        for n, s in enumerate(sessions):
            log = SessionLog.objects.create(consortium=cast.consortium, session=s, author=cast.itc)
            log.items.set([items[n % len(items)], items[(n + 7) % len(items)]])
        DxPlan.objects.create(consortium=cast.consortium, participation=participation, company=cast.company)
        request = MatchingRequest.objects.create(
            consortium=cast.consortium,
            company=cast.company,
            program=program,
            title=f"ニーズ{fy}",
            category="ai",
        )
        request.vendors.set([cast.vendor])
        event = Event.objects.create(
            consortium=cast.consortium,
            program=program,
            kind=Event.Kind.AWARENESS_SEMINAR,
            title=f"セミナー{fy}",
            starts_at=aware(fy, 7, 1),
        )
        SeminarRegistration.objects.create(
            consortium=cast.consortium,
            event=event,
            company=cast.company,
            name="精密 太郎",
            email=f"{fy}@example.com",
        )
        CompanyApplication.objects.create(
            consortium=cast.consortium,
            program=program,
            company=cast.company,
            company_name=cast.company.name,
            applicant_name="担当",
            email=f"a{fy}@example.com",
            region=cast.ibaraki,
        )
        SatisfactionResponse.objects.create(
            consortium=cast.consortium,
            kind=SatisfactionResponse.Kind.SESSION,
            program=program,
            company=cast.company,
            session=sessions[0],
            respondent=cast.company_user,
            satisfaction=4,
        )


def test_query_count_is_bounded_with_five_participations(cast, login, django_assert_max_num_queries):
    """The same number of queries for 2 years of everything as for 5 (nothing per participation, diagnosis,
    item or session), within the budget, for the coordinator and for the main bank."""
    client = login(cast.coordinator)
    _participations(cast, [2021, 2022])
    client.get(history_url(cast.company))  # warm the session
    with CaptureQueriesContext(connection) as two:
        assert client.get(history_url(cast.company)).status_code == 200
    _participations(cast, [2019, 2020, 2023])
    with django_assert_max_num_queries(HISTORY_QUERY_BUDGET):
        response = client.get(history_url(cast.company))
    parts = {p["app"]: p["context"] for p in response.context["parts"]}
    assert len(parts["accompaniment"]["tracks"]) == 5 and len(parts["diagnosis"]["diagnoses"]) == 5
    assert len(parts["matching"]["requests"]) == 5 and len(response.context["participations"]) == 5
    assert parts["diagnosis"]["comparison"]["rows"] and any(
        r["sessions"] for r in parts["diagnosis"]["comparison"]["rows"]
    )
    with CaptureQueriesContext(connection) as five:
        client.get(history_url(cast.company))
    assert len(five.captured_queries) == len(two.captured_queries), [q["sql"] for q in five.captured_queries]
    bank = login(cast.bank_user)
    bank.get(history_url(cast.company))
    with django_assert_max_num_queries(HISTORY_QUERY_BUDGET):
        assert bank.get(history_url(cast.company)).status_code == 200


# --- session log items -------------------------------------------------------------------------------------


def _log_post(cast, session, **extra) -> dict:
    return {
        "date": "2022-09-12",
        "agenda": "ビジョンの検討",
        "discussion": "目指す姿を議論した",
        "attendee_role_1": "itc_leader",
        "attendee_name_1": "伴走 一郎",
        "version": "0",
        **extra,
    }


def test_session_log_form_offers_items_by_group_and_saves_them(cast, login):
    track = enroll(cast)
    s1 = track.sessions.get(number=1)
    items = list(IndexItem.objects.filter(edition=cast.index_edition).order_by("order"))
    client = login(cast.itc)
    html = client.get(reverse("accompaniment:session_log", args=["dx", s1.pk])).content.decode()
    assert 'name="items"' in html and "扱ったDX推進指標の項目" in html
    for group in IndexGroup.objects.filter(edition=cast.index_edition):
        assert group.name in html
    data = _log_post(cast, s1)
    data_items = [str(items[0].pk), str(items[5].pk)]
    response = client.post(
        reverse("accompaniment:session_log", args=["dx", s1.pk]), {**data, "items": data_items}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    log = SessionLog.objects.get(session=s1)
    assert set(log.items.values_list("pk", flat=True)) == {items[0].pk, items[5].pk}
    # The session page shows them (read only for the bank; ticked on the ITC's form).
    page = (
        login(cast.bank_user).get(reverse("accompaniment:session_log", args=["dx", s1.pk])).content.decode()
    )
    assert f"{items[0].code} {items[0].title}" in page and f"{items[5].code} {items[5].title}" in page
    client = login(cast.itc)  # the same test client, logged in again
    form_page = client.get(reverse("accompaniment:session_log", args=["dx", s1.pk])).content.decode()
    assert f'value="{items[0].pk}" checked' in form_page
    # Saving again without the item ticked removes it.
    log.refresh_from_db()
    client.post(
        reverse("accompaniment:session_log", args=["dx", s1.pk]),
        {**data, "version": str(log.version), "items": [str(items[5].pk)]},
    )
    assert list(log.items.values_list("pk", flat=True)) == [items[5].pk]


def test_session_log_invalid_item_is_an_error_on_the_field_and_keeps_the_text(cast, login):
    track = enroll(cast)
    s1 = track.sessions.get(number=1)
    response = login(cast.itc).post(
        reverse("accompaniment:session_log", args=["dx", s1.pk]), {**_log_post(cast, s1), "items": ["999999"]}
    )
    assert response.status_code == 200
    assert "items" in response.context["form"].errors
    html = response.content.decode()
    assert "「999999」は選べる項目ではありません" in html
    assert "目指す姿を議論した" in html and "ビジョンの検討" in html
    assert not SessionLog.objects.filter(session=s1).exists()


def test_session_log_service_refuses_unknown_items(cast):
    track = enroll(cast)
    s1 = track.sessions.get(number=1)
    item = IndexItem.objects.filter(edition=cast.index_edition).first()
    with pytest.raises(ValidationError) as exc:
        session_log_submit(
            session=s1,
            author=cast.itc,
            data=SessionLogData(date=dt.date(2022, 9, 12), item_ids=[item.pk, 999999, "x"]),
        )
    messages = exc.value.message_dict["items"]
    assert any("999999" in m for m in messages) and any("「x」" in m for m in messages)
    assert not SessionLog.objects.filter(session=s1).exists()
    # item_ids=None (callers without the field) leaves the items as they are.
    log = session_log_submit(
        session=s1, author=cast.itc, data=SessionLogData(date=dt.date(2022, 9, 12), item_ids=[item.pk])
    )
    session_log_submit(
        session=s1, author=cast.itc, data=SessionLogData(date=dt.date(2022, 9, 12), agenda="追記")
    )
    assert list(log.items.values_list("pk", flat=True)) == [item.pk]


# --- the benchmark ------------------------------------------------------------------------------------------


def test_bench_history_prints_its_figures(index_edition, capsys):
    """``manage.py bench history``: the lines print, the page's own queries are within the budget and the
    same for 2 and 5 years, and the throwaway consortium is gone afterwards."""
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from dxcommunity.tenancy.models import Consortium

    call_command("bench", "history")
    text = capsys.readouterr().out
    print(text)
    for label in (
        "one company in 5 programs",
        "history page queries (5 participations)",
        "history page server time (10 GETs)",
        "history page queries (2 participations)",
        "cleaned up",
    ):
        assert label in text, text
    assert "(ok, budget ≤ 20)" in text and "(constant)" in text, text
    with scopes_disabled():
        assert not Consortium.objects.filter(slug__startswith="bench-history-").exists()


def test_history_page_in_english(cast, history, client):
    from django.conf import settings

    client.force_login(cast.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(history_url(cast.company)).content.decode()
    for text in ("Support so far (history)", "Re-diagnosis compared (T0 → T1)", "3 items changed", "Compare"):
        assert text in html, text
    for text in ("これまでの支援（履歴）", "再診断の比較", "変化した項目"):
        assert text not in html, text
