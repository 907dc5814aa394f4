from decimal import Decimal

import pytest

from diagnosis.models import Diagnosis
from diagnosis.selectors import diagnoses_visible_to, diagnosis_results
from diagnosis.services import diagnosis_save_draft, diagnosis_start
from dxcommunity.tenancy.models import Company, Membership
from tests.diagnosis.factories import item_codes, submitted_diagnosis

pytestmark = pytest.mark.django_db


def known_levels(edition):
    """経営 (19 items): current 1, except 1 → 4 and 2 → 3; IT (16 items): current 2, except 9-5 → 5.
    Target: 3 everywhere, except 4-3 → 5."""
    codes = item_codes(edition)
    management, it = codes[:19], codes[19:]
    current = {c: 1 for c in management} | {c: 2 for c in it} | {"1": 4, "2": 3, "9-5": 5}
    target = {c: 3 for c in codes} | {"4-3": 5}
    return current, target


def test_means_per_group_top_and_worst(cast, index_edition):
    current, target = known_levels(index_edition)
    diagnosis = submitted_diagnosis(cast, current=current, target=target)

    results = diagnosis_results(diagnosis=diagnosis)

    # 経営: (17*1 + 4 + 3) / 19 = 24/19 = 1.263… ; IT: (15*2 + 5) / 16 = 35/16 = 2.1875 ; all: 59/35 = 1.6857…
    overall, (management, it) = results["overall"], results["groups"]
    assert (management["key"], management["count"], it["key"], it["count"]) == (
        "management",
        19,
        "it_system",
        16,
    )
    assert management["current"] == Decimal("1.26")
    assert it["current"] == Decimal("2.19")  # 2.1875 rounds half up
    assert overall["current"] == Decimal("1.69")
    assert management["target"] == Decimal("3.11")  # (18*3 + 5) / 19 = 3.105…
    assert it["target"] == Decimal("3.00")
    assert overall["target"] == Decimal("3.06")  # 107/35 = 3.057…
    assert overall["gap"] == Decimal("1.37")
    assert management["gap"] == Decimal("1.85")
    assert [r["code"] for r in results["top"]] == ["9-5", "1", "2"]
    assert [r["code"] for r in results["worst"]] == ["3", "4", "4-1"]  # ties in index order
    row = next(r for r in results["rows"] if r["code"] == "4-3")
    assert (row["current"], row["current_name"], row["target"], row["target_name"], row["gap"]) == (
        1,
        "一部での散発的実施",
        5,
        "グローバル市場におけるデジタル企業",
        4,
    )
    assert results["is_leading"] is False


def test_leading_company_has_mean_current_of_three(cast, index_edition):
    codes = item_codes(index_edition)
    current = {c: 3 for c in codes} | {"1": 2, "2": 4}  # mean exactly 3.00
    diagnosis = submitted_diagnosis(cast, current=current, target=5)
    assert diagnosis_results(diagnosis=diagnosis)["is_leading"] is True

    diagnosis.answers.filter(item__code="2").update(current=3)  # mean now 104/35 = 2.97
    results = diagnosis_results(diagnosis=diagnosis)
    assert results["overall"]["current"] == Decimal("2.97")
    assert results["is_leading"] is False


def test_partial_draft_means_are_over_answered_items(cast):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers={"1": {"current": 1, "target": 4}, "8": {"current": 2}},
    )
    results = diagnosis_results(diagnosis=diagnosis)
    assert results["overall"]["current"] == Decimal("1.50")
    assert results["overall"]["answered_current"] == 2
    assert results["overall"]["target"] == Decimal("4.00")
    it = results["groups"][1]
    assert (it["current"], it["target"], it["gap"]) == (Decimal("2.00"), None, None)
    assert results["is_leading"] is False


