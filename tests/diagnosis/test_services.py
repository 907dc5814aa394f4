import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from diagnosis.models import AdvisorSession, Diagnosis, DiagnosisAnswer
from diagnosis.services import (
    DiagnosisLocked,
    advisor_session_record,
    diagnosis_assign_advisor,
    diagnosis_save_draft,
    diagnosis_start,
    diagnosis_submit,
)
from programs.models import Participation
from tests.diagnosis.factories import all_answers, item_codes, submitted_diagnosis

pytestmark = pytest.mark.django_db


def answer(diagnosis, code):
    return DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code=code)


def test_start_creates_one_draft_with_an_empty_answer_per_item(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)

    assert diagnosis.status == Diagnosis.Status.DRAFT
    assert diagnosis.edition.key == "dxpi-2019"
    assert diagnosis.consortium == cast.consortium
    answers = DiagnosisAnswer.objects.filter(diagnosis=diagnosis)
    assert answers.count() == 35
    assert not answers.filter(current__isnull=False).exists()
    assert all(a.consortium_id == cast.consortium.pk for a in answers)
    # Starting again opens the same draft.
    assert diagnosis_start(company=cast.company, user=cast.company_user) == diagnosis
    assert Diagnosis.objects.filter(company=cast.company).count() == 1


@pytest.mark.parametrize("who", ["coordinator", "itc", "bank_user", "other_company_user"])
def test_only_a_member_of_the_company_may_start(cast, who):
    with pytest.raises(PermissionDenied):
        diagnosis_start(company=cast.company, user=getattr(cast, who))
    assert not Diagnosis.objects.filter(company=cast.company).exists()


def test_save_draft_keeps_partial_data(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers={"4-1": {"current": "2", "evidence": "部門単位で試行中"}},
        meta={"advice_date_candidates": "8/3 午後"},
    )
    # A later save of other items and meta leaves the earlier values alone.
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers={"1": {"current": 1, "target": 3}},
        meta={"advice_mode": "online"},
    )

    a41 = answer(diagnosis, "4-1")
    assert (a41.current, a41.target, a41.evidence) == (2, None, "部門単位で試行中")
    a1 = answer(diagnosis, "1")
    assert (a1.current, a1.target) == (1, 3)
    diagnosis.refresh_from_db()
    assert diagnosis.advice_date_candidates == "8/3 午後"
    assert diagnosis.advice_mode == "online"
    # Blank clears a value.
    diagnosis_save_draft(diagnosis=diagnosis, user=cast.company_user, answers={"1": {"current": ""}})
    assert answer(diagnosis, "1").current is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"4-1": {"current": 6}}, "current_4-1"),
        ({"1": {"target": "abc"}}, "target_1"),
        ({"9-5": {"current": "-1"}}, "current_9-5"),
        ({"2": {"target": "2.5"}}, "target_2"),
    ],
)
def test_save_draft_rejects_bad_maturity_naming_the_field_and_saves_nothing(cast, data, field):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    good = {"3": {"current": 2, "target": 4}}

    with pytest.raises(ValidationError) as exc:
        diagnosis_save_draft(diagnosis=diagnosis, user=cast.company_user, answers={**good, **data})

    assert list(exc.value.message_dict) == [field]
    assert "0〜5" in exc.value.message_dict[field][0]
    assert answer(diagnosis, "3").current is None  # all or nothing


