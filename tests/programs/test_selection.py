"""支援企業選出検討会: decisions (validation, audit), the board's means and its query count, the summary, and
the company's confirmation of the participation conditions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diagnosis.models import AdvisorSession, Diagnosis, DiagnosisAnswer, IndexItem
from diagnosis.selectors import diagnosis_group_means, diagnosis_results
from dxcommunity.tenancy.models import Company, Membership
from programs.models import CompanyApplication, Event, SelectionDecision
from programs.recruitment import services
from programs.recruitment.selectors import selection_board
from tests.conftest import add_member, make_user

pytestmark = pytest.mark.django_db
Decision = SelectionDecision.Decision


def apply(cast, name, region=None, **extra):
    return services.application_submit(
        program=cast.program,
        data={
            "company_name": name,
            "applicant_name": "代表 一郎",
            "email": f"c{name.encode().hex()[:40]}@example.jp",
            "region": region or cast.ibaraki,
            "industry": Company.Industry.CONSTRUCTION,
            "employees": 25,
            "executive_participant": "代表 一郎",
            "staff_participant": "担当 二郎",
            "motivation": "現場の情報共有を進めたい",
            "privacy_consent": True,
            **extra,
        },
        send_confirmation=False,
    )


def diagnose(cast, company, *, current_by_group, target=4, submitted=True, advised=False):
    """A diagnosis of ``company`` with every item answered: current per group key, one target."""
    diagnosis = Diagnosis.objects.create(
        consortium=cast.consortium,
        company=company,
        edition_id=IndexItem.objects.values_list("edition_id", flat=True).first(),
        status=Diagnosis.Status.SUBMITTED if submitted else Diagnosis.Status.DRAFT,
        submitted_at=timezone.now() if submitted else None,
    )
    DiagnosisAnswer.objects.bulk_create(
        DiagnosisAnswer(
            consortium=cast.consortium,
            diagnosis=diagnosis,
            item=item,
            current=current_by_group[item.group.key],
            target=target,
        )
        for item in IndexItem.objects.filter(edition=diagnosis.edition_id).select_related("group")
    )
    if advised:
        AdvisorSession.objects.create(
            consortium=cast.consortium,
            diagnosis=diagnosis,
            company=company,
            advisor=cast.itc,
            held_on=dt.date(2022, 8, 10),
            mode=Diagnosis.AdviceMode.ONLINE,
        )
    return diagnosis


def decide(cast, app, decision=Decision.ACCOMPANIMENT, reasons="意欲が高く体制も整っている", **extra):
    return services.selection_decide(
        program=cast.program,
        application=app,
        actor=cast.coordinator,
        decision=decision,
        reasons=reasons,
        **extra,
    )


# --------------------------------------------------------------------------------------------- decisions


def test_decision_needs_reasons_and_ratings_1_to_5(cast):
    app = apply(cast, "水戸建設")
    with pytest.raises(ValidationError) as exc:
        decide(cast, app, reasons="  ", commitment_rating=6, team_rating=0)
    assert set(exc.value.message_dict) == {"reasons", "commitment_rating", "team_rating"}
    with pytest.raises(ValidationError) as exc:
        decide(cast, app, decision="maybe")
    assert "decision" in exc.value.message_dict
    assert not SelectionDecision.objects.exists()


def test_decision_creates_the_company_and_is_audited(cast):
    app = apply(cast, "水戸建設", employees=12)
    row = decide(cast, app, commitment_rating=5, team_rating=4)
    app.refresh_from_db()
    assert app.company is not None and app.company.name == "水戸建設" and app.company.employees == 12
    assert (row.company, row.decision, row.commitment_rating, row.team_rating, row.decided_by) == (
        app.company,
        Decision.ACCOMPANIMENT,
        5,
        4,
        cast.coordinator,
    )
    assert (row.executive_participant, row.staff_participant) == ("代表 一郎", "担当 二郎")
    # Changing it updates the one row; history keeps both versions.
    decide(cast, app, decision=Decision.MATCHING, reasons="IT導入が中心")
    assert SelectionDecision.objects.count() == 1
    assert list(row.history.order_by("history_date").values_list("decision", flat=True)) == [
        Decision.ACCOMPANIMENT,
        Decision.MATCHING,
    ]


def test_decision_meeting_must_be_a_selection_meeting_of_the_program(cast):
    app = apply(cast, "水戸建設")
    seminar = Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=Event.Kind.DX_SEMINAR,
        title="DXセミナー",
        starts_at=timezone.now(),
    )
    with pytest.raises(ValidationError) as exc:
        decide(cast, app, meeting=seminar)
    assert "meeting" in exc.value.message_dict
    meeting = Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=Event.Kind.SELECTION_MEETING,
        title="DX支援企業選出検討会",
        starts_at=timezone.now(),
    )
    assert decide(cast, app, meeting=meeting).meeting == meeting


def test_no_decision_for_a_duplicate_or_by_a_non_coordinator(cast):
    app = apply(cast, "水戸建設")
    dup = apply(cast, "水戸建設（株）")
    with pytest.raises(ValidationError):
        decide(cast, dup)
    with pytest.raises(PermissionDenied):
        services.selection_decide(
            program=cast.program,
            application=app,
            actor=cast.itc,
            decision=Decision.ACCOMPANIMENT,
            reasons="x",
        )


# --------------------------------------------------------------------------------------------- conditions


@pytest.fixture
def decided(cast):
    """cast.company's application decided 伴走支援."""
    app = apply(cast, "テスト精密工業株式会社")
    assert app.company == cast.company
    return decide(cast, app)


