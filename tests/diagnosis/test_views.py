import pytest
from django.urls import reverse

from diagnosis.models import AdvisorSession, Diagnosis, DiagnosisAnswer
from diagnosis.services import diagnosis_assign_advisor, diagnosis_start
from programs.models import Participation
from tests.diagnosis.factories import item_codes, submitted_diagnosis
from tests.two_writers import with_version

pytestmark = pytest.mark.django_db


def url(name, *args, slug="dx"):
    return reverse(f"diagnosis:{name}", args=[slug, *args])


def full_post(edition, *, action="submit", current="2", target="4", skip=()):
    data = {
        "action": action,
        "advice_mode": "in_person",
        "advice_date_candidates": "8/3 午後",
        "dx_stage": "2",
    }
    for code in item_codes(edition):
        if code in skip:
            continue
        data[f"current_{code}"] = current
        data[f"target_{code}"] = target
        data[f"evidence_{code}"] = f"根拠 {code}"
        data[f"action_{code}"] = ""
    return data


def test_company_fills_saves_and_submits_through_the_form(cast, login):
    client = login(cast.company_user)
    response = client.post(url("start"))
    diagnosis = Diagnosis.objects.get(company=cast.company)
    assert response.status_code == 302 and response["Location"] == url("edit", diagnosis.pk)

    page = client.get(url("edit", diagnosis.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="current_4-1"' in html and 'name="target_9-6"' in html and 'name="evidence_1"' in html
    assert "2 一部での戦略的実施" in html
    assert "ビジョンの共有" in html
    assert "設問文は公式資料で確認中" in html  # items without a reliable question show only the title
    assert "下書き保存" in html and "提出する" in html

    response = client.post(
        url("edit", diagnosis.pk),
        with_version({"action": "save", "current_4-1": "3", "questionnaire": "期待"}, diagnosis),
    )
    assert response.status_code == 302
    assert DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code="4-1").current == 3

    response = client.post(url("edit", diagnosis.pk), with_version(full_post(diagnosis.edition), diagnosis))
    # 「提出する」 saves and asks once (the confirmation page), which submits.
    assert response.status_code == 302 and response["Location"] == url("submit", diagnosis.pk)
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT
    response = client.post(url("submit", diagnosis.pk))
    assert response.status_code == 302 and response["Location"] == url("result", diagnosis.pk)
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.SUBMITTED
    assert diagnosis.advice_mode == "in_person" and diagnosis.dx_stage == 2
    assert diagnosis.questionnaire == ""  # the last post sent it blank
    assert Participation.objects.get(pk=cast.participation.pk).stage == Participation.Stage.DIAGNOSED

    result = client.get(url("result", diagnosis.pk)).content.decode()
    assert "2.00" in result and "4.00" in result and "経営視点" in result and "IT視点" in result
    assert "<svg" in result
    # Once submitted the form sends the member to the result.
    assert client.get(url("edit", diagnosis.pk))["Location"] == url("result", diagnosis.pk)


def test_submit_with_missing_items_keeps_everything_typed(cast, login):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    client = login(cast.company_user)
    data = full_post(diagnosis.edition, skip={"4-2", "8-8"})
    data["target_7-1"] = ""
    data["action_7-1"] = "来期に検討"

    response = client.post(url("edit", diagnosis.pk), with_version(data, diagnosis))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="missing-items"' in html
    for code in ("4-2", "7-1", "8-8"):
        assert f'href="#item-{code}"' in html
    assert 'href="#item-4-1"' not in html
    assert "来期に検討" in html and "8/3 午後" in html
    assert 'name="current_7-1" value="2" id="id_current_7-1_2" checked' in html
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT
    # Nothing lost: the typed answers are in the draft too.
    assert DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code="7-1").action == "来期に検討"
    assert DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code="1").current == 2


def test_bad_value_is_reported_on_its_field(cast, login):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    client = login(cast.company_user)
    response = client.post(
        url("edit", diagnosis.pk),
        with_version({"action": "save", "current_1": "6", "evidence_1": "残す", "current_2": "1"}, diagnosis),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "0〜5" in html and "残す" in html
    assert DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code="2").current is None


def test_itc_records_advice(cast, login):
    diagnosis = submitted_diagnosis(cast)
    client = login(cast.itc)
    # the region's ITC sees the stage only until the coordinator assigns it as advisor.
    assert client.get(url("advice", diagnosis.pk)).status_code == 404
    assign = login(cast.coordinator).post(url("result", diagnosis.pk), {"advisor": cast.itc.pk})
    assert assign.status_code == 302
    client = login(cast.itc)
    assert client.get(url("advice", diagnosis.pk)).status_code == 200

    response = client.post(
        url("advice", diagnosis.pk),
        {
            "held_on": "2022-08-10",
            "mode": "online",
            "notes": "ヒアリング",
            "advice": "4-3 評価を強化",
            "version": "0",
        },
    )

    assert response.status_code == 302 and response["Location"] == url("result", diagnosis.pk)
    session = AdvisorSession.objects.get(diagnosis=diagnosis)
    assert (session.advisor, session.mode, session.advice) == (cast.itc, "online", "4-3 評価を強化")
    assert Participation.objects.get(pk=cast.participation.pk).stage == Participation.Stage.ADVISED
    assert "4-3 評価を強化" in login(cast.company_user).get(url("result", diagnosis.pk)).content.decode()


