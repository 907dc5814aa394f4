"""事業完了: closing a program, the read-only guard in services and pages (409), the coordinator's logged
amendment, the 実績報告書 of a closed program, and the closed program's figures frozen while the next
fiscal year's program goes on (the demo)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from openpyxl import load_workbook

from accompaniment.models import AccompanimentSession, Homework, SessionLog
from accompaniment.services import SessionLogData, session_log_submit, track_enroll
from dxcommunity.tenancy.models import Company, MemberOrganization
from programs.closing import ProgramClosed, program_amendment, program_close
from programs.companies.services import application_submit
from programs.middleware import SESSION_KEY
from programs.models import Event, Participation, Program, ProgramAmendment, SeminarRegistration
from programs.participations.services import participation_join
from reports.documents import rendering
from reports.models import GeneratedDocument
from reports.results.report import results_report_data
from tests.accompaniment.factories import enroll, log_first_session
from tests.programs.test_load_demo import _demo_loaded  # noqa: F401 — the module-scoped demo fixture

pytestmark = pytest.mark.django_db


def url(name, cast, *args):
    return reverse(name, args=[cast.consortium.slug, *args])


def today_text() -> str:
    return date_format(timezone.localdate(), "Y/n/j")


def reload(program: Program) -> Program:
    return Program.objects.get(pk=program.pk)


@pytest.fixture
def event(cast):
    """A DX seminar of the cast's program with the company's registration (not attended yet)."""
    starts = timezone.now() - dt.timedelta(days=3)
    event = Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=Event.Kind.DX_SEMINAR,
        title="DXセミナー(1)",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
    )
    SeminarRegistration.objects.create(
        consortium=cast.consortium,
        event=event,
        company=cast.company,
        name="精密 太郎",
        email="ceo@example.com",
    )
    return event


@pytest.fixture
def track(cast):
    """The company's track with session 1 logged (one homework item), before the program is closed."""
    track = enroll(cast)
    log_first_session(cast, track)
    return track


# --- closing -----------------------------------------------------------------------------------------


def test_the_coordinator_closes_the_program_once(cast):
    program = program_close(program=cast.program, user=cast.coordinator)
    stored = reload(cast.program)
    assert stored.is_closed and stored.closed_by == cast.coordinator
    assert stored.closed_at == program.closed_at
    last = stored.history.order_by("-history_id").first()  # the 監査ログ row, with the actor
    assert last.closed_at == stored.closed_at and last.history_user == cast.coordinator
    with translation.override("ja"), pytest.raises(ValidationError) as exc:
        program_close(program=stored, user=cast.coordinator)
    assert "既に事業完了" in exc.value.messages[0] and today_text() in exc.value.messages[0]


@pytest.mark.parametrize("who", ["regional_coordinator", "itc", "bank_user", "company_user", "vendor_user"])
def test_only_the_coordinator_closes(cast, who):
    with pytest.raises(PermissionDenied):
        program_close(program=cast.program, user=getattr(cast, who))
    assert not reload(cast.program).is_closed


def test_close_page_confirms_then_closes_and_the_program_page_shows_the_badge(cast, login):
    client = login(cast.coordinator)
    detail = client.get(url("programs:detail", cast, cast.program.pk)).content.decode()
    assert "事業完了にする" in detail
    page = client.get(url("programs:close", cast, cast.program.pk)).content.decode()
    assert "閲覧のみになり" in page
    response = client.post(url("programs:close", cast, cast.program.pk))
    assert response.status_code == 302
    assert reload(cast.program).is_closed
    detail = client.get(url("programs:detail", cast, cast.program.pk)).content.decode()
    assert f"事業完了（{today_text()}）" in detail
    assert "閲覧のみです" in detail
    assert "事業完了にする" not in detail and "修正を開始" in detail
    assert url("programs:edit", cast, cast.program.pk) not in detail