@pytest.mark.parametrize(
    ("executive", "staff", "all_sessions", "field"),
    [
        ("", "担当 二郎", True, "executive_participant"),
        ("代表 一郎", "", True, "staff_participant"),
        ("代表 一郎", "代表　一郎", True, "staff_participant"),  # the same person (full-width space)
        ("代表 一郎", "担当 二郎", False, "attends_all_sessions"),
    ],
)
def test_conditions_rules(cast, decided, executive, staff, all_sessions, field):
    with pytest.raises(ValidationError) as exc:
        services.selection_confirm_conditions(
            decision=decided,
            actor=cast.company_user,
            executive_participant=executive,
            staff_participant=staff,
            attends_all_sessions=all_sessions,
        )
    assert field in exc.value.message_dict
    decided.refresh_from_db()
    assert decided.conditions_confirmed_at is None


def test_conditions_confirmed_by_the_company(cast, decided):
    row = services.selection_confirm_conditions(
        decision=decided,
        actor=cast.company_user,
        executive_participant="精密 太郎",
        staff_participant="精密 花子",
        attends_all_sessions=True,
    )
    assert row.conditions_confirmed_at is not None and row.conditions_confirmed_by == cast.company_user
    assert (row.executive_participant, row.staff_participant, row.attends_all_sessions) == (
        "精密 太郎",
        "精密 花子",
        True,
    )


def test_conditions_only_by_the_companys_members_and_for_accompaniment(cast, decided):
    for user in (cast.other_company_user, cast.coordinator, cast.bank_user):
        with pytest.raises(PermissionDenied):
            services.selection_confirm_conditions(
                decision=decided,
                actor=user,
                executive_participant="a",
                staff_participant="b",
                attends_all_sessions=True,
            )
    decided.decision = Decision.MATCHING
    decided.save()
    with pytest.raises(ValidationError):
        services.selection_confirm_conditions(
            decision=decided,
            actor=cast.company_user,
            executive_participant="a",
            staff_participant="b",
            attends_all_sessions=True,
        )


