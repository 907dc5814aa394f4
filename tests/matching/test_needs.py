"""Needs: the weakest-items selector, the need form's sources and prefills, suggestions with reasons,
shortlisting candidates and addressing vendors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diagnosis.models import AdvisorSession, DiagnosisAnswer, IndexItem
from matching.models import MatchingRequest, MatchingStatusChange
from matching.selectors import suggestions_for_request, weakest_item_codes
from matching.services import matching_request_create
from programs.models import Event
from tests.accompaniment.factories import enroll
from tests.diagnosis.factories import submitted_diagnosis
from tests.matching.factories import need, solution

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(name, kwargs={"consortium_slug": "dx", **kwargs})


def set_answer(diagnosis, code, current, target):
    DiagnosisAnswer.objects.filter(diagnosis=diagnosis, item__code=code).update(
        current=current, target=target
    )


@pytest.fixture
def diagnosed(cast):
    """cast.company's submitted diagnosis: every item 2 → 4, except a few weaker ones."""
    diagnosis = submitted_diagnosis(cast, current=2, target=4)
    set_answer(diagnosis, "4", 0, 3)  # lowest, gap 3
    set_answer(diagnosis, "5", 0, 5)  # lowest, gap 5: before "4"
    set_answer(diagnosis, "6-1", 1, 2)  # then current 1
    set_answer(diagnosis, "2", 2, 5)  # current 2, gap 3: first of the 2s
    return diagnosis


def test_weakest_item_codes_by_current_then_gap(cast, diagnosed):
    codes = weakest_item_codes(cast.company, n=4)
    assert codes == ["5", "4", "6-1", "2"]
    assert weakest_item_codes(cast.company, n=2) == ["5", "4"]
    assert weakest_item_codes(cast.other_company) == []  # no submitted diagnosis


def test_weakest_item_codes_adds_the_advisors_weak_items_first(cast, diagnosed):
    advice = AdvisorSession.objects.create(
        consortium=cast.consortium,
        diagnosis=diagnosed,
        company=cast.company,
        advisor=cast.itc,
        held_on=dt.date(2022, 8, 10),
        mode="online",
    )
    advice.weak_items.set(IndexItem.objects.filter(edition=diagnosed.edition, code__in=["9", "4"]))
    codes = weakest_item_codes(cast.company, n=3)
    assert codes[:2] == ["4", "9"]  # the advisor's, index order
    assert codes[2:] == ["5", "6-1", "2"]  # then the computed n, not repeating "4"


def test_weakest_item_codes_uses_the_latest_submitted_diagnosis(cast, diagnosed):
    diagnosed.submitted_at = timezone.now() - dt.timedelta(days=400)
    diagnosed.save(update_fields=["submitted_at"])
    newer = submitted_diagnosis(cast, current=3, target=4)
    set_answer(newer, "9-1", 1, 4)
    assert weakest_item_codes(cast.company, n=1) == ["9-1"]


# --- the need form ------------------------------------------------------------------------------------


def base_post(cast, **data):
    return {
        "company": cast.company.pk,
        "title": "受発注のデジタル化",
        "description": "FAX受注をなくしたい",
        "category": "core_business",
        "source": "session",
    } | data


def test_need_from_a_session_prefilled_and_saved(cast, login):
    track = enroll(cast)
    session = track.sessions.get(number=3)
    client = login(cast.itc)
    response = client.get(url("matching:request_create"), {"session": session.pk})
    initial = response.context["form"].initial
    assert initial["company"] == cast.company.pk and initial["source_session"] == session.pk
    assert initial["source"] == "session" and initial["itc"] == cast.itc.pk
    response = client.post(
        url("matching:request_create"), base_post(cast, source_session=session.pk, itc=cast.itc.pk)
    )
    created = MatchingRequest.objects.get()
    assert response.status_code == 302
    assert created.source_session == session and created.itc == cast.itc and created.program == cast.program
    first = MatchingStatusChange.objects.get(request=created)
    assert (first.from_status, first.to_status, first.changed_by) == ("", "hearing", cast.itc)


def test_need_from_the_diagnosis_prefills_the_weakest_items(cast, login, diagnosed):
    response = login(cast.coordinator).get(url("matching:request_create"), {"diagnosis": diagnosed.pk})
    initial = response.context["form"].initial
    assert initial["source"] == "diagnosis" and initial["company"] == cast.company.pk
    assert initial["source_item_codes"].startswith("5, 4, 6-1, 2")
    # Left empty on POST: the service fills the weakest items in.
    login(cast.coordinator).post(url("matching:request_create"), base_post(cast, source="diagnosis"))
    assert MatchingRequest.objects.get().source_item_codes[:2] == ["5", "4"]


def test_need_from_a_seminar_requires_the_event(cast, login):
    client = login(cast.coordinator)
    response = client.post(url("matching:request_create"), base_post(cast, source="seminar"))
    assert response.status_code == 200 and "source_event" in response.context["form"].errors
    event = Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=Event.Kind.DX_SEMINAR,
        title="DXセミナー(1)",
        starts_at=timezone.now(),
    )
    response = client.post(
        url("matching:request_create"), base_post(cast, source="seminar", source_event=event.pk)
    )
    assert response.status_code == 302 and MatchingRequest.objects.get().source_event == event


def test_need_item_codes_validated(cast, login):
    response = login(cast.coordinator).post(
        url("matching:request_create"), base_post(cast, source="diagnosis", source_item_codes="4, X-1")
    )
    assert "X-1" in " ".join(response.context["form"].errors["source_item_codes"])
    assert not MatchingRequest.objects.exists()


