"""The facts of the reports: what every figure of the dashboard (事業ダッシュボード), the 実績報告書 (page,
.xlsx and PDF), the exports and the home funnel counts, each defined once.

Pure reads: each function returns a queryset or a ``Q``/boolean expression to count, never a count
formatted for a page (``reports.dashboard.metrics`` and ``reports.results`` format them: the dashboard
rounds to
whole %, the 実績報告書 to one decimal). Where a page of a lower app needs the same fact (the track and
plan pages, the home funnel, the matching outcome), the definition lives in the app that owns the data
and this module uses it:

- 応募 (an application counts): ``programs.companies.selectors.applications_counted`` and
  ``programs.companies.selectors.self_diagnosis_only_applications``; 応募社数 of one program (home page):
  ``programs.companies.selectors.application_count``;
- DX推進計画書 完成 (approved): ``accompaniment.selectors.plan_approved_q``; 記入率 of a plan (%):
  ``accompaniment.selectors.plan_completeness``; 満足 (answer 4 or 5):
  ``accompaniment.selectors.satisfied_q``;
- the matching needs of a program: ``matching.selectors.program_needs_q``;
- 前回の診断 / 最新の診断: ``diagnosis.selectors.diagnosis_previous`` / ``diagnosis_latest_submitted``.

Scope: a list of programs of one consortium (one program, or the programs of a fiscal year). The fiscal
year runs from April 1 to March 31 (``Program.fiscal_year`` is the starting calendar year: 2022 =
令和4年度). The subqueries use the unscoped ``_base_manager`` with an explicit ``consortium_id`` where they
are embedded in a larger query (the scope's filter is the same condition); the rest start from the
tenant's ``objects`` and need the tenant scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from accompaniment.models import AccompanimentSession, AccompanimentTrack, DxPlan, SatisfactionResponse
from accompaniment.selectors import plan_approved_q, satisfied_q
from diagnosis.models import AdvisorSession, Diagnosis
from dxcommunity.tenancy.models import Company
from matching.models import MatchingRequest
from matching.selectors import program_needs_q
from programs.companies.selectors import applications_counted, self_diagnosis_only_applications
from programs.models import Event, SelectionDecision, SeminarRegistration

__all__ = [
    "INTERNAL_EVENT_KINDS",
    "KINDS",
    "KIND_ACCOMPANIMENT",
    "KIND_MATCHING",
    "SESSION_PLANNED_STATUSES",
    "accompanied_companies_q",
    "advised_companies_q",
    "applications",
    "attended_q",
    "company_stage_conditions",
    "diagnosed_companies_q",
    "fiscal_year_window",
    "kind_label",
    "matching_needs",
    "plans_approved",
    "program_companies_q",
    "program_plans",
    "program_sessions",
    "program_tracks",
    "satisfaction_responses",
    "satisfied_q",
    "self_diagnosis_only",
    "seminar_events",
    "session_held_q",
    "signed_up_q",
    "supported_companies",
]

# --- scope ---------------------------------------------------------------------------------------------


def fiscal_year_window(fiscal_years: Sequence[int]) -> tuple[dt.date, dt.date]:
    """(first day, last day) covering the fiscal years: April 1 of the first to March 31 after the last."""
    return dt.date(min(fiscal_years), 4, 1), dt.date(max(fiscal_years) + 1, 3, 31)


def _bool(expr) -> ExpressionWrapper:
    return ExpressionWrapper(expr, output_field=BooleanField())


def _company_in(qs: QuerySet) -> Q:
    """Q on Company: its pk is among the ``company_id`` of ``qs`` (a non-correlated subquery, evaluated
    once: a correlated EXISTS per company lets SQLite pick the wrong index and scan per company)."""
    return Q(pk__in=qs.filter(company__isnull=False).values("company_id"))


def _rows(model, consortium_id: int) -> QuerySet:
    return model._base_manager.filter(consortium_id=consortium_id)


# --- 応募 ------------------------------------------------------------------------------------------------


def applications(*, consortium_id: int, program_ids: list[int]) -> QuerySet:
    """応募 of the programs that count, one row per applicant
    (``programs.companies.selectors.applications_counted``:
    not 重複, 取下げ or 対象外). With ``self_diagnosis_only_applications`` (an account holder's
    自己診断申し込み without such a 応募), they make the 応募社数, in companies."""
    return applications_counted(program_ids=program_ids).filter(consortium=consortium_id)


def _applied_q(consortium_id: int, program_ids: list[int]) -> Q:
    """Q on Company: it applied to one of the programs (a counted 応募, or a 自己診断申し込み)."""
    from programs.models import SelfDiagnosisApplication

    return _company_in(applications(consortium_id=consortium_id, program_ids=program_ids)) | _company_in(
        SelfDiagnosisApplication.objects.filter(consortium=consortium_id, program__in=program_ids)
    )


# --- セミナー ------------------------------------------------------------------------------------------

# Events whose attendance is reported: seminars, briefings, the results meeting; not the members' own
# meetings (キックオフ連絡会, 構成員報告会) nor the selection meeting.
INTERNAL_EVENT_KINDS: tuple[str, ...] = (
    Event.Kind.SELECTION_MEETING,
    Event.Kind.KICKOFF,
    Event.Kind.MEMBERS_MEETING,
)


def seminar_events(*, consortium_id: int, program_ids: list[int]) -> QuerySet[Event]:
    """The events of the programs whose attendance is reported (``INTERNAL_EVENT_KINDS`` left out)."""
    return Event.objects.filter(consortium=consortium_id, program__in=program_ids).exclude(
        kind__in=INTERNAL_EVENT_KINDS
    )


def signed_up_q(prefix: str = "") -> Q:
    """Q on SeminarRegistration (through ``prefix``, e.g. ``"registrations__"``): 申込 = a registration
    within capacity (status registered: not waitlisted, not cancelled). Counted in people."""
    return Q(**{f"{prefix}status": SeminarRegistration.Status.REGISTERED})


def attended_q(prefix: str = "") -> Q:
    """Q on SeminarRegistration (through ``prefix``): 参加 = the person attended, live (当日参加) or on
    demand (オンデマンド視聴), on a registration that is not cancelled (one moved up from the waitlist and
    attending counts). Counted in people; a company counts as セミナー参加 when one of its people did."""
    return Q(**{f"{prefix}attended": True}) & ~Q(**{f"{prefix}status": SeminarRegistration.Status.CANCELLED})


# --- 伴走支援 ------------------------------------------------------------------------------------------

# 予定 = sessions not held yet and not cancelled (planned, or moved to another date).
SESSION_PLANNED_STATUSES: tuple[str, ...] = (
    AccompanimentSession.Status.PLANNED,
    AccompanimentSession.Status.RESCHEDULED,
)


def session_held_q(prefix: str = "") -> Q:
    """Q on AccompanimentSession (through ``prefix``, e.g. ``"track__sessions__"``): 実施 = the session
    was held (status 実施済). Counted in sessions."""
    return Q(**{f"{prefix}status": AccompanimentSession.Status.HELD})


def program_tracks(*, consortium_id: int, program_ids: list[int]) -> QuerySet[AccompanimentTrack]:
    """The accompaniment tracks (伴走支援) of the programs, one per participation (a company counts once per
    program): the companies 伴走支援 counts."""
    return AccompanimentTrack.objects.filter(consortium=consortium_id, program__in=program_ids)


def program_sessions(*, consortium_id: int, program_ids: list[int]) -> QuerySet[AccompanimentSession]:
    """The sessions of the programs' tracks (every status): セッション計画 counts them all, 実施 those with
    status 実施済 (held), 予定 ``SESSION_PLANNED_STATUSES``, 中止 cancelled. 実施率 = held / all, in %."""
    return AccompanimentSession.objects.filter(consortium=consortium_id, track__program__in=program_ids)


def program_plans(*, consortium_id: int, program_ids: list[int]) -> QuerySet[DxPlan]:
    """The DX推進計画書 of the programs' participations with a track (every status): one per track."""
    return DxPlan.objects.filter(
        consortium=consortium_id,
        participation__program__in=program_ids,
        participation__track__isnull=False,
    )


