"""The track: session template, schedule, attendance rule, homework done at the next session,
attachments, the company's confirmation and comments, and the track page's query count."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompaniment import selectors
from accompaniment.models import (
    AccompanimentSession,
    Homework,
    SessionAttachment,
    SessionLog,
    SessionLogComment,
    SessionTemplate,
)
from accompaniment.services import SessionLogData, session_log_submit
from dxcommunity.tenancy.models import Membership
from programs.models import Participation
from tests.accompaniment.factories import enroll, log_first_session
from tests.audit.conftest import give_totp
from tests.conftest import add_member, make_user


def url(name, *args):
    return reverse(name if ":" in name else f"accompaniment:{name}", args=["dx", *args])


def log_session(cast, session, *, attendees, homework=(), done_ids=(), date=dt.date(2022, 9, 12)):
    return session_log_submit(
        session=session,
        author=cast.itc,
        data=SessionLogData(
            date=date, attendees=list(attendees), homework=list(homework), homework_done_ids=list(done_ids)
        ),
    )


FULL_TEAM = [
    ("itc_leader", "伴走 一郎"),
    ("bank_assistant", "常陽 三郎"),
    ("company_executive", "精密 太郎"),
    ("company_staff", "精密 花子"),
]


# --- 1. the session template -------------------------------------------------------------------------


def test_standard_template_roles(cast):
    rows = selectors.session_template_for(program=cast.program)
    assert [r["number"] for r in rows] == list(range(1, 11))
    assert rows[0]["theme"] == "経営理念、ミッション確認"
    for r in rows:
        assert {"itc_leader", "bank_assistant", "company_executive", "company_staff"} <= set(
            r["expected_roles"]
        )
        assert ("it_vendor" in r["expected_roles"]) == (r["number"] in (5, 8))
    track = enroll(cast)
    s5 = track.sessions.get(number=5)
    assert "it_vendor" in s5.expected_roles and "it_vendor" not in track.sessions.get(number=4).expected_roles


def test_coordinator_edits_template_and_new_tracks_follow_it(cast, login):
    old_track = enroll(cast, cast.company)
    client = login(cast.coordinator)
    page = client.get(url("template_edit", cast.program.pk)).content.decode()
    assert 'name="theme_1"' in page and 'name="roles_5"' in page and "保存" in page
    # Keep sessions 1 and 2 swapped, drop the rest, add a new one with the vendor.
    data = {
        "theme_1": "経営理念、ミッション確認",
        "order_1": "2",
        "roles_1": ["itc_leader", "company_executive"],
        "theme_2": "DX構想(目指す姿)の検討",
        "order_2": "1",
        "roles_2": ["itc_leader"],
        "theme_3": "DX構想の裏付け",
        "order_3": "3",
        "remove_3": "1",
        "theme_4": "IoT実証の相談",
        "order_4": "4",
        "roles_4": ["itc_leader", "it_vendor", "research_institute"],
    }
    response = client.post(url("template_edit", cast.program.pk), data)
    assert response.status_code == 302
    tpl = SessionTemplate.objects.get(program=cast.program)
    assert [r["theme"] for r in tpl.sessions] == [
        "DX構想(目指す姿)の検討",
        "経営理念、ミッション確認",
        "IoT実証の相談",
    ]
    assert tpl.sessions[2]["expected_roles"] == ["itc_leader", "it_vendor", "research_institute"]
    # The existing track is unchanged; a new one follows the template.
    assert old_track.sessions.count() == 10
    other = cast.other_company  # takes part in cast.program (cast.other_participation)
    new_track = enroll(cast, other, leader=cast.itc_nagano, bank=cast.other_bank)
    sessions = list(new_track.sessions.order_by("number"))
    assert [(s.number, s.theme) for s in sessions] == [
        (1, "DX構想(目指す姿)の検討"),
        (2, "経営理念、ミッション確認"),
        (3, "IoT実証の相談"),
    ]
    assert sessions[2].expected_roles == ["itc_leader", "it_vendor", "research_institute"]


def test_template_needs_one_session_and_themes(cast, login):
    client = login(cast.coordinator)
    response = client.post(url("template_edit", cast.program.pk), {"theme_1": "x", "remove_1": "1"})
    assert response.status_code == 200
    assert "セッションは1回以上必要です。" in response.content.decode()
    response = client.post(url("template_edit", cast.program.pk), {"theme_1": "", "roles_1": ["itc_leader"]})
    assert "第1回のテーマを入力してください。" in response.content.decode()
    assert not SessionTemplate.objects.exists()


@pytest.mark.parametrize("who,status", [("itc", 403), ("bank_user", 403), ("company_user", 403)])
def test_template_edit_is_for_coordinators(cast, login, who, status):
    client = login(getattr(cast, who))
    assert client.get(url("template_edit", cast.program.pk)).status_code == status
    assert client.post(url("template_edit", cast.program.pk), {"theme_1": "x"}).status_code == status
    assert not SessionTemplate.objects.exists()


def test_template_of_other_consortium_program_is_404(cast, login):
    from programs.models import Program

    foreign = Program.objects.filter(consortium=cast.other).first() or Program.objects.create(
        consortium=cast.other, name="他事業", fiscal_year=2022
    )
    assert login(cast.coordinator).get(url("template_edit", foreign.pk)).status_code == 404


# --- 2. the schedule ---------------------------------------------------------------------------------


def test_itc_reschedules_and_history_keeps_the_old_date(cast, login):
    track = enroll(cast)
    s2 = track.sessions.get(number=2)
    client = login(cast.itc)
    assert "保存" in client.get(url("session_edit", s2.pk)).content.decode()
    base = {"duration_minutes": "120", "mode": "in_person", "place": "本社会議室", "start_time": "14:00"}
    assert (
        client.post(
            url("session_edit", s2.pk), {**base, "status": "planned", "date": "2022-09-26"}
        ).status_code
        == 302
    )
    r = client.post(
        url("session_edit", s2.pk), {**base, "status": "rescheduled", "date": "2022-10-03", "mode": "online"}
    )
    assert r.status_code == 302
    s2.refresh_from_db()
    assert (s2.status, s2.date, s2.mode, s2.start_time) == (
        "rescheduled",
        dt.date(2022, 10, 3),
        "online",
        dt.time(14),
    )
    dates = [h.date for h in s2.history.order_by("history_date")]
    assert dt.date(2022, 9, 26) in dates and dates[-1] == dt.date(2022, 10, 3)
    page = client.get(url("session_edit", s2.pk)).content.decode()
    assert "2022-09-26" in page  # history shown
    # A rescheduled session needs its date; what was typed stays.
    r = client.post(
        url("session_edit", s2.pk), {**base, "status": "rescheduled", "date": "", "place": "工場"}
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "実施済・日程変更には日付を入力してください。" in html and 'value="工場"' in html


@pytest.mark.parametrize("who,status", [("bank_user", 403), ("company_user", 403), ("other_bank_user", 404)])
def test_schedule_edit_permissions(cast, login, who, status):
    track = enroll(cast)
    s2 = track.sessions.get(number=2)
    client = login(getattr(cast, who))
    data = {"status": "cancelled", "duration_minutes": "120", "mode": "online"}
    assert client.post(url("session_edit", s2.pk), data).status_code == status
    s2.refresh_from_db()
    assert s2.status == "planned"


# --- 3. the attendance rule --------------------------------------------------------------------------


def test_attendance_rule_and_missing_roles(cast):
    track = enroll(cast)
    s1, s2, s3 = (track.sessions.get(number=n) for n in (1, 2, 3))
    log_session(cast, s1, attendees=[("itc_leader", "伴走 一郎"), ("company_executive", "精密 太郎")])
    log_session(cast, s2, attendees=FULL_TEAM)
    log_session(cast, s3, attendees=[("itc_leader", "伴走 一郎"), ("bank_assistant", "常陽 三郎")])
    s4 = track.sessions.get(number=4)
    s4.date = dt.date(2022, 10, 1)
    s4.save()
    checks = selectors.track_checks(track=track, today=dt.date(2022, 11, 1))
    c1, c2, c3, c4 = (checks.by_session[s.pk] for s in (s1, s2, s3, s4))
    assert c1.rule_ok is False and c1.missing_roles == ["bank_assistant"] and not c1.missed
    assert c2.rule_ok is True and c2.missing_roles == [] and not c2.missed
    assert c3.rule_ok is False and c3.missed  # held without anyone of the company
    assert c4.rule_ok is None and c4.missed  # past date, not held
    assert checks.by_session[track.sessions.get(number=5).pk].missed is False  # no date yet
    # Only 経営者 twice: two people but no 担当者.
    log_session(cast, s1, attendees=[("company_executive", "精密 太郎"), ("company_executive", "精密 次郎")])
    s1 = AccompanimentSession.objects.prefetch_related("attendances").get(pk=s1.pk)
    assert selectors.session_check(session=s1).rule_ok is False


def test_track_page_and_alerts_show_broken_rules(cast, login):
    track = enroll(cast)
    s1 = track.sessions.get(number=1)
    log_session(cast, s1, attendees=[("itc_leader", "伴走 一郎"), ("company_executive", "精密 太郎")])
    html = login(cast.itc).get(url("track", cast.company.pk)).content.decode()
    assert "参加条件未達" in html and "経営者と担当者の2名以上" in html
    assert "伴走支援補助（金融機関） 不在" in html
    page = login(cast.coordinator).get(url("alerts")).content.decode()
    assert cast.company.name in page and "参加条件未達" in page
    # Fixed: the company disappears from the alerts.
    log_session(cast, s1, attendees=FULL_TEAM)
    page = login(cast.coordinator).get(url("alerts")).content.decode()
    assert cast.company.name not in page and "アラートはありません。" in page


def test_alerts_for_regional_coordinator_are_its_region(cast, login):
    track = enroll(cast)  # 茨城
    log_session(cast, track.sessions.get(number=1), attendees=[("itc_leader", "伴走 一郎")])
    regional = make_user("nagano-coord@example.com", "長野 まとめ")
    add_member(cast.consortium, regional, Membership.Role.REGIONAL_COORDINATOR, region=cast.nagano)
    give_totp(regional)
    assert cast.company.name not in login(regional).get(url("alerts")).content.decode()
    assert cast.company.name in login(cast.coordinator).get(url("alerts")).content.decode()
    assert login(cast.itc).get(url("alerts")).status_code == 403


# --- 4. homework done at the next session ------------------------------------------------------------


def test_homework_ticked_off_at_next_session(cast, login):
    track = enroll(cast)
    log = log_first_session(cast, track)
    hw = Homework.objects.get(session=log.session)
    s2 = track.sessions.get(number=2)
    client = login(cast.itc)
    page = client.get(url("session_log", s2.pk)).content.decode()
    assert f'name="homework_done_{hw.pk}"' in page and "ミッション案の作成" in page
    data = {"date": "2022-09-26", f"homework_done_{hw.pk}": "1", "version": "0"}  # no log of s2 yet
    for i, (role, name) in enumerate(FULL_TEAM, start=1):
        data[f"attendee_role_{i}"], data[f"attendee_name_{i}"] = role, name
    assert client.post(url("session_log", s2.pk), data).status_code == 302
    hw.refresh_from_db()
    assert hw.done and hw.done_at_session == s2
    html = client.get(url("track", cast.company.pk)).content.decode()
    assert "第2回で確認" in html
    # Done items are not offered again at session 3.
    s3 = track.sessions.get(number=3)
    assert f'name="homework_done_{hw.pk}"' not in client.get(url("session_log", s3.pk)).content.decode()


def test_homework_of_another_track_is_not_ticked(cast):
    track = enroll(cast)
    log_first_session(cast, track)
    cast.other_participation.stage = Participation.Stage.DIAGNOSED
    cast.other_participation.save(update_fields=["stage"])
    other_track = enroll(cast, cast.other_company, leader=cast.itc_nagano, bank=cast.other_bank)
    hw = Homework.objects.get(session__track=track)
    other_s2 = other_track.sessions.get(number=2)
    session_log_submit(
        session=other_s2,
        author=cast.coordinator,
        data=SessionLogData(date=dt.date(2022, 9, 26), homework_done_ids=[hw.pk]),
    )
    hw.refresh_from_db()
    assert not hw.done


def test_overdue_homework_is_highlighted(cast, login):
    track = enroll(cast)
    log_session(
        cast,
        track.sessions.get(number=1),
        attendees=FULL_TEAM,
        homework=[
            ("古い宿題", "精密 太郎", dt.date(2020, 1, 1)),
            ("先の宿題", "精密 花子", dt.date(2099, 1, 1)),
        ],
    )
    html = login(cast.company_user).get(url("track", cast.company.pk)).content.decode()
    assert html.count('class="hw-open overdue"') == 1 and "期限超過" in html


# --- 5. attachments ----------------------------------------------------------------------------------


def ooxml(part: str) -> bytes:
    """A minimal OOXML zip; fixed member dates, so the bytes (and the test ids) are the same in every run."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("[Content_Types].xml", date_time=(2022, 9, 12, 0, 0, 0)), "<Types/>")
        zf.writestr(zipfile.ZipInfo(f"{part}document.xml", date_time=(2022, 9, 12, 0, 0, 0)), "<x/>")
    return buf.getvalue()