def test_session_of_another_company_refused(cast):
    enroll(cast)
    other_track = enroll(cast, cast.other_company, leader=cast.itc_nagano, bank=cast.other_bank)
    with pytest.raises(ValidationError) as exc:
        matching_request_create(
            company=cast.company,
            user=cast.coordinator,
            title="t",
            category="iot",
            session=other_track.sessions.get(number=1),
        )
    assert "source_session" in exc.value.error_dict


def test_bridging_itc_must_be_an_itc(cast):
    with pytest.raises(ValidationError) as exc:
        matching_request_create(
            company=cast.company, user=cast.coordinator, title="t", category="iot", itc=cast.bank_user
        )
    assert "itc" in exc.value.error_dict


# --- suggestions --------------------------------------------------------------------------------------


@pytest.fixture
def ranked(cast, diagnosed):
    """Solutions around a core-business need of cast.company (茨城) whose weakest items are 5, 4, 6-1."""
    solution(cast, "販売管理クラウド", item_codes=["5", "4"], it_subsidy_eligible=True)  # 4 + 4 + 1 + 1
    solution(cast, "長野限定基幹", regions=[cast.nagano])  # category only, not the region: 4
    solution(cast, "茨城の基幹", regions=[cast.ibaraki])  # 4 + 1
    solution(cast, "稼働監視IoT", category="iot", item_codes=["6-1"])  # one item, all regions: 2 + 1
    solution(cast, "関係ないAI", category="ai", item_codes=["8"])  # neither: not suggested
    solution(cast, "非公開の基幹", is_published=False)  # unpublished: not suggested
    return need(cast, vendors=[cast.vendor])


def test_suggestions_ranked_with_reasons(cast, ranked):
    found = suggestions_for_request(request=ranked)
    assert [s.solution.name for s in found] == [
        "販売管理クラウド",
        "茨城の基幹",
        "長野限定基幹",
        "稼働監視IoT",
    ]
    assert [s.score for s in found] == [10, 5, 4, 3]
    top = found[0]
    assert top.matched_items == ["5", "4"]
    assert any("カテゴリが一致" in r for r in top.reasons)
    assert any("弱い項目に対応（5、4）" in r for r in top.reasons)
    assert "全地域に対応" in top.reasons and "IT導入補助金の対象" in top.reasons
    assert "茨城県に対応" in found[1].reasons
    assert not any("対応" in r and "県" in r for r in found[2].reasons)  # 長野 only: no region reason


def test_the_needs_own_items_win_over_the_diagnosis(cast, ranked):
    ranked.source_item_codes = ["8"]
    ranked.category = "ai"
    ranked.save()
    assert [s.solution.name for s in suggestions_for_request(request=ranked)][0] == "関係ないAI"


def test_suggestion_queries_are_constant(cast, ranked):
    with CaptureQueriesContext(connection) as few:
        suggestions_for_request(request=ranked)
    for i in range(8):
        solution(cast, f"追加{i}", regions=[cast.ibaraki, cast.nagano], item_codes=["4"])
    with CaptureQueriesContext(connection) as many:
        found = suggestions_for_request(request=ranked, limit=20)
    assert len(found) == 12
    assert len(many) == len(few)


def test_request_page_shows_suggestions_and_itc_shortlists(cast, login, ranked):
    enroll(cast)  # cast.itc leads cast.company's track: sees it in full
    client = login(cast.itc)
    body = client.get(url("matching:request_detail", pk=ranked.pk)).content.decode()
    assert "おすすめのソリューション" in body and "弱い項目に対応（5、4）" in body
    top = suggestions_for_request(request=ranked)[0].solution
    other = suggestions_for_request(request=ranked)[3].solution  # 稼働監視IoT of cast.vendor
    response = client.post(
        url("matching:request_detail", pk=ranked.pk),
        {"action": "shortlist", "solution": top.pk, "address_vendor": "1"},
    )
    assert response.status_code == 302
    client.post(url("matching:request_detail", pk=ranked.pk), {"action": "shortlist", "solution": other.pk})
    assert set(ranked.candidates.all()) == {top, other}
    assert list(ranked.vendors.all()) == [cast.vendor]
    response = client.post(
        url("matching:request_detail", pk=ranked.pk), {"action": "address", "vendors": [cast.other_vendor.pk]}
    )
    assert response.status_code == 302
    assert set(ranked.vendors.all()) == {cast.vendor, cast.other_vendor}


def test_suggestions_not_shown_to_bank_company_or_vendor(cast, login, ranked):
    for who in ("bank_user", "company_user", "vendor_user"):
        response = login(getattr(cast, who)).get(url("matching:request_detail", pk=ranked.pk))
        assert response.status_code == 200, who
        assert "suggestions" not in response.context, who
        assert "おすすめのソリューション" not in response.content.decode(), who
    response = login(cast.company_user).post(
        url("matching:request_detail", pk=ranked.pk), {"action": "address", "vendors": [cast.other_vendor.pk]}
    )
    assert response.status_code == 403
    assert list(ranked.vendors.all()) == [cast.vendor]


def test_session_log_and_diagnosis_result_link_to_the_prefilled_need_form(cast, login, diagnosed):
    track = enroll(cast)
    session = track.sessions.get(number=2)
    body = login(cast.itc).get(reverse("accompaniment:session_log", args=["dx", session.pk])).content.decode()
    assert f"/matching/new/?session={session.pk}" in body and "マッチングのニーズを登録" in body
    body = (
        login(cast.coordinator).get(reverse("diagnosis:result", args=["dx", diagnosed.pk])).content.decode()
    )
    assert f"/matching/new/?diagnosis={diagnosed.pk}" in body
    body = (
        login(cast.bank_user)
        .get(reverse("accompaniment:session_log", args=["dx", session.pk]))
        .content.decode()
    )
    assert "?session=" not in body  # read-only supporters get no link