@pytest.mark.parametrize("who", ["itc", "bank_user", "company_user", "regional_coordinator"])
def test_others_may_not_close_through_the_page(cast, login, who):
    client = login(getattr(cast, who))
    assert client.post(url("programs:close", cast, cast.program.pk)).status_code == 403
    assert not reload(cast.program).is_closed
    if who != "company_user":
        detail = client.get(url("programs:detail", cast, cast.program.pk)).content.decode()
        assert "事業完了にする" not in detail


# --- refused writes ---------------------------------------------------------------------------------


def test_writes_through_services_and_the_orm_are_refused_after_closing(cast, track):
    program_close(program=cast.program, user=cast.coordinator)
    with pytest.raises(ProgramClosed) as exc:
        application_submit(
            program=cast.program,
            company=cast.other_company,
            user=cast.other_company_user,
            applicant_name="建設 八郎",
            organization_name=cast.other_company.name,
            email="ceo2@example.com",
            region=cast.nagano,
        )
    assert "事業完了" in exc.value.messages[0] and cast.program.name in exc.value.messages[0]
    session = track.sessions.get(number=2)
    with pytest.raises(ProgramClosed):
        session_log_submit(
            session=session,
            author=cast.itc,
            data=SessionLogData(date=dt.date(2022, 9, 26), attendees=[("itc_leader", "伴走 一郎")]),
        )
    assert not SessionLog.objects.filter(session=session).exists()
    log = SessionLog.objects.get(session__track=track, session__number=1)
    log.discussion = "書き換え"
    with pytest.raises(ProgramClosed):
        log.save()
    assert SessionLog.objects.get(pk=log.pk).discussion == "創業以来の理念を再確認した"
    with pytest.raises(ProgramClosed):
        AccompanimentSession.objects.get(pk=session.pk).delete()


def test_enrolling_a_company_into_a_closed_program_is_refused(cast):
    program_close(program=cast.program, user=cast.coordinator)
    newcomer = Company.objects.create(
        consortium=cast.consortium, name="水戸新規株式会社", region=cast.ibaraki
    )
    with pytest.raises(ProgramClosed):
        participation_join(company=newcomer, program=cast.program)
    assert not Participation.objects.filter(company=newcomer).exists()
    Participation.objects.filter(pk=cast.participation.pk).update(stage=Participation.Stage.DIAGNOSED)
    with pytest.raises(ProgramClosed):
        track_enroll(
            company=cast.company, leader=cast.itc, bank=cast.bank, program=cast.program, user=cast.coordinator
        )
    assert not cast.company.tracks.exists()