@pytest.fixture
def logged(cast):
    track = enroll(cast)
    return log_first_session(cast, track).session


def upload(client, session, name, content):
    return client.post(
        url("attachment_upload", session.pk), {"file": SimpleUploadedFile(name, content)}, follow=True
    )


@pytest.mark.parametrize(
    "name,content",
    [
        ("議事メモ.pdf", b"%PDF-1.7\n..."),
        ("写真.png", b"\x89PNG\r\n\x1a\n0000"),
        ("写真.JPG", b"\xff\xd8\xff\xe0000"),
        ("計画.xlsx", ooxml("xl/")),
        ("計画.docx", ooxml("word/")),
        ("説明.pptx", ooxml("ppt/")),
        ("メモ.txt", "日本語のメモ".encode()),
        ("一覧.csv", "名前,値\n".encode("cp932")),
    ],
)
def test_allowed_types_are_attached(cast, login, logged, name, content):
    response = upload(login(cast.itc), logged, name, content)
    assert "を添付しました" in response.content.decode()
    att = SessionAttachment.objects.get()
    assert att.original_name == name and att.size == len(content)
    track = logged.track
    assert att.file.name.startswith(f"attachments/{cast.consortium.pk}/{track.pk}/")


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "ファイルの中身が拡張子（.pdf）と一致しません"),
        ("setup.exe", b"MZ\x90\x00", "添付できるのは"),
        ("setup.txt", b"MZ\x90\x00\x03\x00", "ファイルの中身が拡張子（.txt）と一致しません"),
        ("fake.docx", ooxml("xl/"), "ファイルの中身が拡張子（.docx）と一致しません"),
        ("fake.png", b"%PDF-1.7", "ファイルの中身が拡張子（.png）と一致しません"),
    ],
)
def test_wrong_types_are_refused(cast, login, logged, name, content, message):
    response = upload(login(cast.itc), logged, name, content)
    assert message in response.content.decode()
    assert not SessionAttachment.objects.exists()