def test_results_take_a_constant_number_of_queries(cast, django_assert_num_queries):
    diagnosis = submitted_diagnosis(cast)
    diagnosis = Diagnosis.objects.get(pk=diagnosis.pk)
    # levels, groups, answers with items, advisor session with advisor
    with django_assert_num_queries(4):
        results = diagnosis_results(diagnosis=diagnosis)
        assert len(results["rows"]) == 35


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("coordinator", True),
        ("itc", False),  # the region's ITC sees the stage only until assigned as advisor
        ("bank_user", True),
        ("company_user", True),
        ("itc_nagano", False),
        ("other_bank_user", False),
        ("other_company_user", False),
        ("association_user", False),  # recommended the company, but does not see its diagnosis
        ("vendor_user", False),
    ],
)
def test_diagnoses_visible_to(cast, who, sees):
    diagnosis = submitted_diagnosis(cast)
    membership = Membership.objects.get(user=getattr(cast, who), consortium=cast.consortium)
    assert list(diagnoses_visible_to(membership=membership)) == ([diagnosis] if sees else [])


def test_diagnoses_visible_to_the_assigned_advisor(cast):
    from diagnosis.services import diagnosis_assign_advisor

    diagnosis = submitted_diagnosis(cast)
    itc = Membership.objects.get(user=cast.itc, consortium=cast.consortium)
    diagnosis_assign_advisor(diagnosis=diagnosis, advisor=cast.itc, user=cast.coordinator)
    assert list(diagnoses_visible_to(membership=itc)) == [diagnosis]


def test_diagnoses_visible_to_stays_in_the_tenant(cast):
    submitted_diagnosis(cast)
    stranger = Membership.objects.get(user=cast.stranger_coordinator)
    assert list(diagnoses_visible_to(membership=stranger)) == []
    assert Company.objects.filter(consortium=cast.other).count() == 1


def test_consortium_means_are_over_submitted_diagnoses_of_the_consortium_only(cast, index_edition):
    from decimal import Decimal as D

    from diagnosis.selectors import consortium_item_means, diagnosis_comparison
    from dxcommunity.bench.command import create_submitted_diagnoses

    mine = submitted_diagnosis(cast, current=2, target=4)
    # A draft of the consortium (current 5) and a submitted diagnosis of another consortium: both ignored.
    draft = diagnosis_start(company=cast.other_company, user=cast.other_company_user)
    diagnosis_save_draft(
        diagnosis=draft,
        user=cast.other_company_user,
        answers={code: {"current": 5, "target": 5} for code in item_codes(index_edition)},
        meta={},
    )
    create_submitted_diagnoses(
        consortium=cast.other, edition=index_edition, companies=[cast.stranger_company], n=3
    )
    # One more submitted diagnosis in the consortium: current 0 / target 2 everywhere.
    other = Diagnosis.objects.create(
        consortium=cast.consortium, company=cast.other_company, edition=index_edition, status="submitted"
    )
    from diagnosis.models import DiagnosisAnswer, IndexItem

    DiagnosisAnswer.objects.bulk_create(
        DiagnosisAnswer(consortium=cast.consortium, diagnosis=other, item=item, current=0, target=2)
        for item in IndexItem.objects.filter(edition=index_edition)
    )

    means = consortium_item_means(consortium_id=cast.consortium.pk, edition_id=index_edition.pk)
    assert means["diagnoses"] == 2
    assert {(v["current"], v["target"], v["n"]) for v in means["items"].values()} == {
        (D("1.00"), D("3.00"), 2)
    }

    results = diagnosis_results(diagnosis=mine)
    comparison = diagnosis_comparison(diagnosis=mine, results=results)
    assert comparison["consortium"]["overall"] == {"current": D("1.00"), "target": D("3.00")}
    assert comparison["consortium"]["groups"]["management"]["current"] == D("1.00")
    assert results["rows"][0]["consortium"]["current"] == D("1.00")


def test_ipa_series_is_the_latest_year_with_group_means(cast, index_edition):
    from decimal import Decimal as D

    from diagnosis.index_loader import benchmarks_load
    from diagnosis.selectors import diagnosis_comparison

    benchmarks_load()
    diagnosis = submitted_diagnosis(cast)
    ipa = diagnosis_comparison(diagnosis=diagnosis, results=diagnosis_results(diagnosis=diagnosis))["ipa"]
    assert (ipa["year"], ipa["n"]) == (2024, 1349)
    assert ipa["overall"] == {"current": D("1.67"), "target": D("3.34")}
    assert ipa["groups"]["management"] == {"current": D("1.66"), "target": D("3.35")}
    assert ipa["groups"]["it_system"] == {"current": D("1.69"), "target": D("3.34")}
