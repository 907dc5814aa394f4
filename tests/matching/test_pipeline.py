"""Pipeline (ヒアリング → 候補選定 → 紹介 → 提案・PoC → 契約 / 見送り), the vendor portal, who sees which
needs, outcomes per program, list query counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import MatchingStatusChange, VendorResponse
from matching.services import allowed_transitions, matching_request_transition, vendor_response_submit
from tests.accompaniment.factories import enroll
from tests.matching.factories import need, solution

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(name, kwargs={"consortium_slug": "dx", **kwargs})


def step(req, to, user, **kw):
    return matching_request_transition(request=req, user=user, to_status=to, **kw)


def test_the_pipeline_one_step_at_a_time_with_a_timeline(cast, login):
    req = need(cast, vendors=[cast.vendor])
    for to in ("candidates", "introduction", "proposal"):
        req = step(req, to, cast.coordinator, note=f"{to}へ")
    req = step(req, "contract", cast.coordinator, contract_amount=1200000, note="受注")
    assert req.status == "contract" and req.closed_at is not None and req.contract_amount == 1200000
    changes = list(MatchingStatusChange.objects.filter(request=req).values_list("from_status", "to_status"))
    assert changes == [
        ("hearing", "candidates"),
        ("candidates", "introduction"),
        ("introduction", "proposal"),
        ("proposal", "contract"),
    ]
    body = login(cast.company_user).get(url("matching:request_detail", pk=req.pk)).content.decode()
    assert "候補選定 → 紹介" in body and "提案・PoC → 契約" in body and "1,200,000" in body


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("hearing", "introduction"),
        ("hearing", "contract"),
        ("candidates", "hearing"),
        ("proposal", "candidates"),
    ],
)
def test_skipping_or_going_back_is_refused(cast, start, to):
    req = need(cast, vendors=[cast.vendor], status=start)
    with pytest.raises(ValidationError) as exc:
        step(req, to, cast.coordinator, contract_amount=1)
    assert "to_status" in exc.value.error_dict
    req.refresh_from_db()
    assert req.status == start and not MatchingStatusChange.objects.exists()


def test_introduction_requires_an_addressed_vendor(cast, login):
    req = need(cast, status="candidates")
    response = login(cast.coordinator).post(
        url("matching:request_detail", pk=req.pk), {"action": "transition", "to_status": "introduction"}
    )
    assert response.status_code == 200
    assert "依頼先ベンダー" in " ".join(response.context["transition_form"].errors["to_status"])
    req.refresh_from_db()
    assert req.status == "candidates"


def test_contract_requires_amount_or_outcome(cast, login):
    req = need(cast, vendors=[cast.vendor], status="proposal")
    client = login(cast.coordinator)
    path = url("matching:request_detail", pk=req.pk)
    response = client.post(path, {"action": "transition", "to_status": "contract", "note": "受注見込み"})
    assert "contract_amount" in response.context["transition_form"].errors
    assert "受注見込み" in response.content.decode()  # typed note kept
    response = client.post(
        path, {"action": "transition", "to_status": "contract", "outcome_note": "PoC後に本契約"}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "contract" and req.outcome_note == "PoC後に本契約" and req.closed_at


def test_declined_requires_a_reason_from_any_open_status(cast):
    req = need(cast)
    with pytest.raises(ValidationError) as exc:
        step(req, "declined", cast.coordinator)
    assert "declined_reason" in exc.value.error_dict
    req = step(req, "declined", cast.coordinator, declined_reason="予算が確保できない")
    assert req.status == "declined" and req.closed_at and req.declined_reason == "予算が確保できない"


def test_reopening_a_closed_request_only_by_coordinators(cast):
    enroll(cast)  # cast.itc leads the track: may move the pipeline
    req = need(cast, vendors=[cast.vendor], status="proposal")
    req = step(req, "declined", cast.itc, declined_reason="時期尚早")
    assert allowed_transitions(request=req, may_reopen=False) == []
    with pytest.raises(PermissionDenied):
        step(req, "hearing", cast.itc)
    req = step(req, "hearing", cast.coordinator, note="来年度に再開")
    assert req.status == "hearing" and req.closed_at is None


def test_who_may_move_the_pipeline(cast, login):
    req = need(cast, vendors=[cast.vendor])
    for who in ("bank_user", "company_user", "vendor_user"):
        response = login(getattr(cast, who)).post(
            url("matching:request_detail", pk=req.pk), {"action": "transition", "to_status": "candidates"}
        )
        assert response.status_code == 403, who
    with pytest.raises(PermissionDenied):
        step(req, "candidates", cast.itc_nagano)
    # The bridging ITC may, even without a track of the company.
    req.itc = cast.itc_nagano
    req.save()
    assert step(req, "candidates", cast.itc_nagano).status == "candidates"
    req.refresh_from_db()
    assert req.status == "candidates"


# --- vendor portal ------------------------------------------------------------------------------------


def test_vendor_b_never_sees_a_request_addressed_only_to_vendor_a(cast, login):
    only_a = need(cast, vendors=[cast.vendor], title="Aだけへの依頼")
    both = need(cast, vendors=[cast.vendor, cast.other_vendor], title="両社への依頼")
    client = login(cast.other_vendor_user)
    body = client.get(url("matching:request_list")).content.decode()
    assert "両社への依頼" in body and "Aだけへの依頼" not in body
    assert client.get(url("matching:request_detail", pk=only_a.pk)).status_code == 404
    response = client.post(
        url("matching:request_detail", pk=only_a.pk), {"action": "answer", "message": "割り込み"}
    )
    assert response.status_code == 404 and not VendorResponse.objects.exists()
    assert client.get(url("matching:request_detail", pk=both.pk)).status_code == 200


def test_vendor_proposes_with_its_solution_and_price_and_never_sees_competitors(cast, login):
    req = need(cast, vendors=[cast.vendor, cast.other_vendor], status="introduction")
    mine = solution(cast, "販売管理クラウド")
    theirs = solution(cast, "他社の基幹", vendor=cast.other_vendor)
    client = login(cast.vendor_user)
    path = url("matching:request_detail", pk=req.pk)
    response = client.post(path, {"action": "answer", "answer": "propose", "message": "ご提案します"})
    errors = response.context["answer_form"].errors
    assert "solution" in errors and "proposed_price" in errors
    response = client.post(
        path,
        {
            "action": "answer",
            "answer": "propose",
            "solution": theirs.pk,
            "proposed_price": "1",
            "message": "x",
        },
    )
    assert "solution" in response.context["answer_form"].errors  # not one of its own
    response = client.post(
        path,
        {
            "action": "answer",
            "answer": "propose",
            "solution": mine.pk,
            "proposed_price": "800000",
            "message": "クラウド版で月額提供できます",
        },
    )
    assert response.status_code == 302
    answer = VendorResponse.objects.get()
    assert (answer.answer, answer.solution, answer.proposed_price) == ("propose", mine, 800000)
    vendor_response_submit(request=req, user=cast.other_vendor_user, message="辞退します", answer="decline")
    body = client.get(path).content.decode()
    assert "クラウド版で月額提供できます" in body and "辞退します" not in body
    body = login(cast.other_vendor_user).get(path).content.decode()
    assert "辞退します" in body and "クラウド版で月額提供できます" not in body and "800,000" not in body
    body = login(cast.coordinator).get(path).content.decode()
    assert "辞退します" in body and "800,000" in body


def test_vendor_cannot_answer_a_closed_request(cast):
    req = need(cast, vendors=[cast.vendor], status="declined")
    with pytest.raises(ValidationError):
        vendor_response_submit(request=req, user=cast.vendor_user, message="x", answer="question")


# --- who sees which needs -----------------------------------------------------------------------------


def test_company_sees_its_own_needs_and_pipeline_not_answers(cast, login):
    mine = need(cast, vendors=[cast.vendor], title="自社のニーズ", status="introduction")
    theirs = need(cast, cast.other_company, vendors=[cast.vendor], title="他社のニーズ")
    VendorResponse.objects.create(
        consortium=cast.consortium,
        request=mine,
        vendor=cast.vendor,
        author=cast.vendor_user,
        message="内部の回答",
    )
    client = login(cast.company_user)
    body = client.get(url("matching:request_list")).content.decode()
    assert "自社のニーズ" in body and "他社のニーズ" not in body
    assert client.get(url("matching:request_detail", pk=theirs.pk)).status_code == 404
    body = client.get(url("matching:request_detail", pk=mine.pk)).content.decode()
    assert 'aria-current="step">紹介' in body and "内部の回答" not in body


def test_bank_sees_needs_of_its_own_clients_only(cast, login):
    mine = need(cast, title="常陽の取引先のニーズ")
    theirs = need(cast, cast.other_company, title="八十二の取引先のニーズ")
    client = login(cast.bank_user)
    body = client.get(url("matching:request_list")).content.decode()
    assert "常陽の取引先のニーズ" in body and "八十二の取引先のニーズ" not in body
    assert client.get(url("matching:request_detail", pk=mine.pk)).status_code == 200
    assert client.get(url("matching:request_detail", pk=theirs.pk)).status_code == 404


def test_list_counts_per_status_and_filter(cast, login):
    need(cast, title="一件目")
    need(cast, title="二件目", status="proposal")
    need(cast, cast.other_company, title="三件目", status="proposal")
    response = login(cast.coordinator).get(url("matching:request_list"))
    counts = {c["status"]: c["count"] for c in response.context["counts"]}
    assert counts == {
        "hearing": 1,
        "candidates": 0,
        "introduction": 0,
        "proposal": 2,
        "contract": 0,
        "declined": 0,
    }
    body = login(cast.coordinator).get(url("matching:request_list"), {"status": "proposal"}).content.decode()
    assert "二件目" in body and "三件目" in body and "一件目" not in body
    response = login(cast.coordinator).get(url("matching:request_list"), {"status": "bogus"})
    assert response.status_code == 200 and len(response.context["requests"]) == 3  # unknown: every need
    # The bank's counts include its own clients only.
    response = login(cast.bank_user).get(url("matching:request_list"))
    assert sum(c["count"] for c in response.context["counts"]) == 2


def test_request_list_queries_are_constant(cast, login):
    client = login(cast.coordinator)
    need(cast, vendors=[cast.vendor])
    client.get(url("matching:request_list"))  # warm-up
    with CaptureQueriesContext(connection) as few:
        client.get(url("matching:request_list"))
    for i in range(6):
        need(cast, cast.other_company, vendors=[cast.vendor, cast.other_vendor], title=f"n{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("matching:request_list"))
    assert len(response.context["requests"]) == 7
    assert len(many) == len(few)


def test_request_page_queries_do_not_grow_with_vendors_and_solutions(cast, login):
    enroll(cast)
    req = need(cast, vendors=[cast.vendor])
    client = login(cast.itc)
    solution(cast, "s0", item_codes=["4"])
    client.get(url("matching:request_detail", pk=req.pk))
    with CaptureQueriesContext(connection) as few:
        client.get(url("matching:request_detail", pk=req.pk))
    for i in range(5):
        solution(cast, f"s{i + 1}", regions=[cast.ibaraki], item_codes=["4"])
        req.candidates.add(solution(cast, f"c{i}", vendor=cast.other_vendor))
    with CaptureQueriesContext(connection) as many:
        client.get(url("matching:request_detail", pk=req.pk))
    assert len(many) == len(few), "\n".join(q["sql"][:150] for q in many.captured_queries)


# --- outcomes -----------------------------------------------------------------------------------------


def test_matching_outcomes_of_a_program(cast):
    """The 実績報告書's マッチング section counts the program's needs (its own, or its company's program)."""
    from reports.results.report import results_report_data

    need(cast, status="contract", contract_amount=500000, program=cast.program)
    need(cast, cast.other_company, status="contract", contract_amount=250000)  # via the company's program
    need(cast, status="declined", declined_reason="x", program=cast.program)
    need(cast, status="proposal", program=cast.program)
    need(cast, status="contract", outcome_note="金額未定", program=cast.program)
    matching = results_report_data(consortium=cast.consortium, program=cast.program)["matching"]
    by_status = {row["status"]: row["n"] for row in matching["by_status"]}
    assert by_status["contract"] == 3 and by_status["hearing"] == 0
    assert matching["contracts"] == 3 and by_status["declined"] == 1 and by_status["proposal"] == 1
    assert matching["contract_amount"] == 750000
    assert matching["needs"] == 5 and matching["contract_companies"] == 2


def test_board_view_groups_by_status(cast, login):
    need(cast, title="聞き取り中の案件")
    need(cast, cast.other_company, title="提案中の案件", status="proposal")
    response = login(cast.coordinator).get(url("matching:request_list"), {"view": "board"})
    columns = {c["status"]: [r.title for r in c["requests"]] for c in response.context["board"]}
    assert columns["hearing"] == ["聞き取り中の案件"] and columns["proposal"] == ["提案中の案件"]
    assert columns["contract"] == []
    assert 'id="board"' in response.content.decode()
