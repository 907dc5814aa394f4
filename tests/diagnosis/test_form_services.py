"""Services and selectors of the self-diagnosis form: 定量指標, reopening, respondents,
re-diagnosis, the benchmark/indicator data and a new edition added as data."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from diagnosis.index_loader import benchmarks_load
from diagnosis.models import (
    Diagnosis,
    DiagnosisAnswer,
    DiagnosisIndicator,
    DiagnosisReopening,
    IndexEdition,
    IpaBenchmark,
    QuantitativeIndicator,
    RespondentAnswer,
)
from diagnosis.results.changes import diagnosis_changes
from diagnosis.results.respondents import respondent_comparison
from diagnosis.services import (
    DiagnosisLocked,
    diagnosis_adopt_respondent,
    diagnosis_indicator_add,
    diagnosis_indicator_remove,
    diagnosis_reopen,
    diagnosis_save_draft,
    diagnosis_start,
    diagnosis_submit,
    respondent_answers_save,
)
from dxcommunity.tenancy.models import Membership
from tests.conftest import add_member, make_user
from tests.diagnosis.factories import all_answers, submitted_diagnosis

pytestmark = pytest.mark.django_db


def ready_draft(cast):
    """A draft with every item answered and an advice mode: only indicators can block submission."""
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers=all_answers(diagnosis.edition),
        meta={"advice_mode": Diagnosis.AdviceMode.ONLINE},
    )
    return diagnosis


# --- data: benchmarks and the indicator library ---------------------------------------------------


def test_benchmarks_load_seeds_ipa_figures_and_the_indicator_library_idempotently(index_edition):
    assert benchmarks_load() == (6, 10)
    assert benchmarks_load() == (6, 10)
    assert IpaBenchmark.objects.filter(edition=index_edition).count() == 6
    b2019 = IpaBenchmark.objects.get(edition=index_edition, year=2019)
    assert (b2019.companies, b2019.mean_current, b2019.mean_target) == (248, Decimal("1.43"), Decimal("3.07"))
    assert IpaBenchmark.objects.get(year=2021).mean_target is None  # unknown stays unknown
    names = list(QuantitativeIndicator.objects.filter(edition=index_edition).values_list("name", flat=True))
    assert names[0] == "決算処理スピード" and "MAU" in names and len(names) == 10
    # Units and methods are not in the source: left blank, never guessed.
    assert set(QuantitativeIndicator.objects.values_list("unit", flat=True)) == {""}


def test_load_index_command_loads_benchmarks_with_the_default_edition(db):
    call_command("load_index")
    assert IndexEdition.objects.get(key="dxpi-2019").is_current
    assert IpaBenchmark.objects.count() == 6 and QuantitativeIndicator.objects.count() == 10


NEW_EDITION = """\
# A test edition in the same shape (items unknown here: invented codes for the test only).
version: dxpi-test-2026
name: テスト版 DX推進指標
maturity_levels:
  - {level: 0, name: レベル零, description: ""}
  - {level: 1, name: レベル壱, description: ""}
  - {level: 2, name: レベル弐, description: ""}
groups:
  - {key: governance, name: ガバナンス, short_name: ガバナンス視点}
items:
  - {code: "A", group: governance, kind: key, title: "テスト項目A", title_status: verified,
     question: "テスト設問A？", question_status: verified}
  - {code: "A-1", group: governance, kind: sub, title: "テスト項目A-1", title_status: partial,
     question: null, question_status: unknown}
  - {code: "B", group: governance, kind: key, title: "テスト項目B", title_status: reconstructed,
     question: "テスト設問B？", question_status: reconstructed}
