"""DX診断アドバイス: fixing the date (.ics), the advice with item notes and weak items, the advice PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from diagnosis.models import AdvisorItemNote, AdvisorSession, Diagnosis, IndexItem
from diagnosis.services import diagnosis_assign_advisor
from reports.models import GeneratedDocument
from tests.diagnosis.factories import submitted_diagnosis

pytestmark = pytest.mark.django_db


def url(name, *args, slug="dx"):
    return reverse(f"diagnosis:{name}", args=[slug, *args])


def schedule(cast, login, diagnosis, place="つくば市 本社 会議室A, 2F; 受付"):
    return login(cast.coordinator).post(
        url("schedule_advice", diagnosis.pk),
        {"advice_scheduled_at": "2022-08-05T13:30", "advice_place": place},
    )


def test_coordinator_fixes_the_date(cast, login):
    diagnosis = submitted_diagnosis(cast)
    html = login(cast.coordinator).get(url("result", diagnosis.pk)).content.decode()
    assert 'name="advice_scheduled_at"' in html and "日程を確定" in html
    response = schedule(cast, login, diagnosis)
    assert response.status_code == 302
    diagnosis.refresh_from_db()
    assert diagnosis.advice_scheduled_at.isoformat().startswith("2022-08-05T04:30")  # 13:30 JST in UTC
    assert diagnosis.advice_place.startswith("つくば市")


def test_bad_date_is_reported_and_kept(cast, login):
    diagnosis = submitted_diagnosis(cast)
    response = login(cast.coordinator).post(
        url("schedule_advice", diagnosis.pk), {"advice_scheduled_at": "来週", "advice_place": "本社"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "日時の形式が正しくありません。" in html and 'value="本社"' in html


@pytest.mark.parametrize("who, status", [("company_user", 403), ("bank_user", 403), ("other_bank_user", 404)])
def test_only_coordinators_schedule(cast, login, who, status):
    diagnosis = submitted_diagnosis(cast)
    response = login(getattr(cast, who)).post(
        url("schedule_advice", diagnosis.pk), {"advice_scheduled_at": "2022-08-05T13:30"}
    )
    assert response.status_code == status
    diagnosis.refresh_from_db()
    assert diagnosis.advice_scheduled_at is None


def test_ics_for_the_company_and_the_advisor(cast, login):
    diagnosis = submitted_diagnosis(cast)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    assert login(cast.company_user).get(url("advice_ics", diagnosis.pk)).status_code == 404  # not fixed yet
    schedule(cast, login, diagnosis)
    html = login(cast.company_user).get(url("result", diagnosis.pk)).content.decode()
    assert url("advice_ics", diagnosis.pk) in html
    for user in (cast.company_user, cast.itc):
        response = login(user).get(url("advice_ics", diagnosis.pk))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")  # CRLF line endings only
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded at 75 octets
    text = body.decode().replace("\r\n ", "")  # unfold
    assert "BEGIN:VEVENT" in text and f"UID:dx-advice-{cast.consortium.pk}-{diagnosis.pk}@" in text
    assert "DTSTART:20220805T043000Z" in text and "DTEND:20220805T073000Z" in text  # 3 hours, UTC
    assert "SUMMARY:DX診断アドバイス テスト精密工業株式会社" in text
    assert "LOCATION:つくば市 本社 会議室A\\, 2F\\; 受付" in text  # RFC 5545 escaping
    assert f"/c/dx/diagnosis/{diagnosis.pk}/" in text


@pytest.mark.parametrize("who, status", [("bank_user", 403), ("other_bank_user", 404), ("itc_nagano", 404)])
def test_ics_permission(cast, login, who, status):
    diagnosis = submitted_diagnosis(cast)
    schedule(cast, login, diagnosis)
    assert login(getattr(cast, who)).get(url("advice_ics", diagnosis.pk)).status_code == status


def test_ics_other_consortium_is_404(cast, login):
    diagnosis = submitted_diagnosis(cast)
    schedule(cast, login, diagnosis)
    response = login(cast.stranger_coordinator).get(url("advice_ics", diagnosis.pk, slug="other"))
    assert response.status_code == 404


def advice_data(diagnosis, **extra):
    items = {i.code: i for i in IndexItem.objects.filter(edition=diagnosis.edition)}
    return {
        "held_on": "2022-08-05",
        "mode": "in_person",
        "weak_items": [items["4-3"].pk, items["6-1"].pk],
        "target_state": "受注から出荷までをデータでつなぐ。",
        "digitization_steps": "まず紙の日報をデジタル化する。",
        "advice": "評価の仕組みを先に整える。",
        "notes": "全体として意欲が高い。",
        "note_1": "経営者はビジョンを語れる。",
        "note_4-3": "評価指標がない。",
        # The session's version as a form loaded now carries it (0: no advice recorded yet).
        "version": str(getattr(AdvisorSession.objects.filter(diagnosis=diagnosis).first(), "version", 0)),
        **extra,
    }


def test_advisor_records_advice_with_item_notes_and_the_company_sees_it(cast, login):
    diagnosis = submitted_diagnosis(cast)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    client = login(cast.itc)
    html = client.get(url("advice", diagnosis.pk)).content.decode()
    assert 'name="note_4-3"' in html and "<details" in html and 'name="weak_items"' in html
    response = client.post(url("advice", diagnosis.pk), advice_data(diagnosis))
    assert response.status_code == 302
    session = Diagnosis.objects.get(pk=diagnosis.pk).advisor_session
    assert sorted(session.weak_items.values_list("code", flat=True)) == ["4-3", "6-1"]
    assert session.target_state == "受注から出荷までをデータでつなぐ。"
    notes = dict(AdvisorItemNote.objects.filter(advisor_session=session).values_list("item__code", "note"))
    assert notes == {"1": "経営者はビジョンを語れる。", "4-3": "評価指標がない。"}
    # Editing again: an emptied note is removed, the form shows what was saved.
    html = client.get(url("advice", diagnosis.pk)).content.decode()
    assert "評価指標がない。" in html
    client.post(url("advice", diagnosis.pk), advice_data(diagnosis, **{"note_1": ""}))
    assert list(
        AdvisorItemNote.objects.filter(advisor_session=session).values_list("item__code", flat=True)
    ) == ["4-3"]
    # The company sees the advice, the weak items and the item notes on its result page.
    html = login(cast.company_user).get(url("result", diagnosis.pk)).content.decode()
    for text in (
        "受注から出荷までをデータでつなぐ。",
        "まず紙の日報をデジタル化する。",
        "評価指標がない。",
        "4-3 評価",
    ):
        assert text in html
    assert "アドバイスPDF" in html


@pytest.mark.parametrize("who, status", [("company_user", 403), ("bank_user", 403), ("other_bank_user", 404)])
def test_only_the_advisor_or_a_coordinator_records(cast, login, who, status):
    diagnosis = submitted_diagnosis(cast)
    response = login(getattr(cast, who)).post(url("advice", diagnosis.pk), advice_data(diagnosis))
    assert response.status_code == status
    assert not AdvisorItemNote.objects.exists()


def test_weak_items_from_another_edition_are_refused(cast, login):
    diagnosis = submitted_diagnosis(cast)
    response = login(cast.coordinator).post(
        url("advice", diagnosis.pk), advice_data(diagnosis, weak_items=[999999])
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Diagnosis.objects.filter(pk=diagnosis.pk, advisor_session__isnull=False).exists()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_advice_pdf(cast, login, django_capture_on_commit_callbacks):
    diagnosis = submitted_diagnosis(cast)
    request_url = reverse("documents:request", args=["dx"])
    data = {"kind": "advice", "company": cast.company.pk, "diagnosis": diagnosis.pk}
    client = login(cast.coordinator)
    client.post(request_url, data)  # no advice recorded yet: refused
    assert not GeneratedDocument.objects.exists()
    client.post(url("advice", diagnosis.pk), advice_data(diagnosis))
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.company_user).post(request_url, data)
    assert response.status_code == 302
    doc = GeneratedDocument.objects.get(kind="advice")
    assert doc.status == GeneratedDocument.Status.READY, doc.error
    text = subprocess.run(
        ["pdftotext", doc.file.path, "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "テスト精密工業株式会社" in text and "DX診断アドバイス" in text
    assert "評価指標がない。" in text and "まず紙の日報をデジタル化する。" in text
    assert (
        login(cast.other_bank_user).get(reverse("documents:download", args=["dx", doc.pk])).status_code == 404
    )