def test_company_member_confirms_on_the_page(cast, decided, client):
    client.force_login(cast.company_user)
    page = client.get(reverse("recruitment:my_selection", args=["dx"]))
    assert page.status_code == 200 and "伴走支援" in page.content.decode()
    url = reverse("recruitment:conditions_confirm", args=["dx", decided.pk])
    bad = client.post(url, {"executive_participant": "精密 太郎", "staff_participant": "精密 太郎"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "別の方" in html and 'value="精密 太郎"' in html  # typed values kept
    ok = client.post(
        url,
        {
            "executive_participant": "精密 太郎",
            "staff_participant": "精密 花子",
            "attends_all_sessions": "on",
        },
    )
    assert ok.status_code == 302
    decided.refresh_from_db()
    assert decided.conditions_confirmed_by == cast.company_user
    # Another company's member cannot reach this decision.
    client.force_login(cast.other_company_user)
    assert client.post(url, {}).status_code == 404


# --------------------------------------------------------------------------------------------- the board


def test_group_means_equal_the_result_pages(cast):
    diagnosis = diagnose(cast, cast.company, current_by_group={"management": 1, "it_system": 3}, target=4)
    means = diagnosis_group_means(diagnosis_ids=[diagnosis.pk], consortium_id=cast.consortium.pk)[
        diagnosis.pk
    ]
    results = diagnosis_results(diagnosis=diagnosis)
    for group in results["groups"]:
        assert means[group["key"]] == {"current": group["current"], "target": group["target"]}
    assert str(means["management"]["current"]) == "1.00" and str(means["it_system"]["current"]) == "3.00"


def _membership(user):
    return Membership.objects.get(user=user)


def test_board_rows_summary_and_regional_view(cast):
    cast.program.capacity = 16
    cast.program.save()
    a = apply(cast, "テスト精密工業")  # links cast.company
    b = apply(cast, "信州テスト建設", region=cast.nagano)  # links cast.other_company
    c = apply(cast, "水戸建設")
    apply(cast, "水戸建設（株）")  # duplicate: not a row
    diagnose(cast, cast.company, current_by_group={"management": 2, "it_system": 1}, advised=True)
    diagnose(cast, cast.other_company, current_by_group={"management": 3, "it_system": 3}, submitted=False)
    decide(cast, a)
    decide(cast, b, decision=Decision.MATCHING)
    board = selection_board(membership=_membership(cast.coordinator), program=cast.program)
    rows = {r["application"].pk: r for r in board["rows"]}
    assert set(rows) == {a.pk, b.pk, c.pk}
    assert rows[a.pk]["advised"] and not rows[b.pk]["advised"]
    assert str(rows[a.pk]["means"]["management"]["current"]) == "2.00"
    assert rows[b.pk]["diagnosis"].status == Diagnosis.Status.DRAFT
    assert rows[c.pk]["diagnosis"] is None and rows[c.pk]["decision"] is None
    summary = board["summary"]
    assert summary["counts"] == {"accompaniment": 1, "matching": 1, "not_selected": 0, "waitlist": 0}
    assert (summary["selected"], summary["capacity"], summary["undecided"]) == (2, 16, 1)
    by_region = {e["region"].key: dict(e["counts"]) for e in summary["by_region"]}
    assert by_region == {"ibaraki": {"accompaniment": 1}, "nagano": {"matching": 1}}
    regional = make_user("regional@example.com")
    add_member(cast.consortium, regional, Membership.Role.REGIONAL_COORDINATOR, region=cast.nagano)
    board = selection_board(membership=_membership(regional), program=cast.program)
    assert [r["application"].pk for r in board["rows"]] == [b.pk]


def _applicants(cast, n, start=0):
    for i in range(start, start + n):
        app = apply(cast, f"候補企業{i:02d}", region=cast.ibaraki if i % 2 else cast.nagano)
        decide(cast, app, decision=Decision.ACCOMPANIMENT if i % 3 else Decision.NOT_SELECTED)
        app.refresh_from_db()
        diagnose(cast, app.company, current_by_group={"management": 2, "it_system": 2}, advised=bool(i % 2))


def _page_queries(client, cast) -> int:
    url = reverse("recruitment:selection", args=["dx", cast.program.pk])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_selection_page_query_count_is_constant(cast, client):
    Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=Event.Kind.SELECTION_MEETING,
        title="DX支援企業選出検討会",
        starts_at=timezone.now(),
    )
    client.force_login(cast.coordinator)
    _applicants(cast, 3)
    _page_queries(client, cast)  # warm-up: the first page of a session also writes the session
    three = _page_queries(client, cast)
    _applicants(cast, 7, start=3)
    ten = _page_queries(client, cast)
    assert CompanyApplication.objects.filter(status="received").count() == 10
    assert ten == three, f"3 applicants: {three} queries, 10 applicants: {ten}"


def test_decision_saved_through_the_page_with_htmx_and_plain(cast, client):
    app = apply(cast, "水戸建設")
    client.force_login(cast.coordinator)
    url = reverse("recruitment:decision_save", args=["dx", cast.program.pk])
    # Missing reasons: the row again with the error and what was typed.
    bad = client.post(
        url, {"application": app.pk, "decision": "matching", "commitment_rating": "4"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 200
    html = bad.content.decode()
    assert f'id="app-{app.pk}"' in html and "理由を入力してください" in html
    assert not SelectionDecision.objects.exists()
    ok = client.post(
        url,
        {
            "application": app.pk,
            "decision": "matching",
            "reasons": "ツール導入が中心",
            "commitment_rating": "4",
            "version": "0",  # no decision yet
        },
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200 and 'id="selection-summary" hx-swap-oob="true"' in ok.content.decode()
    assert SelectionDecision.objects.get().decision == Decision.MATCHING
    stored = str(SelectionDecision.objects.get().version)
    plain = client.post(
        url, {"application": app.pk, "decision": "not_selected", "reasons": "時期尚早", "version": stored}
    )
    assert plain.status_code == 302
    assert SelectionDecision.objects.get().decision == Decision.NOT_SELECTED
    # The answer depends on HX-Request, so a cache between must not hand one kind the other's.
    for response in (bad, ok, plain):
        assert "HX-Request" in response["Vary"]


def test_decision_for_an_application_of_another_program_is_404(cast, client):
    from programs.models import Program

    other_program = Program.objects.create(consortium=cast.consortium, name="令和5年度", fiscal_year=2023)
    other_program.regions.set([cast.ibaraki])
    app = services.application_submit(
        program=other_program,
        data={
            "company_name": "別事業の会社",
            "applicant_name": "a",
            "email": "z@example.jp",
            "region": cast.ibaraki,
        },
        send_confirmation=False,
    )
    client.force_login(cast.coordinator)
    url = reverse("recruitment:decision_save", args=["dx", cast.program.pk])
    assert (
        client.post(url, {"application": app.pk, "decision": "matching", "reasons": "x"}).status_code == 404
    )


def test_enrolment_page_shows_the_decision_and_the_conditions(cast, decided, client):
    client.force_login(cast.coordinator)
    url = reverse("accompaniment:enroll", args=["dx", cast.company.pk])
    html = client.get(url).content.decode()
    assert "伴走支援" in html and "参加条件 未確認" in html
    services.selection_confirm_conditions(
        decision=decided,
        actor=cast.company_user,
        executive_participant="精密 太郎",
        staff_participant="精密 花子",
        attends_all_sessions=True,
    )
    html = client.get(url).content.decode()
    assert "参加条件 確認済" in html and "精密 花子" in html
    other = client.get(reverse("accompaniment:enroll", args=["dx", cast.other_company.pk])).content.decode()
    assert "選出結果はまだありません" in other


def test_selection_page_shows_whether_the_conditions_are_confirmed(cast, decided, client):
    client.force_login(cast.coordinator)
    url = reverse("recruitment:selection", args=["dx", cast.program.pk])
    assert "参加条件 未確認" in client.get(url).content.decode()
    services.selection_confirm_conditions(
        decision=decided,
        actor=cast.company_user,
        executive_participant="精密 太郎",
        staff_participant="精密 花子",
        attends_all_sessions=True,
    )
    html = client.get(url).content.decode()
    assert "参加条件 確認済" in html and "精密 太郎 / 精密 花子" in html
