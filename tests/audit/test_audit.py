"""Audit log (監査ログ): what is recorded, who sees it, filters, tenancy, read-only, query count."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from dxcommunity.audit import log as audit
from dxcommunity.audit.urls import urlpatterns as audit_urlpatterns
from dxcommunity.tenancy.models import Company, Membership, Region
from matching.models import MatchingRequest
from programs.models import Participation
from tests.audit.conftest import give_totp
from tests.conftest import add_member, make_user

Role = Membership.Role


def url(slug: str = "dx", **query) -> str:
    from urllib.parse import urlencode

    base = reverse("audit:index", kwargs={"consortium_slug": slug})
    return f"{base}?{urlencode(query)}" if query else base


def entries(cast, **filters) -> list[audit.AuditEntry]:
    return audit.audit_entries(consortium=cast.consortium, **filters).entries


@contextmanager
def acting_as(user):
    """What HistoryRequestMiddleware does for a request: writes inside are recorded as ``user``'s."""
    from simple_history.models import HistoricalRecords

    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        del HistoricalRecords.context.request


def create_request(cast, title: str = "在庫管理の見える化") -> MatchingRequest:
    from matching.services import matching_request_create

    with acting_as(cast.coordinator):
        return matching_request_create(
            company=cast.company, user=cast.coordinator, title=title, category="iot", vendors=[cast.vendor]
        )


