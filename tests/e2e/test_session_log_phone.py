"""On a phone (390×844): the ITC types the session log, picks a whiteboard photo and saves once; the text
and the photo are both stored and shown (nothing typed is lost to the upload)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from accompaniment.models import SessionAttachment, SessionLog
from tests.accompaniment.factories import enroll
from tests.conftest import PASSWORD
from tests.e2e.conftest import TIMEOUT_MS, login_as

pytestmark = pytest.mark.e2e

AGENDA = "経営理念の確認"
DISCUSSION = "創業以来の理念をホワイトボードに書き出して再確認した"
DECISIONS = "ミッションを一文にまとめる"


@pytest.fixture
def phone(browser):
    """A page in a phone-sized context (390×844 CSS pixels, touch, Japanese locale)."""
    context = browser.new_context(
        locale="ja-JP", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def whiteboard_jpeg(path):
    """A small real JPEG (a white board with a few strokes)."""
    image = Image.new("RGB", (160, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 150, 110), outline="black", width=3)
    draw.line((20, 40, 140, 40), fill="blue", width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


def test_session_log_typed_on_a_phone_is_saved_with_its_photo(cast, live_server, phone, tmp_path):
    from playwright.sync_api import expect

    track = enroll(cast)
    session = track.sessions.get(number=1)
    photo = whiteboard_jpeg(tmp_path / "whiteboard.jpg")
    login_as(phone, live_server, cast.itc.email, PASSWORD)
    log_url = f"{live_server.url}/c/{cast.consortium.slug}/accompaniment/sessions/{session.pk}/"
    phone.goto(log_url)

    form = phone.locator("form.session-log")
    form.locator("#id_date").fill("2022-09-12")
    form.locator("#id_agenda").fill(AGENDA)
    form.locator("#id_discussion").fill(DISCUSSION)
    form.locator("#id_decisions").fill(DECISIONS)
    form.locator("#id_files").set_input_files(str(photo))  # the photo is picked after typing
    with phone.expect_navigation():
        form.get_by_role("button", name="記録を保存").click()

    # Saved together: the log with everything typed, and the photo.
    log = SessionLog.objects.get(session=session)
    assert (log.agenda, log.discussion, log.decisions) == (AGENDA, DISCUSSION, DECISIONS)
    attachment = SessionAttachment.objects.get(session=session)
    assert (attachment.original_name, attachment.content_type) == ("whiteboard.jpg", "image/jpeg")
    assert attachment.size == photo.stat().st_size
    expect(phone.get_by_text("whiteboard.jpg を添付しました。")).to_be_visible()
    expect(phone.get_by_text("第1回の記録を保存しました。")).to_be_visible()

    # Shown again on the session page: the text in the form and the photo in the attachments.
    phone.goto(log_url)
    expect(phone.locator("#id_agenda")).to_have_value(AGENDA)
    expect(phone.locator("#id_discussion")).to_have_value(DISCUSSION)
    expect(phone.locator("#id_decisions")).to_have_value(DECISIONS)
    expect(phone.locator("#attachments").get_by_role("link", name="whiteboard.jpg")).to_be_visible()
    # The file input fits the phone's width (no sideways scrolling to reach it).
    box = phone.locator("#id_files").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_a_refused_log_keeps_the_typed_text_and_asks_for_the_photo_again(cast, live_server, phone, tmp_path):
    from playwright.sync_api import expect

    session = enroll(cast).sessions.get(number=1)
    photo = whiteboard_jpeg(tmp_path / "whiteboard.jpg")
    login_as(phone, live_server, cast.itc.email, PASSWORD)
    phone.goto(f"{live_server.url}/c/{cast.consortium.slug}/accompaniment/sessions/{session.pk}/")
    form = phone.locator("form.session-log")
    form.locator("#id_date").fill("")  # the date is required: the save is refused
    form.locator("#id_discussion").fill(DISCUSSION)
    form.locator("#id_files").set_input_files(str(photo))
    with phone.expect_navigation():
        form.get_by_role("button", name="記録を保存").click()

    expect(phone.locator("#id_discussion")).to_have_value(DISCUSSION)
    expect(phone.get_by_text("添付するファイルをもう一度選んでください。", exact=False)).to_be_visible()
    assert not SessionLog.objects.filter(session=session).exists()
    assert not SessionAttachment.objects.filter(session=session).exists()
