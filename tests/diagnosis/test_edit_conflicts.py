"""Two writers on the same DX自己診断 draft (two tabs, two company members): autosave and 「下書き保存」
never erase the other one's answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diagnosis.models import Diagnosis, DiagnosisAnswer
from diagnosis.services import diagnosis_save_draft, diagnosis_start
from dxcommunity.concurrency import EditConflict
from dxcommunity.tenancy.models import Membership
from tests.conftest import add_member, make_user
from tests.two_writers import browser, form_version

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"diagnosis:{name}", args=["dx", *args])


def answer(diagnosis, code):
    """The stored answer of item ``code`` (an unsaved blank one when there is none yet)."""
    return DiagnosisAnswer.objects.filter(diagnosis=diagnosis, item__code=code).first() or DiagnosisAnswer()


def test_autosave_of_a_stale_tab_answers_409_and_keeps_the_other_tabs_answers(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    tab1, tab2 = browser(cast.company_user), browser(cast.company_user)
    v1, v2 = (
        form_version(tab1.get(url("edit", diagnosis.pk))),
        form_version(tab2.get(url("edit", diagnosis.pk))),
    )

    saved = tab1.post(url("autosave", diagnosis.pk), {"current_1": "3", "version": v1})
    assert saved.status_code == 200 and saved.content.decode().startswith("自動保存しました")
    assert saved["X-Diagnosis-Version"] == str(int(v1) + 1)  # the page sends this one next

    # The second tab still shows 1 unanswered; its autosave would have erased tab 1's answer.
    stale = tab2.post(url("autosave", diagnosis.pk), {"current_1": "", "current_2": "4", "version": v2})
    assert stale.status_code == 409
    assert stale["X-Diagnosis-Autosave"] == "error" and stale["X-Diagnosis-Conflict"] == "1"
    assert "自動保存しました" not in stale.content.decode()
    assert "ほかの画面（または他の人）がこの自己診断を先に保存しました" in stale.content.decode()
    assert answer(diagnosis, "1").current == 3 and answer(diagnosis, "2").current is None

    # Tab 1 goes on with the version its last autosave returned.
    again = tab1.post(
        url("autosave", diagnosis.pk),
        {"current_1": "3", "current_2": "1", "version": saved["X-Diagnosis-Version"]},
    )
    assert again.status_code == 200 and answer(diagnosis, "2").current == 1


def test_draft_save_of_a_second_member_shows_both_answers_and_keeps_the_first(cast):
    colleague = make_user("staff@example.com", "精密 花子")
    add_member(cast.consortium, colleague, Membership.Role.COMPANY_MEMBER, company=cast.company)
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    ceo, staff = browser(cast.company_user), browser(colleague)
    edit = url("edit", diagnosis.pk)
    v_ceo, v_staff = form_version(ceo.get(edit)), form_version(staff.get(edit))
    assert (
        ceo.post(edit, {"action": "save", "evidence_1": "経営者の根拠", "version": v_ceo}).status_code == 302
    )

    typed = {"action": "save", "evidence_1": "担当者の根拠", "current_2": "4", "version": v_staff}
    response = staff.post(edit, typed)
    assert response.status_code == 409
    html = response.content.decode()
    assert "ほかの人が先に保存しました" in html
    assert "経営者の根拠" in html and "担当者の根拠" in html  # theirs next to mine, the typed text kept
    assert "1 根拠・エビデンス" in html
    assert f'href="{edit}"' in html
    assert answer(diagnosis, "1").evidence == "経営者の根拠" and answer(diagnosis, "2").current is None
    # 「下書き保存」 again from the conflict page (stored version) keeps the staff member's answers.
    assert form_version(response) == str(Diagnosis.objects.get(pk=diagnosis.pk).version)
    assert staff.post(edit, typed | {"version": form_version(response)}).status_code == 302
    assert answer(diagnosis, "1").evidence == "担当者の根拠" and answer(diagnosis, "2").current == 4


def test_edit_page_script_takes_the_version_of_each_autosave(cast, login):
    """The page's script moves its ``version`` field on after each saved autosave and offers the
    comparison on a conflict (checked in the static file: there is no browser here)."""
    from django.contrib.staticfiles import finders

    script = open(finders.find("js/diagnosis-autosave.js"), encoding="utf-8").read()
    assert 'getResponseHeader("X-Diagnosis-Version")' in script
    assert "form.elements.version.value = version" in script
    assert 'getResponseHeader("X-Diagnosis-Conflict")' in script
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    page = login(cast.company_user).get(url("edit", diagnosis.pk)).content.decode()
    assert 'data-msg-compare="比べて選ぶ"' in page


def test_save_draft_checks_the_version_in_the_update(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    loaded = diagnosis.version
    saved = diagnosis_save_draft(
        diagnosis=diagnosis, user=cast.company_user, answers={"1": {"current": 2}}, version=loaded
    )
    assert saved.version == loaded + 1
    with pytest.raises(EditConflict) as caught:
        diagnosis_save_draft(
            diagnosis=diagnosis,
            user=cast.company_user,
            answers={"1": {"current": None}, "2": {"current": 5}},
            meta={"questionnaire": "二人目"},
            version=loaded,
        )
    assert caught.value.current.version == loaded + 1
    assert answer(diagnosis, "1").current == 2 and answer(diagnosis, "2").current is None
    assert Diagnosis.objects.get(pk=diagnosis.pk).questionnaire == ""


# --- the DX診断アドバイス ---------------------------------------------------------------------------


def advice_post(**overrides):
    return {"held_on": "2022-08-05", "mode": "in_person", "advice": "", "notes": ""} | overrides


def test_advice_second_writer_sees_the_conflict_and_the_first_save_is_kept(cast):
    from diagnosis.models import AdvisorSession
    from diagnosis.services import diagnosis_assign_advisor
    from tests.diagnosis.factories import submitted_diagnosis

    diagnosis = submitted_diagnosis(cast)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    advisor, coordinator = browser(cast.itc), browser(cast.coordinator)
    page = url("advice", diagnosis.pk)
    v_advisor, v_coordinator = form_version(advisor.get(page)), form_version(coordinator.get(page))
    assert v_advisor == v_coordinator == "0"
    first = advice_post(advice="アドバイザーの助言", note_1="アドバイザーのメモ")
    assert advisor.post(page, first | {"version": v_advisor}).status_code == 302

    second = advice_post(advice="事務局の助言", target_state="事務局の目指す姿")
    response = coordinator.post(page, second | {"version": v_coordinator})
    assert response.status_code == 409
    html = response.content.decode()
    assert "ほかの人が先に保存しました" in html
    assert "アドバイザーの助言" in html and "事務局の助言" in html and "事務局の目指す姿" in html
    assert "アドバイザーのメモ" in html  # the item note the coordinator's form did not have
    session = AdvisorSession.objects.get(diagnosis=diagnosis)
    assert (session.advice, session.target_state) == ("アドバイザーの助言", "")
    assert form_version(response) == str(session.version)


def test_advice_record_checks_the_version(cast):
    import datetime as dt

    from diagnosis.advice.services import advice_record
    from tests.diagnosis.factories import submitted_diagnosis

    diagnosis = submitted_diagnosis(cast)
    kwargs = {
        "diagnosis": diagnosis,
        "advisor": cast.coordinator,
        "held_on": dt.date(2022, 8, 5),
        "mode": "online",
    }
    session = advice_record(**kwargs, advice="一人目", version=0)
    with pytest.raises(EditConflict):
        advice_record(**kwargs, advice="二人目", target_state="二人目", version=0)
    session.refresh_from_db()
    assert (session.advice, session.target_state) == ("一人目", "")
    assert advice_record(**kwargs, advice="二人目", version=session.version).advice == "二人目"
