"""提出 asks once: the form's 「提出する」 saves the draft and opens a confirmation page that says what
submitting does and how it is undone (差し戻し); only its POST submits; audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diagnosis.models import Diagnosis, DiagnosisAnswer
from diagnosis.services import diagnosis_reopen, diagnosis_save_draft, diagnosis_start
from tests.diagnosis.factories import all_answers, item_codes, submitted_diagnosis
from tests.two_writers import with_version

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"diagnosis:{name}", args=["dx", *args])


def _draft(cast, *, complete=True):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    skip = () if complete else tuple(item_codes(diagnosis.edition)[:1])
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers=all_answers(diagnosis.edition, skip=skip),
        meta={"advice_mode": Diagnosis.AdviceMode.ONLINE},
    )
    return diagnosis


def test_the_form_button_saves_then_asks_instead_of_submitting(cast, login):
    diagnosis = _draft(cast)
    code = item_codes(diagnosis.edition)[0]
    data = {"action": "submit", "advice_mode": "online"}
    for c in item_codes(diagnosis.edition):
        data[f"current_{c}"], data[f"target_{c}"] = "1", "3"
    response = login(cast.company_user).post(url("edit", diagnosis.pk), with_version(data, diagnosis))
    assert response.status_code == 302 and response["Location"] == url("submit", diagnosis.pk)
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT
    assert DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code=code).current == 1  # saved


def test_get_says_what_happens_and_changes_nothing(cast, login):
    diagnosis = _draft(cast)
    page = login(cast.company_user).get(url("submit", diagnosis.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "変更できなくなります" in html and "差し戻し" in html
    assert 'method="post"' in html and url("edit", diagnosis.pk) in html
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT


def test_post_submits_and_is_audited(cast, login):
    diagnosis = _draft(cast)
    response = login(cast.company_user).post(url("submit", diagnosis.pk))
    assert response.status_code == 302 and response["Location"] == url("result", diagnosis.pk)
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.SUBMITTED and diagnosis.submitted_at is not None
    last = diagnosis.history.order_by("-history_date", "-history_id").first()
    assert (last.status, last.history_user_id) == (Diagnosis.Status.SUBMITTED, cast.company_user.pk)


def test_an_incomplete_draft_goes_back_to_the_form(cast, login):
    diagnosis = _draft(cast, complete=False)
    client = login(cast.company_user)
    for method in ("get", "post"):
        response = getattr(client, method)(url("submit", diagnosis.pk))
        assert response.status_code == 302 and response["Location"] == url("edit", diagnosis.pk)
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT


def test_a_submitted_diagnosis_goes_to_its_result_and_the_way_back_is_reopen(cast, login):
    diagnosis = submitted_diagnosis(cast)
    client = login(cast.company_user)
    assert client.get(url("submit", diagnosis.pk))["Location"] == url("result", diagnosis.pk)
    assert client.post(url("submit", diagnosis.pk))["Location"] == url("result", diagnosis.pk)
    # The undo of 提出: the coordinator's (or assigned advisor's) 差し戻し makes it a draft again.
    diagnosis_reopen(diagnosis=diagnosis, user=cast.coordinator, reason="3-1 の回答を見直してください")
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT
    assert client.get(url("submit", diagnosis.pk)).status_code == 200