def test_a_refused_write_through_a_page_shows_the_409_page_and_saves_nothing(cast, login, event, track):
    program_close(program=cast.program, user=cast.coordinator)
    registration = event.registrations.get()
    response = login(cast.coordinator).post(
        url("programs:event_attendance", cast, event.pk), {"attended": [registration.pk]}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert f"「{cast.program.name}」は事業完了（{today_text()}）のため変更できません。" in body
    assert "修正を開始" in body  # how the coordinator corrects
    assert not SeminarRegistration.objects.get(pk=registration.pk).attended
    homework = Homework.objects.get(session__track=track)
    response = login(cast.itc).post(
        reverse("accompaniment:homework_done", args=[cast.consortium.slug, homework.pk]), {"done": "1"}
    )
    assert response.status_code == 409
    assert "事務局（全体まとめ）に連絡" in response.content.decode()
    assert not Homework.objects.get(pk=homework.pk).done


# --- the amendment ----------------------------------------------------------------------------------


def test_an_amendment_needs_a_reason(cast, login):
    program_close(program=cast.program, user=cast.coordinator)
    client = login(cast.coordinator)
    response = client.post(url("programs:amendment_start", cast, cast.program.pk), {"reason": "  "})
    assert response.status_code == 200
    assert "修正理由を入力してください。" in response.content.decode()
    assert not ProgramAmendment.objects.exists()
    assert SESSION_KEY not in client.session
    with pytest.raises(ValidationError) as exc:
        with program_amendment(program=reload(cast.program), user=cast.coordinator, reason=""):
            pass
    assert "reason" in exc.value.message_dict


@pytest.mark.parametrize("who", ["itc", "bank_user", "company_user", "regional_coordinator"])
def test_only_the_coordinator_starts_or_ends_an_amendment(cast, login, who):
    program_close(program=cast.program, user=cast.coordinator)
    client = login(getattr(cast, who))
    response = client.post(url("programs:amendment_start", cast, cast.program.pk), {"reason": "誤記の訂正"})
    assert response.status_code == 403
    assert client.post(reverse("programs:amendment_end", args=[cast.consortium.slug])).status_code == 403
    assert not ProgramAmendment.objects.exists()


def test_the_coordinators_amendment_lets_their_edits_through_and_records_them(cast, login, event, track):
    program_close(program=cast.program, user=cast.coordinator)
    registration = event.registrations.get()
    coordinator = login(cast.coordinator)
    response = coordinator.post(
        url("programs:amendment_start", cast, cast.program.pk), {"reason": "出欠の入力漏れを訂正"}
    )
    assert response.status_code == 302
    amendment = ProgramAmendment.objects.get()
    assert (amendment.program, amendment.made_by, amendment.reason) == (
        cast.program,
        cast.coordinator,
        "出欠の入力漏れを訂正",
    )
    assert coordinator.session[SESSION_KEY] == {"program": cast.program.pk, "amendment": amendment.pk}
    page = coordinator.get(url("programs:detail", cast, cast.program.pk)).content.decode()
    assert f"{cast.program.name} を修正中（理由: 出欠の入力漏れを訂正）" in page and "修正を終了" in page

    # The coordinator's edit goes through and is listed on the amendment.
    response = coordinator.post(
        url("programs:event_attendance", cast, event.pk), {"attended": [registration.pk]}
    )
    assert response.status_code == 302
    assert SeminarRegistration.objects.get(pk=registration.pk).attended
    # A second request appends to the same row.
    log = SessionLog.objects.get(session__track=track, session__number=1)
    response = coordinator.post(
        reverse("accompaniment:homework_done", args=[cast.consortium.slug, log.session.homework.get().pk]),
        {"done": "1"},
    )
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert ProgramAmendment.objects.count() == 1
    assert f"セミナー申込 #{registration.pk}" in amendment.description
    assert f"宿題 #{log.session.homework.get().pk}" in amendment.description

    # Another user stays refused during the amendment, in pages and in services.
    response = login(cast.itc).post(
        reverse("accompaniment:homework_done", args=[cast.consortium.slug, log.session.homework.get().pk]),
        {"done": "0"},
    )
    assert response.status_code == 409
    assert Homework.objects.get(session=log.session).done
    log.discussion = "ITCの書き換え"
    with pytest.raises(ProgramClosed):
        log.save()
    assert SessionLog.objects.get(pk=log.pk).discussion == "創業以来の理念を再確認した"

    # Ending removes it from the session; the coordinator is refused again.
    coordinator = login(cast.coordinator)
    response = coordinator.post(reverse("programs:amendment_end", args=[cast.consortium.slug]))
    assert response.status_code == 302
    assert SESSION_KEY not in coordinator.session
    response = coordinator.post(url("programs:event_attendance", cast, event.pk), {"attended": []})
    assert response.status_code == 409
    assert SeminarRegistration.objects.get(pk=registration.pk).attended

    # The 実績報告書 page and its PDF template show the closing and the amendment.
    page = coordinator.get(
        reverse("results:index", args=[cast.consortium.slug]), {"scope": f"program:{cast.program.pk}"}
    ).content.decode()
    assert f"事業完了 {today_text()}" in page
    assert "事業完了後の修正" in page and "出欠の入力漏れを訂正" in page and "事務 花子" in page
    assert f"#{registration.pk}" in page
    document = GeneratedDocument.objects.create(
        consortium=cast.consortium,
        kind=GeneratedDocument.Kind.RESULTS_REPORT,
        program=cast.program,
        requested_by=cast.coordinator,
    )
    pdf_html = render_to_string(
        "reports/results_report.html",
        rendering.results_report_context(document=GeneratedDocument.objects.get(pk=document.pk)),
    )
    assert f"事業完了 {today_text()}" in pdf_html and "出欠の入力漏れを訂正" in pdf_html


def test_an_open_program_report_has_no_closing_section(cast, login):
    page = (
        login(cast.coordinator)
        .get(reverse("results:index", args=[cast.consortium.slug]), {"scope": f"program:{cast.program.pk}"})
        .content.decode()
    )
    assert "事業完了後の修正" not in page and "事業完了 " not in page


# --- THE figures of a closed program stay as reported (demo) ------------------------------------------


def _report_figures(data: dict) -> dict:
    """The figures of ``results_report_data``: the company rows' annotations spelled out, the output
    time, the program objects and the closing information left out."""
    figures = {k: v for k, v in data.items() if k not in ("generated_at", "programs", "closed", "amendments")}
    figures["companies"] = [
        (
            c.pk,
            c.kind,
            c.region_id,
            c.industry,
            c.recommended_by_id,
            c.sessions_held,
            c.sessions_total,
            c.plan_status,
            c.plan_approved_at,
            c.needs,
            c.matching_status,
            c.contracts,
            c.contract_amount,
        )
        for c in data["companies"]
    ]
    figures["seminars"] = [{**s, "event": s["event"].pk} for s in data["seminars"]]
    return figures


def _xlsx_values(data: bytes) -> dict[str, list[tuple]]:
    """Every sheet's cell values; the 出力日時 row left out."""
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return {
        ws.title: [row for row in ws.iter_rows(values_only=True) if row and row[0] != "出力日時"]
        for ws in wb.worksheets
    }


def _metrics_figures(m) -> dict:
    return {
        "funnel": m.funnel,
        "total": m.total,
        "by_region": m.by_region,
        "by_industry": m.by_industry,
        "by_referrer": m.by_referrer,
        "sessions": m.sessions,
        "sessions_by_region": m.sessions_by_region,
        "satisfaction": m.satisfaction,
        "satisfaction_by_number": m.satisfaction_by_number,
        "events": [{**e, "event": e["event"].pk} for e in m.events],
    }


def test_a_closed_programs_figures_stay_the_same_while_the_next_year_goes_on(_demo_loaded, db):  # noqa: F811
    from django.contrib.auth import get_user_model

    from accompaniment.services import plan_update
    from diagnosis.models import Diagnosis
    from diagnosis.services import diagnosis_save_draft, diagnosis_start, diagnosis_submit
    from dxcommunity.tenancy.models import Consortium
    from matching.models import MatchingRequest
    from matching.services import matching_request_create
    from programs.events.services import attendance_mark, seminar_register
    from reports.dashboard.metrics import program_metrics
    from reports.results.report import results_report_xlsx
    from tests.diagnosis.factories import all_answers

    users = get_user_model().objects
    consortium = Consortium.objects.get(slug="ibaraki-nagano")
    closed = Program.objects.get(consortium=consortium, fiscal_year=2022)
    current = Program.objects.get(consortium=consortium, fiscal_year=2026, public_application_open=True)
    coordinator = users.get(email="coordinator@example.jp")
    itc = users.get(email="itc-ibaraki@example.jp")
    company_user = users.get(email="company-b@example.jp")
    returning = Company.objects.get(name="那珂川建設株式会社")
    companies = Company.objects.filter(consortium=consortium)
    day = dt.date(2023, 3, 31)

    def figures():
        return (
            _metrics_figures(program_metrics(programs=[closed], companies=companies, today=day)),
            _report_figures(results_report_data(consortium=consortium, program=closed)),
            _xlsx_values(results_report_xlsx(consortium=consortium, program=closed)),
        )

    before = figures()
    assert before[1]["sessions"]["held"] > 0 and before[1]["plans"]["approved"] == 10  # a real dataset
    # The demo closes its FY2022 program (事業完了); a closed program refuses a second close.
    assert closed.is_closed
    with pytest.raises(ValidationError):
        program_close(program=closed, user=coordinator)
    closed = reload(closed)

    was = results_report_data(consortium=consortium, program=current)
    # The returning company's year in the current program: 応募, participation, diagnosis, 継続伴走 with
    # sessions and a new plan, a matching need, a seminar attended.
    application_submit(
        program=current,
        company=returning,
        user=company_user,
        applicant_name="那珂 一郎",
        organization_name=returning.name,
        email="company-b@example.jp",
        region=returning.region,
    )
    participation = Participation.objects.get(company=returning, program=current)
    assert participation.previous.program == closed
    diagnosis = diagnosis_start(
        company=returning, user=company_user, program=current, prefill_from_previous=True
    )
    assert diagnosis.participation == participation
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=company_user,
        answers=all_answers(diagnosis.edition, current=3, target=5),
        meta={"advice_mode": Diagnosis.AdviceMode.ONLINE, "dx_stage": 3},
    )
    diagnosis_submit(diagnosis=diagnosis, user=company_user)
    bank = MemberOrganization.objects.get(consortium=consortium, name="常陽銀行")
    track = track_enroll(company=returning, leader=itc, bank=bank, program=current, user=coordinator)
    assert track.participation == participation
    for number in (1, 2, 3):
        session_log_submit(
            session=track.sessions.get(number=number),
            author=itc,
            data=SessionLogData(
                date=dt.date(2026, 12, number),
                agenda="2年目の振り返り",
                attendees=[("itc_leader", "伴走 一郎"), ("company_executive", "那珂 一郎")],
            ),
        )
    plan_update(
        plan=participation.dx_plan,
        user=itc,
        data={"mission": "2年目のミッション", "vision": "全社データ活用"},
    )
    need = matching_request_create(
        company=returning,
        user=itc,
        title="生産実績の見える化ツール",
        category="iot",
        source=MatchingRequest.Source.SESSION,
        program=current,
    )
    assert need.program == current
    seminar = current.events.get(kind="awareness_seminar")
    registration = seminar_register(
        event=seminar, name="那珂 一郎", email="company-b@example.jp", company=returning
    ).registration
    attendance_mark(event=seminar, attended_ids={registration.pk})

    after = figures()
    assert after[0] == before[0], "dashboard figures of the closed program changed"
    assert after[1] == before[1], "実績報告書 figures of the closed program changed"
    assert after[2] == before[2], ".xlsx of the closed program changed"
    # The current program did get the work.
    now = results_report_data(consortium=consortium, program=current)
    assert now["sessions"]["held"] == was["sessions"]["held"] + 3
    assert now["matching"]["needs"] == was["matching"]["needs"] + 1

    # Enrolling a company into the closed program is refused.
    newcomer = Company.objects.get(name="安曇野フードテック株式会社")
    with pytest.raises(ProgramClosed):
        track_enroll(company=newcomer, leader=itc, bank=None, program=closed, user=coordinator)
    stranger = Company.objects.create(consortium=consortium, name="常総新規株式会社", region=returning.region)
    with pytest.raises(ProgramClosed):
        participation_join(company=stranger, program=closed)


def test_a_view_that_puts_service_errors_on_its_form_shows_the_closed_message(cast, login):
    program_close(program=cast.program, user=cast.coordinator)
    program = reload(cast.program)
    response = login(cast.coordinator).post(
        url("programs:edit", cast, program.pk),
        {"name": "書き換えた事業名", "fiscal_year": "2022", "capacity": "16", "version": program.version},
    )
    assert response.status_code == 200  # the form again, with the refusal on it
    assert "事業完了" in response.content.decode() and "のため変更できません" in response.content.decode()
    assert reload(cast.program).name == cast.program.name
    # Keyed as a non-field error, for views that read the errors by field.
    assert list(ProgramClosed(program).message_dict) == ["__all__"]