"""


def test_a_new_edition_is_loaded_as_data_and_used_for_new_diagnoses(cast, tmp_path, login):
    path = tmp_path / "new.yaml"
    path.write_text(NEW_EDITION, encoding="utf-8")
    call_command("load_index", str(path), "--not-current")
    new = IndexEdition.objects.get(key="dxpi-test-2026")
    assert not new.is_current and IndexEdition.objects.get(key="dxpi-2019").is_current
    assert new.name == "テスト版 DX推進指標" and new.items.count() == 3 and new.levels.count() == 3
    # A coordinator ticks 既定の版 in the admin for the new edition (both may be ticked: the newest wins).
    new.is_current = True
    new.save(update_fields=["is_current"])
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    assert diagnosis.edition == new
    assert DiagnosisAnswer.objects.filter(diagnosis=diagnosis).count() == 3
    page = login(cast.company_user).get(f"/c/dx/diagnosis/{diagnosis.pk}/edit/").content.decode()
    for text in (
        "テスト項目A",
        "テスト項目A-1",
        "テスト項目B",
        "テスト設問A？",
        "2 レベル弐",
        "ガバナンス視点",
    ):
        assert text in page
    assert 'name="current_A-1"' in page and 'name="current_4-1"' not in page
    # question None: the title only, with the note; never an invented text.
    assert "設問文は公式資料で確認中のため、項目名のみ表示しています。" in page
    assert "レベル参" not in page and "3 " + "全社戦略" not in page


# --- 定量指標 ---------------------------------------------------------------------------------------


def test_indicators_added_from_library_or_defined_updated_and_removed(cast, index_edition):
    benchmarks_load()
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    mau = QuantitativeIndicator.objects.get(name="MAU")
    lib = diagnosis_indicator_add(diagnosis=diagnosis, user=cast.company_user, indicator=mau)
    own = diagnosis_indicator_add(diagnosis=diagnosis, user=cast.company_user, name="受注処理時間", unit="分")
    assert (lib.name, lib.indicator, own.name, own.unit, own.indicator) == (
        "MAU",
        mau,
        "受注処理時間",
        "分",
        None,
    )
    assert own.order > lib.order
    with pytest.raises(ValidationError) as exc:
        diagnosis_indicator_add(diagnosis=diagnosis, user=cast.company_user, name="  ")
    assert "new_indicator_name" in exc.value.message_dict
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers={},
        indicators={own.pk: {"current_value": "１,２００", "target_value": "600", "action": "EDI導入"}},
    )
    own.refresh_from_db()
    assert (own.current_value, own.target_value, own.action) == (Decimal("1200"), Decimal("600"), "EDI導入")
    with pytest.raises(ValidationError) as exc:
        diagnosis_save_draft(
            diagnosis=diagnosis,
            user=cast.company_user,
            answers={},
            indicators={own.pk: {"current_value": "abc"}},
        )
    assert f"ind_{own.pk}_current_value" in exc.value.message_dict
    own.refresh_from_db()
    assert own.current_value == Decimal("1200")  # nothing saved on error
    diagnosis_indicator_remove(diagnosis=diagnosis, user=cast.company_user, row_id=lib.pk)
    assert list(DiagnosisIndicator.objects.filter(diagnosis=diagnosis)) == [own]
    with pytest.raises(PermissionDenied):
        diagnosis_indicator_add(diagnosis=diagnosis, user=cast.itc, name="X")


def test_submit_requires_a_current_value_on_every_indicator_row_and_names_it(cast):
    diagnosis = ready_draft(cast)
    row = diagnosis_indicator_add(diagnosis=diagnosis, user=cast.company_user, name="データ鮮度", unit="日")
    with pytest.raises(ValidationError) as exc:
        diagnosis_submit(diagnosis=diagnosis, user=cast.company_user)
    assert exc.value.message_dict["indicators"] == ["定量指標「データ鮮度」: 現在値を入力してください。"]
    assert f"ind_{row.pk}_current_value" in exc.value.message_dict
    assert exc.value.missing_indicators == [row.pk]
    diagnosis_save_draft(
        diagnosis=diagnosis, user=cast.company_user, answers={}, indicators={row.pk: {"current_value": "3"}}
    )
    assert diagnosis_submit(diagnosis=diagnosis, user=cast.company_user).is_locked


def test_submit_without_indicator_rows_is_allowed(cast):
    """Our choice: rows are optional (a company new to 定量指標 may have none); rows present need a value."""
    assert diagnosis_submit(diagnosis=ready_draft(cast), user=cast.company_user).is_locked


def test_indicators_are_locked_after_submission(cast):
    diagnosis = submitted_diagnosis(cast)
    with pytest.raises(DiagnosisLocked):
        diagnosis_indicator_add(diagnosis=diagnosis, user=cast.company_user, name="MAU")


# --- reopening --------------------------------------------------------------------------------------


def test_reopen_by_the_assigned_advisor_is_audited(cast):
    diagnosis = submitted_diagnosis(cast)
    diagnosis.advisor = cast.itc
    diagnosis.save(update_fields=["advisor"])
    with pytest.raises(ValidationError) as exc:
        diagnosis_reopen(diagnosis=diagnosis, user=cast.itc, reason="  ")
    assert "reason" in exc.value.message_dict
    assert not DiagnosisReopening.objects.exists()
    reopening = diagnosis_reopen(diagnosis=diagnosis, user=cast.itc, reason="8-1の根拠を追記してください")
    diagnosis.refresh_from_db()
    assert diagnosis.status == Diagnosis.Status.DRAFT and diagnosis.submitted_at is None
    assert (reopening.reopened_by, reopening.reason) == (cast.itc, "8-1の根拠を追記してください")
    last = diagnosis.history.order_by("-history_date", "-history_id").first()
    assert last.status == "draft" and last.history_user == cast.itc
    assert last.history_change_reason == "8-1の根拠を追記してください"
    # The company can change it again, and submit again.
    diagnosis_save_draft(diagnosis=diagnosis, user=cast.company_user, answers={"8-1": {"evidence": "追記"}})
    assert diagnosis_submit(diagnosis=diagnosis, user=cast.company_user).is_locked


@pytest.mark.parametrize("who", ["company_user", "itc", "itc_nagano", "bank_user", "vendor_user"])
def test_only_the_assigned_advisor_or_a_coordinator_may_reopen(cast, who):
    diagnosis = submitted_diagnosis(cast)  # no advisor assigned: the region's ITC is not enough
    with pytest.raises(PermissionDenied):
        diagnosis_reopen(diagnosis=diagnosis, user=getattr(cast, who), reason="理由")
    assert (
        diagnosis_reopen(diagnosis=diagnosis, user=cast.coordinator, reason="理由").reopened_by
        == cast.coordinator
    )


def test_reopen_refuses_a_draft(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    with pytest.raises(ValidationError):
        diagnosis_reopen(diagnosis=diagnosis, user=cast.coordinator, reason="理由")


# --- several respondents ----------------------------------------------------------------------------


def department_head(cast):
    user = make_user("head@example.com", "製造 部長")
    add_member(cast.consortium, user, Membership.Role.COMPANY_MEMBER, company=cast.company)
    return user


def test_respondents_answers_side_by_side_and_disagreement(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    head = department_head(cast)
    respondent_answers_save(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers={"1": {"current": "2", "target": "4"}, "2": {"current": "1", "target": "3"}, "3": {}},
    )
    respondent_answers_save(
        diagnosis=diagnosis,
        user=head,
        answers={
            "1": {"current": "2", "target": "4"},
            "2": {"current": "3", "target": "3"},
            "4": {"target": "5"},
        },
    )
    assert RespondentAnswer.objects.filter(diagnosis=diagnosis).count() == 5  # no row for "3" (nothing typed)
    result = respondent_comparison(diagnosis=diagnosis)
    assert [p["label"] for p in result["respondents"]] == ["精密 太郎", "製造 部長"]  # 経営者 first
    assert result["respondents"][0]["is_executive"] and not result["respondents"][1]["is_executive"]
    items = {i.code: i.pk for i in diagnosis.edition.items.all()}
    assert result["items"][items["1"]]["disagree"] is False
    assert (
        result["items"][items["2"]]["disagree"] is True and result["items"][items["2"]]["current_spread"] == 2
    )
    assert result["items"][items["4"]]["disagree"] is False  # one answer only
    assert result["disagree_count"] == 1
    # Adopting the 経営者's answers fills the agreed answer.
    assert (
        diagnosis_adopt_respondent(diagnosis=diagnosis, user=cast.company_user, respondent=cast.company_user)
        == 2
    )
    agreed = DiagnosisAnswer.objects.get(diagnosis=diagnosis, item_id=items["2"])
    assert (agreed.current, agreed.target) == (1, 3)


def test_respondent_answers_validate_and_lock(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    with pytest.raises(ValidationError) as exc:
        respondent_answers_save(diagnosis=diagnosis, user=cast.company_user, answers={"1": {"current": "9"}})
    assert "current_1" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        respondent_answers_save(
            diagnosis=diagnosis, user=cast.other_company_user, answers={"1": {"current": "1"}}
        )
    submitted = submitted_diagnosis_after(cast, diagnosis)
    with pytest.raises(DiagnosisLocked):
        respondent_answers_save(diagnosis=submitted, user=cast.company_user, answers={"1": {"current": "1"}})


def submitted_diagnosis_after(cast, diagnosis):
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers=all_answers(diagnosis.edition),
        meta={"advice_mode": "online"},
    )
    return diagnosis_submit(diagnosis=diagnosis, user=cast.company_user)


# --- re-diagnosis -----------------------------------------------------------------------------------


def test_rediagnosis_prefilled_from_the_previous_one_and_the_changes_per_item(cast):
    first = submitted_diagnosis(cast, current=1, target=3)
    DiagnosisIndicator.objects.create(
        consortium=cast.consortium, diagnosis=first, name="MAU", unit="人", current_value=Decimal("100")
    )
    assert diagnosis_changes(diagnosis=first) == []  # nothing before the first one
    second = diagnosis_start(company=cast.company, user=cast.company_user, prefill_from_previous=True)
    assert second.pk != first.pk and second.status == "draft"
    answers = DiagnosisAnswer.objects.filter(diagnosis=second)
    assert answers.count() == 35 and {(a.current, a.target) for a in answers} == {(1, 3)}
    assert second.dx_stage == first.dx_stage
    assert list(DiagnosisIndicator.objects.filter(diagnosis=second).values_list("name", "current_value")) == [
        ("MAU", Decimal("100"))
    ]
    diagnosis_save_draft(
        diagnosis=second,
        user=cast.company_user,
        answers={"1": {"current": 3, "target": 5}, "4-2": {"current": ""}},
        meta={"advice_mode": "online"},
    )
    changes = diagnosis_changes(diagnosis=second)
    assert len(changes) == 35
    by_code = {c.item.code: c for c in changes}
    assert tuple(by_code["1"])[1:] == (1, 3, 2, 3, 5)
    assert tuple(by_code["2"])[1:] == (1, 1, 0, 3, 3)
    assert by_code["4-2"].delta is None and by_code["4-2"].prev_current == 1
    # Without the button the new draft starts empty.
    third_company_draft = diagnosis_start(company=cast.other_company, user=cast.other_company_user)
    assert not DiagnosisAnswer.objects.filter(diagnosis=third_company_draft, current__isnull=False).exists()


def test_rediagnosis_without_prefill_starts_empty(cast):
    submitted_diagnosis(cast)
    second = diagnosis_start(company=cast.company, user=cast.company_user)
    assert not DiagnosisAnswer.objects.filter(diagnosis=second, current__isnull=False).exists()
