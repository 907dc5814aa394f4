"""Views of the self-diagnosis form: autosave, 定量指標, respondents, 差し戻し, re-diagnosis."""

from decimal import Decimal

import pytest
from django.urls import reverse

from diagnosis.index_loader import benchmarks_load
from diagnosis.models import (
    Diagnosis,
    DiagnosisAnswer,
    DiagnosisIndicator,
    DiagnosisReopening,
    QuantitativeIndicator,
    RespondentAnswer,
)
from diagnosis.services import diagnosis_indicator_add, diagnosis_start, respondent_answers_save
from dxcommunity.tenancy.models import Membership
from tests.conftest import add_member, make_user
from tests.diagnosis.factories import submitted_diagnosis
from tests.diagnosis.test_views import full_post
from tests.two_writers import with_version

pytestmark = pytest.mark.django_db


def url(name, *args, slug="dx"):
    return reverse(f"diagnosis:{name}", args=[slug, *args])


def answer(diagnosis, code):
    return DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code=code)


# --- autosave ---------------------------------------------------------------------------------------


def test_autosave_saves_partial_answers_without_completeness_checks(cast, login):
    client = login(cast.company_user)
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    response = client.post(
        url("autosave", diagnosis.pk),
        with_version({"current_1": "2", "evidence_1": "朝礼で共有", "advice_mode": ""}, diagnosis),
    )
    assert response.status_code == 200
    assert response["X-Diagnosis-Autosave"] == "saved"
    assert response.content.decode().startswith("自動保存しました ")
    a = answer(diagnosis, "1")
    assert (a.current, a.target, a.evidence) == (2, None, "朝礼で共有")
    diagnosis.refresh_from_db()
    assert diagnosis.status == "draft"


def test_autosave_with_a_bad_value_answers_400_and_saves_nothing(cast, login):
    client = login(cast.company_user)
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    response = client.post(
        url("autosave", diagnosis.pk), with_version({"current_1": "7", "current_2": "3"}, diagnosis)
    )
    assert response.status_code == 400 and response["X-Diagnosis-Autosave"] == "error"
    assert "成熟度は0〜5の整数" in response.content.decode()
    assert answer(diagnosis, "2").current is None


def test_autosave_refuses_a_submitted_diagnosis(cast, login):
    diagnosis = submitted_diagnosis(cast)
    response = login(cast.company_user).post(
        url("autosave", diagnosis.pk), with_version({"current_1": "0"}, diagnosis)
    )
    assert response.status_code == 409
    assert response.content.decode() == "提出済みのため保存できません。"
    assert answer(diagnosis, "1").current == 2


def test_autosave_after_the_session_expired_redirects_to_login_and_loses_nothing(cast, client, login):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    login(cast.company_user).post(url("autosave", diagnosis.pk), with_version({"current_1": "3"}, diagnosis))
    client.logout()  # the session expired
    response = client.post(
        url("autosave", diagnosis.pk), with_version({"current_1": "", "current_2": "1"}, diagnosis)
    )
    assert response.status_code == 302 and "login" in response["Location"]
    assert "X-Diagnosis-Autosave" not in response  # the page's script keeps its local copy
    assert answer(diagnosis, "1").current == 3 and answer(diagnosis, "2").current is None


def test_edit_page_wires_autosave_and_the_local_copy(cast, login):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    page = login(cast.company_user).get(url("edit", diagnosis.pk)).content.decode()
    assert f'hx-post="{url("autosave", diagnosis.pk)}"' in page
    assert 'hx-trigger="change delay:800ms"' in page
    assert "js/diagnosis-autosave.js" in page and 'id="autosave-status"' in page
    assert "復元する" in page and "破棄する" in page
    assert f'data-autosave-key="dxdiag-dx-{diagnosis.pk}"' in page


@pytest.mark.parametrize(
    "who, status",
    [("bank_user", 403), ("coordinator", 403), ("other_bank_user", 404), ("other_company_user", 404)],
)
def test_autosave_permissions(cast, login, who, status):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    response = login(getattr(cast, who)).post(
        url("autosave", diagnosis.pk), with_version({"current_1": "1"}, diagnosis)
    )
    assert response.status_code == status
    assert answer(diagnosis, "1").current is None


def test_autosave_of_another_consortium_is_404(cast, login):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    response = login(cast.stranger_coordinator).post(url("autosave", diagnosis.pk, slug="other"), {})
    assert response.status_code == 404


# --- 定量指標 in the form ----------------------------------------------------------------------------