def apply_via_view(client, cast) -> None:
    """The company's 経営者 sends the 自己診断申し込み: creates the application, moves the company's stage."""
    response = client.post(
        reverse("companies:application_create", kwargs={"consortium_slug": "dx"}),
        {
            "applicant_name": "精密 太郎",
            "organization_name": cast.company.name,
            "department_title": "代表取締役",
            "email": "ceo@example.com",
            "region": cast.ibaraki.pk,
            "message_to_office": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors


# --- what is recorded -------------------------------------------------------------------------------


def test_create_through_a_view_is_logged_with_the_acting_user(cast, login):
    apply_via_view(login(cast.company_user), cast)
    created = entries(cast, model="programs.selfdiagnosisapplication", action="+")
    assert len(created) == 1
    entry = created[0]
    assert entry.user == cast.company_user
    assert entry.user_name == "精密 太郎"
    assert entry.organization == cast.company.name
    assert entry.model_name == "自己診断申し込み"
    assert entry.action_label == "作成"
    assert entry.object_label.startswith(cast.company.name)


def test_update_through_a_view_shows_field_verbose_name_and_old_to_new(cast, login, coordinator_client):
    apply_via_view(login(cast.company_user), cast)
    changed = entries(cast, model="programs.participation", action="~")
    assert changed[0].user == cast.company_user
    assert changed[0].action_label == "更新"
    assert changed[0].changes == [audit.FieldChange(label="ステージ", old="セミナー登録", new="自己診断申込")]

    coordinator_client.force_login(cast.coordinator)
    html = coordinator_client.get(url()).content.decode()
    assert "ステージ" in html and "セミナー登録" in html and "自己診断申込" in html and "→" in html
    assert "精密 太郎" in html


def test_status_update_diff_uses_choice_labels(cast):
    req = create_request(cast)
    from matching.services import matching_request_transition

    with acting_as(cast.itc):
        matching_request_transition(request=req, user=cast.coordinator, to_status="candidates")
    changed = [e for e in entries(cast, model="matching.matchingrequest", action="~") if e.changes]
    assert changed[0].changes == [audit.FieldChange(label="状態", old="ヒアリング", new="候補選定")]
    assert changed[0].user == cast.itc


def test_many_to_many_change_shows_the_vendor_names(cast, coordinator_client):
    req = create_request(cast)
    m2m = [c for e in entries(cast, model="matching.matchingrequest") for c in e.changes]
    assert audit.FieldChange(label="依頼先ベンダー", old="（空）", new=cast.vendor.name) in m2m
    assert req.vendors.count() == 1


def test_foreign_key_change_shows_the_related_name(cast):
    cast.company._history_user = cast.coordinator
    cast.company.main_bank = cast.other_bank
    cast.company.save()
    change = entries(cast, model="dxcommunity.company", action="~")[0].changes
    assert audit.FieldChange(label="メインバンク", old="常陽銀行", new="八十二銀行") in change


def test_delete_is_logged_with_the_user(cast):
    region = Region.objects.create(consortium=cast.consortium, name="栃木県", key="tochigi")
    region_id = region.pk
    region._history_user = cast.coordinator
    region.delete()
    deleted = entries(cast, model="dxcommunity.region", action="-")
    assert [(e.object_id, e.object_label, e.user, e.action_label) for e in deleted] == [
        (region_id, "栃木県", cast.coordinator, "削除")
    ]


def test_writes_outside_a_request_show_system(cast):
    """Management commands and Celery tasks have no request user: 「システム」."""
    Company.objects.create(consortium=cast.consortium, name="無人株式会社", region=cast.ibaraki)
    entry = entries(cast, model="dxcommunity.company", action="+")[0]
    assert entry.user is None
    assert entry.user_name == "システム"
    assert entry.object_label == "無人株式会社"


def test_session_attendance_and_region_are_audited():
    keys = {audit.model_key(m) for m in audit.audited_models()}
    assert {"accompaniment.attendance", "dxcommunity.region", "programs.seminarregistration"} <= keys
    assert {
        "dxcommunity.company",
        "diagnosis.diagnosisanswer",
        "accompaniment.dxplan",
        "dxcommunity.membership",
    } <= keys
    # Append-only logs and generated files are not audited (see dxcommunity/audit/log.py and the report).
    assert "dxcommunity.accesslog" not in keys
    assert "reports.generateddocument" not in keys
    # Global reference data (no consortium) is not part of a tenant's log.
    assert "diagnosis.indexitem" not in keys


# --- filters ------------------------------------------------------------------------------------------


def test_filter_by_model_user_action_and_date(cast, coordinator_client):
    create_request(cast)
    cast.company._history_user = cast.itc
    cast.company.employees = 42
    cast.company.save()

    by_model = entries(cast, model="dxcommunity.company")
    assert by_model and {e.model_key for e in by_model} == {"dxcommunity.company"}

    by_user = entries(cast, user=cast.itc)
    assert [(e.model_key, e.action) for e in by_user] == [("dxcommunity.company", "~")]
    assert by_user[0].changes == [audit.FieldChange(label="従業員数", old="（空）", new="42")]

    by_action = entries(cast, action="-")
    assert by_action == []

    # The day of this test's change (the cast's own rows may be from an earlier day: it is built once).
    day = timezone.localdate(by_user[0].when)
    assert entries(cast, user=cast.itc, date_from=day, date_to=day) == by_user
    assert entries(cast, user=cast.itc, date_to=day - dt.timedelta(days=1)) == []
    assert entries(cast, date_from=day + dt.timedelta(days=1)) == []

    html = coordinator_client.get(
        url(model="dxcommunity.company", user=cast.itc.pk, action="~")
    ).content.decode()
    assert "従業員数" in html
    assert "在庫管理の見える化" not in html
    html = coordinator_client.get(url(model="matching.matchingrequest")).content.decode()
    assert "在庫管理の見える化" in html
    assert "従業員数" not in html


def test_filter_by_object_lists_one_rows_history(cast, coordinator_client):
    cast.company._history_user = cast.coordinator
    cast.company.employees = 10
    cast.company.save()
    rows = entries(cast, model="dxcommunity.company", object_id=cast.company.pk)
    assert [e.action for e in rows] == ["~", "+"]
    assert {e.object_id for e in rows} == {cast.company.pk}


def test_bad_filter_input_is_reported_per_field(cast, coordinator_client):
    response = coordinator_client.get(url(date_from="2022-09-01", date_to="2022-08-01", model="nope.nope"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "date_to" in form.errors and "model" in form.errors
    assert 'value="2022-09-01"' in response.content.decode()  # what was typed is kept
    # Another consortium's user is not a choice: refused, not silently applied.
    response = coordinator_client.get(url(user=cast.stranger_coordinator.pk))
    assert "user" in response.context["form"].errors
    assert response.context["result"].entries == []


def test_pagination(cast, coordinator_client):
    for n in range(7):
        Region.objects.create(consortium=cast.consortium, name=f"地域{n}", key=f"r{n}")
    first = audit.audit_entries(consortium=cast.consortium, model="dxcommunity.region", per_page=5)
    second = audit.audit_entries(consortium=cast.consortium, model="dxcommunity.region", per_page=5, page=2)
    assert first.has_next and not first.has_previous
    assert not second.has_next and second.has_previous
    names = [e.object_label for e in first.entries + second.entries]
    # 2 regions of the cast + 7 new ones, newest first, no duplicates across pages.
    assert len(names) == len(set(names)) == 9
    assert names[0] == "地域6"


# --- tenancy and access -----------------------------------------------------------------------------------


def test_other_consortium_entries_never_appear(cast, coordinator_client):
    cast.stranger_company._history_user = cast.stranger_coordinator
    cast.stranger_company.name = "他地域の秘密の社名"
    cast.stranger_company.save()
    mine = audit.audit_entries(consortium=cast.consortium, per_page=1000).entries
    assert all(e.object_label != "他地域の秘密の社名" for e in mine)
    assert cast.stranger_coordinator not in {e.user for e in mine}
    html = coordinator_client.get(url(per_page=1000)).content.decode()
    assert "他地域の秘密の社名" not in html
    assert "他地域商事株式会社" not in html
    # Even asked for by the other tenant's object id and user.
    html = coordinator_client.get(
        url(model="dxcommunity.company", object=cast.stranger_company.pk)
    ).content.decode()
    assert "他地域" not in html

    # And the other way round: the stranger's log has its own rows and none of ours.
    theirs = audit.audit_entries(consortium=cast.other, per_page=1000).entries
    assert "他地域の秘密の社名" in {e.object_label for e in theirs}
    assert cast.company.name not in {e.object_label for e in theirs}


def test_other_consortium_coordinator_gets_404(cast, login):
    give_totp(cast.stranger_coordinator)
    assert login(cast.stranger_coordinator).get(url("dx")).status_code == 404


@pytest.mark.parametrize(
    "who",
    [
        "itc",
        "bank_user",
        "association_user",
        "vendor_user",
        "company_user",
        "regional_coordinator",
    ],
)
def test_non_coordinators_get_404(cast, login, who):
    if who == "regional_coordinator":
        user = make_user("regional@example.com", "地域 十子")
        add_member(cast.consortium, user, Role.REGIONAL_COORDINATOR, region=cast.ibaraki)
        give_totp(user)
    else:
        user = getattr(cast, who)
    assert login(user).get(url()).status_code == 404


def test_anonymous_is_sent_to_login(cast, client):
    response = client.get(url())
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_coordinator_sees_the_page(cast, coordinator_client):
    response = coordinator_client.get(url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "監査ログ" in html
    assert "テスト精密工業株式会社" in html  # created by the cast fixture
    assert "システム" in html


# --- read-only ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_url_under_audit_accepts_writes(cast, coordinator_client, method):
    before = sum(m.history.count() for m in audit.audited_models())
    for pattern in audit_urlpatterns:
        path = reverse(f"audit:{pattern.name}", kwargs={"consortium_slug": "dx"})
        response = getattr(coordinator_client, method)(path, {"model": "dxcommunity.company"})
        assert response.status_code == 405, (pattern.name, method)
    assert sum(m.history.count() for m in audit.audited_models()) == before


def test_historical_models_are_not_editable_in_the_admin():
    registered = set(admin.site._registry)
    for model in audit.audited_models():
        history_model = model.history.model
        assert history_model not in registered, history_model


# --- query count ---------------------------------------------------------------------------------------


def test_index_query_count_is_bounded(cast, coordinator_client, django_assert_max_num_queries):
    # 60 changes spread over several models so that the page holds creates, changes (with diffs and
    # previous versions) and many-to-many changes.
    for n in range(20):
        cast.company._history_user = cast.coordinator
        cast.company.employees = n
        cast.company.save()
        region = Region.objects.create(consortium=cast.consortium, name=f"地域{n}", key=f"k{n}")
        region.name = f"地域{n}改"
        region.save()
    create_request(cast, title="A")
    create_request(cast, title="B")
    # Measured 41 queries with 27 audited models: 27 (one per audited model, previous-version ids
    # computed in SQL) + 14 fixed: 5 for the session, user, membership, MFA check and the menu's
    # memberships; 3 previous-version lookups (company, region, matching request); 1 many-to-many history
    # per tracked m2m field of a model on the page (matching request: vendors, candidates = 2);
    # 1 organizations of the users on the page; 1 user filter choices; the rest of the base template and
    # the session save. It does not grow with the rows on the page (per_page = 50); a new audited model
    # (another app adding history) adds exactly one. A fourth previous-version lookup: the matching
    # requests' program comes from the company's participation, whose history rows are on the page too.
    m2m_fields_on_page = len(MatchingRequest.history.model._history_m2m_fields)
    with django_assert_max_num_queries(14 + m2m_fields_on_page + len(audit.audited_models())):
        response = coordinator_client.get(url())
    assert response.status_code == 200
    assert len(response.context["result"].entries) == 50


def test_cascade_deleted_rows_keep_their_parents_name(cast, django_assert_max_num_queries):
    from accompaniment.models import DxPlan

    company = Company.objects.create(
        consortium=cast.consortium, name="消える工業株式会社", region=cast.ibaraki
    )
    Participation.objects.create(consortium=cast.consortium, company=company, program=cast.program)
    DxPlan.objects.create(consortium=cast.consortium, company=company, mission="m")
    company._history_user = cast.coordinator
    company.delete()
    deleted = entries(cast, action="-")
    labels = {(e.model_key, e.object_label) for e in deleted}
    assert ("dxcommunity.company", "消える工業株式会社") in labels
    assert ("accompaniment.dxplan", "消える工業株式会社 DX推進計画書") in labels


def test_change_without_a_recorded_previous_version_says_so(cast, coordinator_client):
    """Rows inserted with bulk_create have no 作成 record; their first change cannot show a diff."""
    from accompaniment.models import Homework

    track_session = _session(cast)
    Homework.objects.bulk_create(
        [Homework(consortium=cast.consortium, session=track_session, title="見積依頼")]
    )
    homework = Homework.objects.get(title="見積依頼")
    homework.done = True
    homework.save()
    entry = entries(cast, model="accompaniment.homework")[0]
    assert entry.action == "~" and entry.previous_missing and entry.changes == []
    assert "変更前の記録がありません" in coordinator_client.get(url()).content.decode()


def _session(cast):
    from accompaniment.models import AccompanimentSession, AccompanimentTrack

    track = AccompanimentTrack.objects.create(
        consortium=cast.consortium, company=cast.company, program=cast.program, leader=cast.itc
    )
    return AccompanimentSession.objects.create(consortium=cast.consortium, track=track, number=1, theme="t")


def test_line_ending_only_changes_are_not_listed(cast):
    from accompaniment.models import DxPlan

    plan = DxPlan.objects.create(consortium=cast.consortium, company=cast.company, mission="一行目\n二行目")
    plan.mission = "一行目\r\n二行目"  # what a browser's textarea sends back
    plan.vision = "工場の見える化"
    plan.save()
    change = entries(cast, model="accompaniment.dxplan", action="~")[0].changes
    assert change == [audit.FieldChange(label="DX構想（目指す姿）", old="（空）", new="工場の見える化")]


def test_enrollment_sessions_and_session_attendees_are_logged_with_the_user(cast):
    """Rows inserted in bulk by services (10 sessions, the attendee list) get 作成 records too."""
    from accompaniment.services import SessionLogData, session_log_submit, track_enroll

    Participation.objects.filter(pk=cast.participation.pk).update(stage=Participation.Stage.ADVISED)
    cast.company.refresh_from_db()
    track = track_enroll(company=cast.company, leader=cast.itc, bank=cast.bank, user=cast.coordinator)
    sessions = entries(cast, model="accompaniment.accompanimentsession", action="+")
    assert len(sessions) == 10
    assert {e.user for e in sessions} == {cast.coordinator}
    assert "第1回 経営理念、ミッション確認" in {e.object_label for e in sessions}

    first = track.sessions.get(number=1)
    data = SessionLogData(
        date=dt.date(2022, 9, 12),
        attendees=[
            ("itc_leader", "伴走 一郎"),
            ("company_executive", "精密 太郎"),
            ("company_staff", "現場 花子"),
        ],
    )
    session_log_submit(session=first, author=cast.itc, data=data)
    attendees = entries(cast, model="accompaniment.attendance", action="+")
    assert {(e.object_label, e.user) for e in attendees} == {
        ("伴走 一郎 (伴走支援リーダ（ITC）)", cast.itc),
        ("精密 太郎 (経営者)", cast.itc),
        ("現場 花子 (担当者)", cast.itc),
    }


def test_request_user_is_recorded_by_the_history_middleware(settings):
    """HistoryRequestMiddleware must run after AuthenticationMiddleware (it reads request.user)."""
    chain = list(settings.MIDDLEWARE)
    history = chain.index("simple_history.middleware.HistoryRequestMiddleware")
    assert history > chain.index("django.contrib.auth.middleware.AuthenticationMiddleware")


def test_page_number_is_clamped(cast, coordinator_client):
    result = audit.audit_entries(consortium=cast.consortium, page=10**9)
    assert result.page == audit.MAX_PAGE and result.entries == []
    assert coordinator_client.get(url(page="999999999")).status_code == 200
    assert coordinator_client.get(url(page="-3")).context["result"].page == 1


def test_nav_links_the_audit_log_for_the_coordinator_only(cast, login, coordinator_client):
    link = f'href="{url()}"'
    assert link in coordinator_client.get(reverse("companies:home", args=["dx"])).content.decode()
    regional = make_user("regional@example.com", "地域 十子")
    add_member(cast.consortium, regional, Role.REGIONAL_COORDINATOR, region=cast.ibaraki)
    give_totp(regional)
    html = login(regional).get(reverse("companies:home", args=["dx"])).content.decode()
    assert link not in html


def test_version_number_of_an_edited_record_is_not_shown_as_a_change(cast):
    """The optimistic-locking version moves on with every save: bookkeeping, like updated_at."""
    from programs.events.services import program_update

    with acting_as(cast.coordinator):
        program_update(program=cast.program, data={"funder": "経済産業省"}, version=cast.program.version)
    changed = [e for e in entries(cast, model="programs.program", action="~") if e.changes]
    assert changed[0].changes == [audit.FieldChange(label="補助元", old="（空）", new="経済産業省")]