def test_advice_form_errors_are_shown(cast, login):
    diagnosis = submitted_diagnosis(cast)
    response = login(cast.coordinator).post(url("advice", diagnosis.pk), {"held_on": "昨日", "notes": "メモ"})
    assert response.status_code == 200
    assert "メモ" in response.content.decode()
    assert not AdvisorSession.objects.exists()


@pytest.mark.parametrize("name", ["edit", "result", "advice"])
@pytest.mark.parametrize(
    "who", ["other_bank_user", "other_company_user", "itc_nagano", "association_user", "vendor_user"]
)
def test_not_visible_is_404(cast, login, name, who):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    assert login(getattr(cast, who)).get(url(name, diagnosis.pk)).status_code == 404


@pytest.mark.parametrize("name", ["edit", "result", "advice", "list"])
def test_other_consortium_is_404(cast, login, name):
    diagnosis = submitted_diagnosis(cast)
    client = login(cast.stranger_coordinator)
    if name == "list":
        assert client.get(url("list")).status_code == 404
    else:
        assert client.get(url(name, diagnosis.pk)).status_code == 404
        # Its own consortium does not know the pk either.
        assert client.get(url(name, diagnosis.pk, slug="other")).status_code == 404


def test_bank_of_the_company_reads_but_cannot_change(cast, login):
    diagnosis = submitted_diagnosis(cast)
    client = login(cast.bank_user)
    assert client.get(url("result", diagnosis.pk)).status_code == 200
    assert client.get(url("edit", diagnosis.pk)).status_code == 403
    assert client.get(url("advice", diagnosis.pk)).status_code == 403
    assert client.post(url("start")).status_code == 403


def test_supporters_cannot_fill_a_draft(cast, login):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    for who in ("coordinator", "itc", "bank_user"):
        client = login(getattr(cast, who))
        assert (
            client.post(
                url("edit", diagnosis.pk), with_version({"action": "save", "current_1": "3"}, diagnosis)
            ).status_code
            == 403
        )
    assert DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code="1").current is None
    # Advice needs a submitted diagnosis.
    assert login(cast.itc).get(url("advice", diagnosis.pk))["Location"] == url("result", diagnosis.pk)


def test_start_is_post_only(cast, login):
    assert login(cast.company_user).get(url("start")).status_code == 405


def test_list_shows_what_the_user_may_see(cast, login):
    submitted_diagnosis(cast)
    other = Diagnosis.objects.create(
        consortium=cast.consortium,
        company=cast.other_company,
        edition=Diagnosis.objects.first().edition,
    )
    mine = login(cast.company_user).get(url("list")).content.decode()
    assert cast.company.name in mine and cast.other_company.name not in mine
    everyone = login(cast.coordinator).get(url("list")).content.decode()
    assert cast.company.name in everyone and cast.other_company.name in everyone
    bank82 = login(cast.other_bank_user).get(url("list")).content.decode()
    assert cast.company.name not in bank82 and url("result", other.pk) in bank82


def test_company_panel(cast, login):
    from diagnosis.panels import company_panel_context
    from dxcommunity.tenancy.models import Membership

    def panel(user):
        membership = Membership.objects.select_related("consortium", "user").get(
            user=user, consortium=cast.consortium
        )
        return company_panel_context(company=cast.company, membership=membership)

    assert panel(cast.association_user) == {}
    assert panel(cast.company_user)["dx_can_start"] is True
    diagnosis = submitted_diagnosis(cast)
    assert panel(cast.itc)["dx_can_advise"] is False  # not assigned yet
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    assert panel(cast.company_user)["dx_diagnosis"] == diagnosis
    assert panel(cast.itc)["dx_can_advise"] is True
    assert panel(cast.bank_user)["dx_can_advise"] is False


def test_company_page_shows_the_panel(cast, login):
    diagnosis = submitted_diagnosis(cast)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    page = login(cast.itc).get(reverse("companies:detail", args=["dx", cast.company.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="diagnosis-panel"' in html
    assert url("result", diagnosis.pk) in html and url("advice", diagnosis.pk) in html


def test_submit_without_advice_mode_points_to_it(cast, login):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    data = full_post(diagnosis.edition)
    data["advice_mode"] = ""
    response = login(cast.company_user).post(url("edit", diagnosis.pk), with_version(data, diagnosis))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#submission-details"' in html and 'href="#item-' not in html
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT


def test_start_without_a_loaded_index_explains(cast, login):
    from diagnosis.models import IndexEdition

    IndexEdition.objects.update(is_current=False)
    client = login(cast.company_user)
    response = client.post(url("start"), follow=True)
    assert response.status_code == 200
    assert "DX推進指標が登録されていません" in response.content.decode()
    assert not Diagnosis.objects.exists()