def test_indicators_added_from_library_and_defined_through_the_form(cast, login):
    benchmarks_load()
    client = login(cast.company_user)
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    page = client.get(url("edit", diagnosis.pk)).content.decode()
    assert "定量指標" in page and "決算処理スピード" in page and 'name="new_indicator"' in page
    mau = QuantitativeIndicator.objects.get(name="MAU")
    response = client.post(
        url("edit", diagnosis.pk),
        with_version({"action": "add_indicator", "new_indicator": str(mau.pk), "current_1": "1"}, diagnosis),
    )
    assert response.status_code == 302
    assert answer(diagnosis, "1").current == 1  # what was typed is saved with the add
    response = client.post(
        url("edit", diagnosis.pk),
        with_version(
            {"action": "add_indicator", "new_indicator_name": "受注処理時間", "new_indicator_unit": "分"},
            diagnosis,
        ),
    )
    rows = list(DiagnosisIndicator.objects.filter(diagnosis=diagnosis))
    assert [(r.name, r.unit) for r in rows] == [("MAU", ""), ("受注処理時間", "分")]
    own = rows[1]
    page = client.get(url("edit", diagnosis.pk)).content.decode()
    assert f'name="ind_{own.pk}_current_value"' in page and "この指標を削除" in page
    client.post(
        url("edit", diagnosis.pk),
        with_version(
            {
                "action": "save",
                f"ind_{own.pk}_name": "受注処理時間",
                f"ind_{own.pk}_current_value": "45",
                f"ind_{own.pk}_target_value": "10",
                f"ind_{own.pk}_calculation_method": "受付から入力完了まで",
            },
            diagnosis,
        ),
    )
    own.refresh_from_db()
    assert (own.current_value, own.target_value) == (Decimal("45"), Decimal("10"))
    client.post(url("edit", diagnosis.pk), with_version({"remove_indicator": str(rows[0].pk)}, diagnosis))
    assert list(DiagnosisIndicator.objects.filter(diagnosis=diagnosis)) == [own]


