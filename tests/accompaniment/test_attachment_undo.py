"""Attachment 削除 asks once and can be undone: GET shows what happens, POST hides the attachment (the row
and the file stay), 「元に戻す」 brings it back; both audited; only who may delete may restore."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accompaniment import selectors
from accompaniment.models import SessionAttachment
from dxcommunity.tenancy.models import Membership
from tests.accompaniment.factories import enroll, log_first_session
from tests.conftest import add_member, give_totp, make_user

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(name if ":" in name else f"accompaniment:{name}", args=["dx", *args])


@pytest.fixture
def att(cast, client):
    session = log_first_session(cast, enroll(cast)).session
    client.force_login(cast.itc)
    client.post(
        url("attachment_upload", session.pk),
        {"file": SimpleUploadedFile("whiteboard.pdf", b"%PDF-1.7 board")},
    )
    client.logout()
    return SessionAttachment.objects.get()


def test_the_log_links_to_a_confirmation_instead_of_posting(cast, login, att):
    html = login(cast.itc).get(url("session_log", att.session_id)).content.decode()
    assert f'href="{url("attachment_delete", att.pk)}"' in html
    assert not re.search(r'<form[^>]+action="[^"]*/delete/"', html)


def test_get_asks_post_hides_and_keeps_the_file(cast, login, att):
    client = login(cast.itc)
    page = client.get(url("attachment_delete", att.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "whiteboard.pdf" in html and "ダウンロードもできなくなります" in html and "元に戻す" in html
    att.refresh_from_db()
    assert att.deleted_at is None
    assert client.post(url("attachment_delete", att.pk)).status_code == 302
    att.refresh_from_db()
    assert att.deleted_at is not None and att.deleted_by == cast.itc
    assert att.file.storage.exists(att.file.name)
    # Hidden from the log, the track and the download for everyone.
    log_html = client.get(url("session_log", att.session_id)).content.decode()
    assert f'href="{url("attachment_download", att.pk)}"' not in log_html
    assert "削除した添付ファイル" in log_html
    track_html = client.get(url("track", cast.company.pk)).content.decode()
    assert "whiteboard.pdf" not in track_html
    for user in (cast.itc, cast.coordinator, cast.company_user):
        assert login(user).get(url("attachment_download", att.pk)).status_code == 404


def test_restore_brings_it_back_and_both_are_audited(cast, login, att):
    client = login(cast.itc)
    client.post(url("attachment_delete", att.pk))
    assert client.post(url("attachment_restore", att.pk)).status_code == 302
    att.refresh_from_db()
    assert att.deleted_at is None and att.deleted_by is None
    response = client.get(url("attachment_download", att.pk))
    assert b"".join(response.streaming_content) == b"%PDF-1.7 board"
    assert [a.pk for a in selectors.attachments_of_session(session=att.session)] == [att.pk]
    rows = list(att.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.deleted_by_id, r.history_user_id) for r in rows] == [
        ("+", None, cast.itc.pk),
        ("~", cast.itc.pk, cast.itc.pk),
        ("~", None, cast.itc.pk),
    ]


def test_the_coordinator_restores_what_the_itc_deleted(cast, login, att):
    login(cast.itc).post(url("attachment_delete", att.pk))
    client = login(cast.coordinator)
    html = client.get(url("session_log", att.session_id)).content.decode()
    assert url("attachment_restore", att.pk) in html
    assert client.post(url("attachment_restore", att.pk)).status_code == 302
    att.refresh_from_db()
    assert att.deleted_at is None


def test_who_may_not_restore(cast, login, att):
    login(cast.itc).post(url("attachment_delete", att.pk))
    for user in (cast.bank_user, cast.company_user):
        client = login(user)
        assert (
            url("attachment_restore", att.pk)
            not in client.get(url("session_log", att.session_id)).content.decode()
        )
        assert client.post(url("attachment_restore", att.pk)).status_code == 403
        assert client.get(url("attachment_delete", att.pk)).status_code == 404  # deleted: not found
    for user in (cast.other_bank_user, cast.itc_nagano):
        assert login(user).post(url("attachment_restore", att.pk)).status_code == 404
    # Another ITC of the company's track who did not upload it may not either.
    colleague = make_user("itc2@example.com")
    add_member(
        cast.consortium, colleague, Membership.Role.ITC, organization=cast.itc_org, region=cast.ibaraki
    )
    give_totp(colleague)
    # An ITC of the region without an assignment sees the company's stage only, not its logs: 404.
    assert login(colleague).post(url("attachment_restore", att.pk)).status_code == 404
    att.refresh_from_db()
    assert att.deleted_at is not None


def test_the_confirmation_page_refuses_who_may_not_delete(cast, login, att):
    assert login(cast.bank_user).get(url("attachment_delete", att.pk)).status_code == 403
    assert login(cast.company_user).get(url("attachment_delete", att.pk)).status_code == 403
    assert login(cast.other_bank_user).get(url("attachment_delete", att.pk)).status_code == 404