def test_too_big_is_refused(cast, login, logged, settings):
    settings.ACCOMPANIMENT_ATTACHMENT_MAX_BYTES = 1024 * 1024
    response = upload(login(cast.itc), logged, "big.pdf", b"%PDF-" + b"0" * (1024 * 1024))
    assert "ファイルが大きすぎます（上限 1 MB）。" in response.content.decode()
    assert not SessionAttachment.objects.exists()


def test_download_is_permission_checked_and_not_sniffed(cast, login, logged, client):
    upload(login(cast.itc), logged, "議事メモ.pdf", b"%PDF-1.7 secret")
    att = SessionAttachment.objects.get()
    for user in (cast.itc, cast.bank_user, cast.company_user, cast.coordinator):
        response = login(user).get(url("attachment_download", att.pk))
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == b"%PDF-1.7 secret"
    for user in (cast.other_bank_user, cast.other_company_user, cast.vendor_user, cast.itc_nagano):
        assert login(user).get(url("attachment_download", att.pk)).status_code == 404
    # Other tenant: the stranger's consortium has no such attachment.
    r = login(cast.stranger_coordinator).get(
        reverse("accompaniment:attachment_download", args=["other", att.pk])
    )
    assert r.status_code == 404
    client.logout()
    r = client.get(url("attachment_download", att.pk))
    assert r.status_code == 302 and "login" in r["Location"]


