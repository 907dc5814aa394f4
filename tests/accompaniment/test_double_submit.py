"""The same POST twice on the session log page gives one log (and one copy of its files), never a 500:
sent one after the other (everywhere) and at the same moment from two clients (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accompaniment.models import Attendance, Homework, SessionAttachment, SessionLog
from dxcommunity.idempotency import new_key
from tests.accompaniment.factories import enroll
from tests.concurrency import logged_in_client, meet_at, on_postgres, post_together

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"0" * 64


def url(name, *args):
    return reverse(name if ":" in name else f"accompaniment:{name}", args=["dx", *args])


def log_data(*, key=None, photo=False):
    data = {
        "date": "2022-09-12",
        "agenda": "経営理念の確認",
        "discussion": "創業以来の理念を再確認した",
        "decisions": "ミッションを一文にまとめる",
        "attendee_role_1": "itc_leader",
        "attendee_name_1": "伴走 一郎",
        "attendee_role_2": "company_executive",
        "attendee_name_2": "精密 太郎",
        "homework_title_1": "ミッション案の作成",
        "version": "0",  # the form of a session without a log yet
    }
    if key:
        data["idempotency_key"] = key
    if photo:
        data["files"] = SimpleUploadedFile("whiteboard.jpg", JPEG, content_type="image/jpeg")
    return data


def assert_one_log(session):
    assert SessionLog.objects.filter(session=session).count() == 1
    assert Attendance.objects.filter(session=session).count() == 2
    assert Homework.objects.filter(session=session).count() == 1


def test_session_log_posted_twice_in_a_row_is_one_log_and_one_photo(cast, client):
    session = enroll(cast).sessions.get(number=1)
    client.force_login(cast.itc)
    key = new_key()
    first = client.post(url("session_log", session.pk), log_data(key=key, photo=True))
    second = client.post(url("session_log", session.pk), log_data(key=key, photo=True))
    target = url("track", cast.company.pk)
    assert (first.status_code, first.url) == (302, target)
    assert (second.status_code, second.url) == (302, target)
    assert_one_log(session)
    assert SessionAttachment.objects.filter(session=session).count() == 1


def test_session_log_form_carries_a_fresh_key(cast, client):
    session = enroll(cast).sessions.get(number=1)
    client.force_login(cast.itc)
    keys = [
        client.get(url("session_log", session.pk))
        .content.decode()
        .split('name="idempotency_key" value="')[1][:32]
        for _i in range(2)
    ]
    assert keys[0] != keys[1] and all(len(k) == 32 for k in keys)


@on_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_key", [True, False], ids=["same-key", "no-key"])
def test_session_log_posted_twice_at_once_is_one_log(cast, with_key):
    session = enroll(cast).sessions.get(number=1)
    key = new_key() if with_key else None
    with meet_at(SessionLog, "full_clean"):
        responses = post_together(
            logged_in_client(cast.itc),
            logged_in_client(cast.itc),
            url=url("session_log", session.pk),
            data=lambda: log_data(key=key, photo=with_key),
        )
    assert_one_log(session)
    if with_key:  # the form's key: the second request answers with the first one's log
        assert [r.status_code for r in responses] == [302, 302]
        assert {r.url for r in responses} == {url("track", cast.company.pk)}
        assert SessionAttachment.objects.filter(session=session).count() == 1
    else:  # no key: the log the first one made is a newer version than the second one's form (version 0)
        saved, conflict = sorted(responses, key=lambda r: r.status_code)
        assert (saved.status_code, saved.url, conflict.status_code) == (
            302,
            url("track", cast.company.pk),
            409,
        )
        assert "創業以来の理念を再確認した" in conflict.content.decode()  # what was typed is kept


def test_company_comment_on_the_log_posted_twice_in_a_row_is_one_comment(cast, client):
    from accompaniment.models import SessionLogComment
    from tests.accompaniment.factories import log_first_session

    session = log_first_session(cast, enroll(cast)).session
    client.force_login(cast.company_user)
    assert 'name="idempotency_key"' in client.get(url("session_log", session.pk)).content.decode()
    data = {"body": "確認しました", "idempotency_key": new_key()}
    assert [client.post(url("log_comment", session.pk), data).status_code for _i in range(2)] == [302, 302]
    assert SessionLogComment.objects.filter(session=session).count() == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_session_survey_answered_twice_at_once_is_one_answer(cast):
    from accompaniment.models import AccompanimentSession, SatisfactionResponse

    session = enroll(cast).sessions.get(number=1)
    AccompanimentSession.objects.filter(pk=session.pk).update(status="held")
    with meet_at(SatisfactionResponse, "full_clean"):
        responses = post_together(
            logged_in_client(cast.company_user),
            logged_in_client(cast.company_user),
            url=reverse("survey:session", kwargs={"consortium_slug": "dx", "pk": session.pk}),
            data={"satisfaction": "5", "usefulness": "4", "comment": "よく分かった"},
        )
    assert [r.status_code for r in responses] == [302, 302]
    assert SatisfactionResponse.objects.filter(session=session).count() == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_session_template_saved_twice_at_once_is_one_template(cast):
    from accompaniment.models import SessionTemplate

    with meet_at(SessionTemplate, "full_clean"):
        responses = post_together(
            logged_in_client(cast.coordinator),
            logged_in_client(cast.coordinator),
            url=url("template_edit", cast.program.pk),
            data={"theme_1": "経営理念、ミッション確認", "order_1": "1", "roles_1": ["itc_leader"]},
        )
    assert [r.status_code for r in responses] == [302, 302]
    assert SessionTemplate.objects.filter(program=cast.program).count() == 1


def test_a_refused_file_keeps_the_log_unsaved_and_the_typed_text_on_the_page(cast, client):
    session = enroll(cast).sessions.get(number=1)
    client.force_login(cast.itc)
    data = log_data(key=new_key())
    data["files"] = [
        SimpleUploadedFile("whiteboard.jpg", JPEG, content_type="image/jpeg"),
        SimpleUploadedFile("memo.jpg", b"MZ\x90\x00not a jpeg", content_type="image/jpeg"),
    ]
    response = client.post(url("session_log", session.pk), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "創業以来の理念を再確認した" in body and "memo.jpg: " in body
    assert "添付するファイルをもう一度選んでください" in body
    assert not SessionLog.objects.filter(session=session).exists()
    assert not SessionAttachment.objects.filter(session=session).exists()
    # The same key again with good files: saved now (the refused POST kept no key).
    data["files"] = [SimpleUploadedFile("whiteboard.jpg", JPEG, content_type="image/jpeg")]
    assert client.post(url("session_log", session.pk), data).status_code == 302
    assert SessionAttachment.objects.filter(session=session).count() == 1
    assert_one_log(session)