def plans_approved(*, consortium_id: int, program_ids: list[int]) -> QuerySet[DxPlan]:
    """計画書完成: the plans of ``program_plans`` approved by the company (``plan_approved_q``), in
    companies (one plan per company). The share of the program's tracks is the 完成率."""
    return program_plans(consortium_id=consortium_id, program_ids=program_ids).filter(plan_approved_q())


def satisfaction_responses(*, consortium_id: int, program_ids: list[int]) -> QuerySet[SatisfactionResponse]:
    """The アンケート answers of the programs, both kinds (各回 and 終了時). 満足度 平均 = the mean answer on
    the 1–5 scale; 満足以上の割合 = the share (%) answering 4 or 5 (``satisfied_q``); 役立ち度 平均 = the
    mean of the answers that gave a usefulness."""
    return SatisfactionResponse.objects.filter(consortium=consortium_id, program__in=program_ids)


# --- マッチング ------------------------------------------------------------------------------------------


def matching_needs(*, consortium_id: int, program_ids: list[int]) -> QuerySet[MatchingRequest]:
    """The matching needs (ニーズ) of the programs (``matching.selectors.program_needs_q``: their program,
    or their company's when empty), one row per need, every status; 契約 = status contract."""
    return MatchingRequest.objects.filter(program_needs_q(program_ids), consortium=consortium_id)