def test_add_indicator_without_a_choice_or_a_name_shows_the_error_and_keeps_what_was_typed(cast, login):
    client = login(cast.company_user)
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    response = client.post(
        url("edit", diagnosis.pk),
        with_version({"action": "add_indicator", "evidence_2": "部門会議で議論中"}, diagnosis),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "ライブラリから選ぶか、指標名を入力してください。" in page and "部門会議で議論中" in page
    assert answer(diagnosis, "2").evidence == "部門会議で議論中"


def test_submit_with_an_indicator_lacking_its_current_value_names_the_row(cast, login):
    client = login(cast.company_user)
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    row = diagnosis_indicator_add(diagnosis=diagnosis, user=cast.company_user, name="データ鮮度", unit="日")
    data = full_post(diagnosis.edition)
    data.update({f"ind_{row.pk}_name": "データ鮮度", f"ind_{row.pk}_target_value": "1"})
    response = client.post(url("edit", diagnosis.pk), with_version(data, diagnosis))
    assert response.status_code == 200
    page = response.content.decode()
    assert "定量指標「データ鮮度」: 現在値を入力してください。" in page
    assert "現在値を入力してください（提出時に必須）。" in page
    diagnosis.refresh_from_db()
    row.refresh_from_db()
    assert diagnosis.status == "draft" and row.target_value == Decimal("1")  # typed values kept
    data[f"ind_{row.pk}_current_value"] = "3"
    response = client.post(url("edit", diagnosis.pk), with_version(data, diagnosis))
    assert response.status_code == 302 and response["Location"] == url("submit", diagnosis.pk)
    assert client.post(url("submit", diagnosis.pk)).status_code == 302
    diagnosis.refresh_from_db()
    assert diagnosis.status == "submitted"


def test_bad_indicator_number_is_shown_next_to_the_field_and_kept(cast, login):
    client = login(cast.company_user)
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    row = diagnosis_indicator_add(diagnosis=diagnosis, user=cast.company_user, name="MAU")
    response = client.post(
        url("edit", diagnosis.pk),
        with_version({"action": "save", f"ind_{row.pk}_current_value": "約100", "current_1": "4"}, diagnosis),
    )
    page = response.content.decode()
    assert response.status_code == 200 and "数値で入力してください（入力値: 約100）。" in page
    assert 'value="約100"' in page


# --- respondents ------------------------------------------------------------------------------------


def test_respondents_enter_their_own_answers_and_the_form_shows_disagreement(cast, login):
    head = make_user("head@example.com", "製造 部長")
    add_member(cast.consortium, head, Membership.Role.COMPANY_MEMBER, company=cast.company)
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    page = login(head).get(url("respond", diagnosis.pk)).content.decode()
    assert 'name="current_4-1"' in page and "自分の回答を保存" in page
    response = login(head).post(url("respond", diagnosis.pk), {"current_1": "3", "target_1": "4"})
    assert response.status_code == 302
    assert RespondentAnswer.objects.get(diagnosis=diagnosis, respondent=head, item__code="1").current == 3
    respondent_answers_save(
        diagnosis=diagnosis, user=cast.company_user, answers={"1": {"current": "1", "target": "4"}}
    )
    page = login(cast.company_user).get(url("edit", diagnosis.pk)).content.decode()
    assert "回答が分かれています" in page
    assert "回答が分かれている項目: 1件" in page
    assert "製造 部長" in page and "精密 太郎（経営者）" in page
    # 「…さんの回答を採用」 fills the agreed answer.
    response = login(cast.company_user).post(
        url("edit", diagnosis.pk), with_version({"adopt_respondent": str(head.pk)}, diagnosis)
    )
    assert response.status_code == 302
    assert answer(diagnosis, "1").current == 3


def test_respond_with_a_bad_value_keeps_what_was_typed(cast, login):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    response = login(cast.company_user).post(
        url("respond", diagnosis.pk), {"current_1": "8", "evidence_1": "全社会議で共有"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "成熟度は0〜5の整数" in page and "全社会議で共有" in page
    assert not RespondentAnswer.objects.exists()


@pytest.mark.parametrize("who, status", [("bank_user", 403), ("itc", 404), ("other_company_user", 404)])
def test_respond_permissions(cast, login, who, status):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    assert login(getattr(cast, who)).get(url("respond", diagnosis.pk)).status_code == status


# --- 差し戻し ---------------------------------------------------------------------------------------


def test_reopen_page_requires_a_reason_and_audits(cast, login):
    diagnosis = submitted_diagnosis(cast)
    client = login(cast.coordinator)
    page = client.get(url("reopen", diagnosis.pk)).content.decode()
    assert 'name="reason"' in page and "差し戻す" in page
    response = client.post(url("reopen", diagnosis.pk), {"reason": ""})
    assert response.status_code == 200 and "差し戻しの理由を入力してください。" in response.content.decode()
    diagnosis.refresh_from_db()
    assert diagnosis.status == "submitted" and not DiagnosisReopening.objects.exists()
    response = client.post(url("reopen", diagnosis.pk), {"reason": "定量指標を追加してください"})
    assert response.status_code == 302 and response["Location"] == url("result", diagnosis.pk)
    diagnosis.refresh_from_db()
    assert diagnosis.status == "draft"
    reopening = DiagnosisReopening.objects.get()
    assert (reopening.reopened_by, reopening.reason) == (cast.coordinator, "定量指標を追加してください")
    historical = diagnosis.history.order_by("-history_date", "-history_id").first()
    assert historical.history_user == cast.coordinator and historical.status == "draft"
    # The company sees the reason on its form and can edit again.
    page = login(cast.company_user).get(url("edit", diagnosis.pk)).content.decode()
    assert "差し戻されました" in page and "定量指標を追加してください" in page


def test_the_assigned_advisor_may_reopen(cast, login):
    diagnosis = submitted_diagnosis(cast)
    Diagnosis.objects.filter(pk=diagnosis.pk).update(advisor=cast.itc)
    response = login(cast.itc).post(url("reopen", diagnosis.pk), {"reason": "再確認"})
    assert response.status_code == 302
    assert DiagnosisReopening.objects.get().reopened_by == cast.itc


@pytest.mark.parametrize(
    "who, status",
    [("company_user", 403), ("bank_user", 403), ("itc", 404), ("other_bank_user", 404), ("vendor_user", 404)],
)
def test_only_the_advisor_or_a_coordinator_may_reopen(cast, login, who, status):
    diagnosis = submitted_diagnosis(cast)
    response = login(getattr(cast, who)).post(url("reopen", diagnosis.pk), {"reason": "理由"})
    assert response.status_code == status
    diagnosis.refresh_from_db()
    assert diagnosis.status == "submitted" and not DiagnosisReopening.objects.exists()


def test_reopen_of_another_consortium_is_404(cast, login):
    diagnosis = submitted_diagnosis(cast)
    response = login(cast.stranger_coordinator).post(
        url("reopen", diagnosis.pk, slug="other"), {"reason": "x"}
    )
    assert response.status_code == 404


# --- re-diagnosis -----------------------------------------------------------------------------------


def test_start_again_from_the_previous_answers(cast, login):
    first = submitted_diagnosis(cast, current=3, target=4)
    client = login(cast.company_user)
    page = client.get(url("list")).content.decode()
    assert "前回の回答から始める" in page
    response = client.post(url("start"), {"prefill": "1"})
    second = Diagnosis.objects.filter(company=cast.company).exclude(pk=first.pk).get()
    assert response["Location"] == url("edit", second.pk)
    assert answer(second, "7-3").current == 3 and answer(second, "7-3").target == 4
    # While the draft is open the button is not offered again.
    assert "前回の回答から始める" not in client.get(url("list")).content.decode()