def test_bank_and_company_cannot_upload_or_delete(cast, login, logged):
    for user in (cast.bank_user, cast.company_user):
        c = login(user)
        r = c.post(url("attachment_upload", logged.pk), {"file": SimpleUploadedFile("a.pdf", b"%PDF-1")})
        assert r.status_code == 403
    upload(login(cast.itc), logged, "a.pdf", b"%PDF-1.7")
    att = SessionAttachment.objects.get()
    assert login(cast.bank_user).post(url("attachment_delete", att.pk)).status_code == 403
    assert login(cast.other_bank_user).post(url("attachment_delete", att.pk)).status_code == 404
    assert login(cast.itc).post(url("attachment_delete", att.pk)).status_code == 302
    att.refresh_from_db()
    assert att.deleted_at is not None and att.deleted_by == cast.itc  # hidden, kept for 「元に戻す」


# --- 6. the company confirms and comments ------------------------------------------------------------


def test_company_confirms_and_comments_itc_sees_it(cast, login, logged):
    client = login(cast.company_user)
    page = client.get(url("session_log", logged.pk)).content.decode()
    assert "内容を確認しました" in page and "コメントする" in page
    assert client.post(url("log_confirm", logged.pk)).status_code == 302
    assert SessionLog.objects.get(session=logged).company_confirmed_at is not None
    assert (
        client.post(url("log_comment", logged.pk), {"body": "宿題の期限を1週間延ばしたい"}).status_code == 302
    )
    assert SessionLogComment.objects.get().author == cast.company_user
    r = client.post(url("log_comment", logged.pk), {"body": "  "}, follow=True)
    assert "コメントを入力してください。" in r.content.decode()
    html = login(cast.itc).get(url("track", cast.company.pk)).content.decode()
    assert "企業確認済" in html and "宿題の期限を1週間延ばしたい" in html