# --- companies: who counts where --------------------------------------------------------------------------


def program_companies_q(*, consortium_id: int, program_ids: list[int]) -> Q:
    """Q on Company: the companies of the programs (対象企業) — it takes part in one of them (a
    ``Participation``), or has a registration (not cancelled) for one of their events, an 応募 or
    自己診断申し込み, a track or a selection decision in one of them."""
    from programs.models import CompanyApplication, Participation, SelfDiagnosisApplication

    def of_programs(model):
        return _rows(model, consortium_id).filter(program__in=program_ids)

    return (
        _company_in(of_programs(Participation))
        | _company_in(
            _rows(SeminarRegistration, consortium_id)
            .filter(event__program__in=program_ids)
            .exclude(status=SeminarRegistration.Status.CANCELLED)
        )
        | _company_in(of_programs(CompanyApplication))
        | _company_in(of_programs(SelfDiagnosisApplication))
        | _company_in(of_programs(AccompanimentTrack))
        | _company_in(of_programs(SelectionDecision))
    )


def diagnosed_companies_q(*, consortium_id: int, program_ids: list[int]) -> Q:
    """Q on Company: 自己診断提出 — it submitted a DX自己診断 (status 提出済) in its participation in one of
    the programs (``Diagnosis.participation``; a diagnosis made outside a program counts for none)."""
    return _company_in(
        _rows(Diagnosis, consortium_id).filter(
            status=Diagnosis.Status.SUBMITTED, participation__program__in=program_ids
        )
    )


def advised_companies_q(*, consortium_id: int, program_ids: list[int]) -> Q:
    """Q on Company: DX診断アドバイス — an advisor session on a diagnosis of its participation in one of
    the programs."""
    return _company_in(
        _rows(AdvisorSession, consortium_id).filter(diagnosis__participation__program__in=program_ids)
    )


def accompanied_companies_q(*, consortium_id: int, program_ids: list[int]) -> Q:
    """Q on Company: 伴走支援 — it has an accompaniment track of one of the programs."""
    return _company_in(_rows(AccompanimentTrack, consortium_id).filter(program__in=program_ids))


