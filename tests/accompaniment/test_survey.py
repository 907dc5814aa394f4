"""満足度アンケート rules: own company only, held sessions only, one answer per respondent per session (a
second visit edits it), the final survey only once the track is completed or 10 sessions are held; the
results list per role; the prompt on the track page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accompaniment.models import AccompanimentSession, AccompanimentTrack, SatisfactionResponse
from dxcommunity.tenancy.models import Membership
from tests.accompaniment.factories import enroll
from tests.conftest import add_member, make_user

pytestmark = pytest.mark.django_db


def _hold(track, *numbers):
    AccompanimentSession.objects.filter(track=track, number__in=numbers).update(status="held")


@pytest.fixture
def track(cast):
    t = enroll(cast)
    _hold(t, 1, 2)
    return t


def _url(name, **kw):
    return reverse(f"survey:{name}", kwargs={"consortium_slug": "dx", **kw})


def _session(track, number):
    return track.sessions.get(number=number)


def test_member_answers_a_held_session_then_edits_the_same_answer(cast, client, track):
    client.force_login(cast.company_user)
    url = _url("session", pk=_session(track, 1).pk)
    assert "大変満足" in client.get(url).content.decode()
    response = client.post(url, {"satisfaction": "5", "usefulness": "4", "comment": "よく分かった"})
    assert response.status_code == 302
    answer = SatisfactionResponse.objects.get()
    assert (answer.kind, answer.satisfaction, answer.usefulness, answer.comment) == (
        "session",
        5,
        4,
        "よく分かった",
    )
    assert (answer.company, answer.program, answer.respondent) == (
        cast.company,
        cast.program,
        cast.company_user,
    )
    # Second visit: the earlier answer is shown and a POST updates it (still one row).
    html = client.get(url).content.decode()
    assert "回答済み" in html and "よく分かった" in html
    client.post(url, {"satisfaction": "3", "comment": "普通"})
    answer.refresh_from_db()
    assert SatisfactionResponse.objects.count() == 1
    assert (answer.satisfaction, answer.usefulness, answer.comment) == (3, None, "普通")


def test_two_members_of_the_company_answer_separately(cast, client, track):
    second = make_user("staff@example.com", "精密 花子")
    add_member(cast.consortium, second, Membership.Role.COMPANY_MEMBER, company=cast.company)
    url = _url("session", pk=_session(track, 1).pk)
    for user in (cast.company_user, second):
        client.force_login(user)
        client.post(url, {"satisfaction": "4"})
    assert SatisfactionResponse.objects.filter(session__number=1).count() == 2


def test_missing_satisfaction_is_a_clear_error_and_keeps_the_comment(cast, client, track):
    client.force_login(cast.company_user)
    response = client.post(_url("session", pk=_session(track, 1).pk), {"comment": "書いた内容"})
    html = response.content.decode()
    assert response.status_code == 200 and "満足度を選んでください。" in html and "書いた内容" in html
    assert not SatisfactionResponse.objects.exists()
    response = client.post(_url("session", pk=_session(track, 1).pk), {"satisfaction": "9"})
    assert response.status_code == 200 and not SatisfactionResponse.objects.exists()


def test_planned_session_is_404(cast, client, track):
    client.force_login(cast.company_user)
    url = _url("session", pk=_session(track, 3).pk)
    assert client.get(url).status_code == 404
    assert client.post(url, {"satisfaction": "5"}).status_code == 404
    assert not SatisfactionResponse.objects.exists()


def test_other_company_member_gets_404_and_supporters_403(cast, client, track):
    url = _url("session", pk=_session(track, 1).pk)
    client.force_login(cast.other_company_user)
    assert client.post(url, {"satisfaction": "5"}).status_code == 404
    client.force_login(cast.itc)
    assert client.post(url, {"satisfaction": "5"}).status_code == 403
    client.force_login(cast.stranger_coordinator)
    assert (
        client.get(_url("session", pk=_session(track, 1).pk).replace("/c/dx/", "/c/other/")).status_code
        == 404
    )
    assert not SatisfactionResponse.objects.exists()


def test_final_survey_only_after_completion_or_ten_held_sessions(cast, client, track):
    client.force_login(cast.company_user)
    url = _url("final", company_pk=cast.company.pk)
    assert client.get(url).status_code == 404  # 2 of 10 held
    _hold(track, *range(1, 11))
    assert client.get(url).status_code == 200
    assert client.post(url, {"satisfaction": "5", "comment": "全体を通して満足"}).status_code == 302
    client.post(url, {"satisfaction": "4"})  # edits
    final = SatisfactionResponse.objects.get(kind="final")
    assert (final.satisfaction, final.session, final.program) == (4, None, cast.program)


def test_final_survey_open_when_track_completed(cast, client, track):
    AccompanimentTrack.objects.filter(pk=track.pk).update(status="completed")
    client.force_login(cast.company_user)
    assert client.get(_url("final", company_pk=cast.company.pk)).status_code == 200
    client.force_login(cast.other_company_user)
    assert client.get(_url("final", company_pk=cast.company.pk)).status_code == 404


def test_index_lists_pending_and_answered(cast, client, track):
    client.force_login(cast.company_user)
    client.post(_url("session", pk=_session(track, 1).pk), {"satisfaction": "5"})
    response = client.get(_url("index"))
    mine = response.context["mine"]
    assert [(s.number, a is not None) for s, a in mine.sessions] == [(1, True), (2, False)]
    assert mine.pending == 1 and not mine.final_open
    fragment = client.get(_url("pending")).content.decode()
    assert "未回答のアンケート 1件" in fragment


def test_track_page_prompts_company_members(cast, client, track):
    client.force_login(cast.company_user)
    html = client.get(reverse("accompaniment:track", args=["dx", cast.company.pk])).content.decode()
    assert reverse("survey:pending", args=["dx"]) in html
    client.force_login(cast.itc)
    html = client.get(reverse("accompaniment:track", args=["dx", cast.company.pk])).content.decode()
    assert reverse("survey:pending", args=["dx"]) not in html


def _answers(cast, track):
    SatisfactionResponse.objects.create(
        consortium=cast.consortium,
        kind="session",
        program=cast.program,
        company=cast.company,
        session=_session(track, 1),
        respondent=cast.company_user,
        satisfaction=5,
        comment="<b>良かった</b>",
    )
    other = enroll(cast, cast.other_company, leader=cast.itc_nagano, bank=cast.other_bank)
    _hold(other, 1)
    SatisfactionResponse.objects.create(
        consortium=cast.consortium,
        kind="session",
        program=cast.program,
        company=cast.other_company,
        session=_session(other, 1),
        respondent=cast.other_company_user,
        satisfaction=2,
    )


def test_results_by_role_and_filters(cast, client, track):
    _answers(cast, track)
    client.force_login(cast.coordinator)
    response = client.get(_url("results"))
    assert response.context["summary"] == {"n": 2, "mean": 3.5, "satisfied": 1, "satisfied_pct": 50.0}
    html = response.content.decode()
    assert "&lt;b&gt;良かった&lt;/b&gt;" in html and "<b>良かった" not in html
    response = client.get(_url("results"), {"region": cast.nagano.pk, "number": 1})
    assert [r.company for r in response.context["page"]] == [cast.other_company]
    response = client.get(_url("results"), {"kind": "session", "program": cast.program.pk})
    assert {r.company for r in response.context["page"]} == {cast.company, cast.other_company}
    for params in ({"number": "abc"}, {"number": "0"}, {"kind": "bogus"}, {"program": "999999"}):
        response = client.get(_url("results"), params)  # an invalid filter: every answer, and the error
        assert response.status_code == 200 and response.context["form"].errors
        assert response.context["summary"]["n"] == 2
    # An ITC sees the tracks it leads only; a bank user may not read the results.
    client.force_login(cast.itc)
    assert [r.company for r in client.get(_url("results")).context["page"]] == [cast.company]
    client.force_login(cast.bank_user)
    assert client.get(_url("results")).status_code == 403


def test_regional_coordinator_sees_its_region(cast, client, track):
    from tests.conftest import give_totp

    _answers(cast, track)
    user = make_user("rc@example.com", "地域 長野")
    add_member(cast.consortium, user, Membership.Role.REGIONAL_COORDINATOR, region=cast.nagano)
    give_totp(user)
    client.force_login(user)
    assert [r.company for r in client.get(_url("results")).context["page"]] == [cast.other_company]