@pytest.mark.parametrize(
    "who,status", [("bank_user", 403), ("itc", 403), ("coordinator", 403), ("other_company_user", 404)]
)
def test_only_company_members_confirm_or_comment(cast, login, logged, who, status):
    client = login(getattr(cast, who))
    assert client.post(url("log_confirm", logged.pk)).status_code == status
    assert client.post(url("log_comment", logged.pk), {"body": "x"}).status_code == status
    assert SessionLog.objects.get(session=logged).company_confirmed_at is None
    assert not SessionLogComment.objects.exists()
    page = login(cast.bank_user).get(url("session_log", logged.pk)).content.decode()
    assert "内容を確認しました" not in page


# --- 8. the track page's query count -----------------------------------------------------------------


def _fill(cast, track, homework_count: int) -> None:
    sessions = list(track.sessions.order_by("number"))
    per = [
        homework_count // len(sessions) + (1 if i < homework_count % len(sessions) else 0)
        for i in range(len(sessions))
    ]
    for s, n in zip(sessions, per, strict=True):
        log_session(
            cast,
            s,
            attendees=FULL_TEAM,
            homework=[(f"宿題 {s.number}-{i}", "精密 太郎", dt.date(2022, 10, 1)) for i in range(n)],
            date=dt.date(2022, 9, 12) + dt.timedelta(days=14 * s.number),
        )
        SessionLogComment.objects.create(
            consortium=cast.consortium, session=s, author=cast.company_user, body="ok"
        )


def _count(login, cast) -> int:
    client = login(cast.itc)
    client.get(url("track", cast.company.pk))  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url("track", cast.company.pk)).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("homework_count", [5, 50])
def test_track_page_query_count_is_flat(cast, login, homework_count):
    track = enroll(cast)
    _fill(cast, track, homework_count)
    assert Homework.objects.count() == homework_count
    # Measured 2026-11-21: 20 queries with 10 sessions and 5 or 50 homework items: session, user,
    # membership, company, the rules' membership, access facts (track, 2 advisor lookups), track, sessions
    # (+log, author), attendances, homework (+done_at_session), comments (+author), attachments, plan,
    # documents, the nav's membership, and the session save (savepoint, update, release); since a company
    # may have a track in each program year: the participation shown and the list of its tracks (tabs).
    # Target ≤ 22.
    n = _count(login, cast)
    assert n <= 22, n


def test_track_page_query_count_same_for_5_and_50(cast, login):
    track = enroll(cast)
    _fill(cast, track, 5)
    few = _count(login, cast)
    Homework.objects.bulk_create(
        [
            Homework(consortium=cast.consortium, session=s, title=f"追加 {i}")
            for s in track.sessions.all()
            for i in range(45 // 10 + 1)
        ][:45]
    )
    assert Homework.objects.count() == 50
    assert _count(login, cast) == few


def test_dashboard_card_counts_tracks_with_alerts(cast, login):
    track = enroll(cast)
    log_session(cast, track.sessions.get(number=1), attendees=[("itc_leader", "伴走 一郎")])
    html = login(cast.coordinator).get(reverse("companies:home", args=["dx"])).content.decode()
    assert "伴走支援のアラート" in html and 'id="track-alert-count"' in html
    assert reverse("accompaniment:alerts", args=["dx"]) in html


def test_sessions_without_expected_roles_get_the_standard_ones(cast):
    track = enroll(cast)
    s5 = track.sessions.get(number=5)
    AccompanimentSession.objects.filter(pk=s5.pk).update(expected_roles=[])
    s5.refresh_from_db()
    assert "it_vendor" in selectors.expected_roles_of(s5)
    assert "it_vendor" not in selectors.expected_roles_of(track.sessions.get(number=4))