def company_stage_conditions(*, consortium_id: int, program_ids: list[int]) -> dict[str, ExpressionWrapper]:
    """{stage key: boolean expression on a Company row}: the dashboard's funnel, each stage independently
    ("reached this stage in the programs"), counted in companies.

    | stage          | a company counts when                                                          |
    | -------------- | ------------------------------------------------------------------------------ |
    | seminar        | one of its people attended (``attended_q``) an event of ``seminar_events``     |
    | applied        | a counted 応募 or a 自己診断申し込み of the programs (``applications``)        |
    | diagnosed      | ``diagnosed_companies_q``                                                      |
    | advised        | ``advised_companies_q``                                                        |
    | accompaniment  | ``accompanied_companies_q``                                                    |
    | plan_completed | its plan is in ``plans_approved``                                              |
    | matching       | a need of ``matching_needs``, or a selection decision マッチング               |
    | contract       | a need of ``matching_needs`` with status contract                              |
    """
    needs = _rows(MatchingRequest, consortium_id).filter(program_needs_q(program_ids))
    return {
        "seminar": _bool(
            _company_in(
                _rows(SeminarRegistration, consortium_id)
                .filter(attended_q(), event__program__in=program_ids)
                .exclude(event__kind__in=INTERNAL_EVENT_KINDS)
            )
        ),
        "applied": _bool(_applied_q(consortium_id, program_ids)),
        "diagnosed": _bool(diagnosed_companies_q(consortium_id=consortium_id, program_ids=program_ids)),
        "advised": _bool(advised_companies_q(consortium_id=consortium_id, program_ids=program_ids)),
        "accompaniment": _bool(accompanied_companies_q(consortium_id=consortium_id, program_ids=program_ids)),
        "plan_completed": _bool(
            _company_in(
                _rows(DxPlan, consortium_id).filter(
                    plan_approved_q(),
                    participation__program__in=program_ids,
                    participation__track__isnull=False,
                )
            )
        ),
        "matching": _bool(
            _company_in(needs)
            | _company_in(
                _rows(SelectionDecision, consortium_id).filter(
                    program__in=program_ids, decision=SelectionDecision.Decision.MATCHING
                )
            )
        ),
        "contract": _bool(_company_in(needs.filter(status=MatchingRequest.Status.CONTRACT))),
    }


# --- 支援企業 (実績報告書) --------------------------------------------------------------------------------

KIND_ACCOMPANIMENT = SelectionDecision.Decision.ACCOMPANIMENT.value
KIND_MATCHING = SelectionDecision.Decision.MATCHING.value
KINDS = (KIND_ACCOMPANIMENT, KIND_MATCHING)


def kind_label(kind: str) -> str:
    """「伴走支援」 / 「マッチング」: the label of a kind of support."""
    return str(SelectionDecision.Decision(kind).label)


def supported_companies(
    *, consortium_id: int, program_ids: list[int], companies: QuerySet | None = None
) -> QuerySet[Company]:
    """支援企業 of the programs, annotated with ``kind`` (``accompaniment`` / ``matching``); ``companies``
    limits them (what the user may see). A queryset of companies:

    - 伴走支援: a track of one of the programs, or a selection decision 伴走支援 in one of them;
    - マッチング: otherwise, a selection decision マッチング, or a need of ``matching_needs``
      (matching-only companies).
    """
    base = Company.objects.filter(consortium=consortium_id)
    if companies is not None:
        base = base.filter(pk__in=companies.values("pk"))
    tracks = AccompanimentTrack.objects.filter(company=OuterRef("pk"), program__in=program_ids)
    decision = (
        SelectionDecision.objects.filter(company=OuterRef("pk"), program__in=program_ids, decision__in=KINDS)
        .order_by("decision")  # "accompaniment" before "matching"
        .values("decision")[:1]
    )
    needs = MatchingRequest.objects.filter(program_needs_q(program_ids), company=OuterRef("pk"))
    return (
        base.annotate(has_track=Exists(tracks), decision=Subquery(decision), has_need=Exists(needs))
        .filter(Q(has_track=True) | Q(decision__isnull=False) | Q(has_need=True))
        .annotate(
            kind=Case(
                When(Q(has_track=True) | Q(decision=KIND_ACCOMPANIMENT), then=Value(KIND_ACCOMPANIMENT)),
                default=Value(KIND_MATCHING),
            )
        )
    )


def self_diagnosis_only(*, consortium_id: int, program_ids: list[int]) -> QuerySet[Any]:
    """The 自己診断申し込み counted as 応募 of their own
    (``programs.companies.selectors.self_diagnosis_only_applications``)."""
    return self_diagnosis_only_applications(program_ids=program_ids).filter(consortium=consortium_id)