def test_save_draft_rejects_bad_meta_and_unknown_items(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    with pytest.raises(ValidationError) as exc:
        diagnosis_save_draft(
            diagnosis=diagnosis,
            user=cast.company_user,
            answers={"99": {"current": 1}},
            meta={"advice_mode": "phone", "dx_stage": "7"},
        )
    assert set(exc.value.message_dict) == {"answers", "advice_mode", "dx_stage"}
    assert "99" in exc.value.message_dict["answers"][0]


def test_submit_lists_every_missing_item_code(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    answers = all_answers(diagnosis.edition, skip={"4-2", "9-6"})
    answers["7-3"] = {"current": 1}  # target missing
    diagnosis_save_draft(diagnosis=diagnosis, user=cast.company_user, answers=answers)

    with pytest.raises(ValidationError) as exc:
        diagnosis_submit(diagnosis=diagnosis, user=cast.company_user)

    assert exc.value.missing_items == ["4-2", "7-3", "9-6"]
    messages = exc.value.message_dict["items"]
    assert [m.split(" ")[0] for m in messages] == ["4-2", "7-3", "9-6"]
    assert "目標（3年後）" in messages[1] and "現在" not in messages[1]
    assert "advice_mode" in exc.value.message_dict
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT
    assert answer(diagnosis, "1").current == 2  # the draft is kept


def test_submit_locks_and_advances_the_company(cast):
    diagnosis = submitted_diagnosis(cast)

    assert diagnosis.status == Diagnosis.Status.SUBMITTED
    assert diagnosis.submitted_at is not None
    assert Participation.objects.get(pk=cast.participation.pk).stage == Participation.Stage.DIAGNOSED
    with pytest.raises(DiagnosisLocked):
        diagnosis_save_draft(diagnosis=diagnosis, user=cast.company_user, answers={"1": {"current": 5}})
    with pytest.raises(DiagnosisLocked):
        diagnosis_submit(diagnosis=diagnosis, user=cast.company_user)
    assert answer(diagnosis, "1").current == 2
    # A new start after submission opens a new draft (re-diagnosis).
    assert diagnosis_start(company=cast.company, user=cast.company_user).pk != diagnosis.pk


def test_advisor_session_record_creates_then_updates_and_advances(cast):
    diagnosis = submitted_diagnosis(cast)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)

    session = advisor_session_record(
        diagnosis=diagnosis,
        advisor=cast.itc,
        held_on=dt.date(2022, 8, 10),
        mode="in_person",
        notes="メモ",
        advice="A",
    )
    again = advisor_session_record(
        diagnosis=diagnosis, advisor=cast.coordinator, held_on=dt.date(2022, 8, 12), mode="online", advice="B"
    )

    assert again.pk == session.pk
    assert AdvisorSession.objects.filter(diagnosis=diagnosis).count() == 1
    again.refresh_from_db()
    assert (again.advisor, again.held_on, again.mode, again.advice) == (
        cast.coordinator,
        dt.date(2022, 8, 12),
        "online",
        "B",
    )
    assert again.company == cast.company and again.consortium == cast.consortium
    assert Participation.objects.get(pk=cast.participation.pk).stage == Participation.Stage.ADVISED


def test_advisor_session_needs_a_submitted_diagnosis(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    with pytest.raises(ValidationError):
        advisor_session_record(
            diagnosis=diagnosis, advisor=cast.itc, held_on=dt.date(2022, 8, 10), mode="online"
        )
    assert not AdvisorSession.objects.exists()


# "itc" (of the region, not assigned) may no longer record the advice.
@pytest.mark.parametrize("who", ["bank_user", "itc", "itc_nagano", "company_user", "association_user"])
def test_advisor_session_only_by_the_assigned_advisor_or_coordinator(cast, who):
    diagnosis = submitted_diagnosis(cast)
    with pytest.raises(PermissionDenied):
        advisor_session_record(
            diagnosis=diagnosis, advisor=getattr(cast, who), held_on=dt.date(2022, 8, 10), mode="online"
        )


def test_advisor_session_rejects_unknown_mode(cast):
    diagnosis = submitted_diagnosis(cast)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    with pytest.raises(ValidationError) as exc:
        advisor_session_record(
            diagnosis=diagnosis, advisor=cast.itc, held_on=dt.date(2022, 8, 10), mode="phone"
        )
    assert "mode" in exc.value.message_dict


def test_item_codes_follow_the_index(index_edition):
    codes = item_codes(index_edition)
    assert len(codes) == 35 and codes[:5] == ["1", "2", "3", "4", "4-1"]


def test_services_read_the_current_state_not_the_callers_copy(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    stale = Diagnosis.objects.get(pk=diagnosis.pk)
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers=all_answers(diagnosis.edition),
        meta={"advice_mode": "online"},
    )
    diagnosis_submit(diagnosis=diagnosis, user=cast.company_user)
    assert diagnosis.is_locked  # the caller's instance is updated too
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)  # not in `stale`

    session = advisor_session_record(
        diagnosis=stale, advisor=cast.itc, held_on=dt.date(2022, 8, 10), mode="online"
    )
    assert session.pk is not None
    with pytest.raises(DiagnosisLocked):
        diagnosis_save_draft(diagnosis=stale, user=cast.company_user, answers={"1": {"current": 0}})
