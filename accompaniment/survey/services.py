"""満足度アンケート: a company member's short survey after each held session and at the end of the track.

Rules:

- who answers: a company member (``Membership.Role.COMPANY_MEMBER``) of the track's company, for itself
  (one answer per respondent per session; one final answer per respondent per program). Answering again
  edits the earlier answer;
- what: sessions of its own company's track that are held (``status = held``); the final survey
  (終了時アンケート) once the track is completed or 10 sessions are held (``final_survey_open``);
- who reads the answers: coordinators (every company), regional coordinators (their region), ITCs (the
  tracks they lead) — ``responses_visible_to``.

Not visible (another company's session, a session not held yet, another tenant) → Http404 from the
``*_get_for_answer`` selectors; visible but not a member of the company → PermissionDenied (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.http import Http404

from accompaniment.models import AccompanimentSession, AccompanimentTrack, SatisfactionResponse
from accompaniment.selectors import company_get_for_track
from dxcommunity.access.rules import (
    acts_as_company,
    acts_as_coordinator,
    acts_as_itc,
    acts_as_regional_coordinator,
    acts_for_own_company,
)
from dxcommunity.tenancy.models import Membership

SESSIONS_FOR_FINAL = 10  # the track's 10 sessions (10回支援)


@dataclass(frozen=True)
class SurveyData:
    """satisfaction, usefulness: int 1–5 (5 大変満足 … 1 不満); comment: free text (≤ 2000 chars)."""

    satisfaction: int
    usefulness: int | None
    comment: str


def _require_company_member(membership: Membership, company_id: int) -> None:
    if not (acts_as_company(membership) and membership.company_id == company_id):
        raise PermissionDenied


def session_get_for_answer(*, membership: Membership, pk: int) -> AccompanimentSession:
    """A held session of a track the membership may see; Http404 when missing, not visible or not held;
    PermissionDenied when visible but the user is not a member of the session's company."""
    session = (
        AccompanimentSession.objects.filter(consortium=membership.consortium, pk=pk)
        .select_related("track", "track__company", "track__program")
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    company_get_for_track(membership=membership, company_pk=session.track.company_id)
    if session.status != AccompanimentSession.Status.HELD:
        raise Http404("Session not held.")
    _require_company_member(membership, session.track.company_id)
    return session


def final_survey_open(*, track: AccompanimentTrack, held: int | None = None) -> bool:
    """The final survey is open when the track is completed or 10 sessions are held."""
    if track.status == AccompanimentTrack.Status.COMPLETED:
        return True
    if held is None:
        held = track.sessions.filter(status=AccompanimentSession.Status.HELD).count()
    return held >= SESSIONS_FOR_FINAL


def track_get_for_final(*, membership: Membership, company_pk: int) -> AccompanimentTrack:
    """The company's track for its final survey; Http404 when not visible, no track, or not finished yet;
    PermissionDenied when visible but the user is not a member of the company."""
    company = company_get_for_track(membership=membership, company_pk=company_pk)
    track = (
        AccompanimentTrack.objects.filter(consortium=membership.consortium, company=company)
        .select_related("company", "program")
        .first()
    )
    if track is None or not final_survey_open(track=track):
        raise Http404("No final survey.")
    _require_company_member(membership, company.pk)
    return track


def own_session_response(*, session: AccompanimentSession, user) -> SatisfactionResponse | None:
    """The user's answer for ``session`` or None."""
    return SatisfactionResponse.objects.filter(
        consortium=session.consortium_id,
        kind=SatisfactionResponse.Kind.SESSION,
        session=session,
        respondent=user,
    ).first()


def own_final_response(*, track: AccompanimentTrack, user) -> SatisfactionResponse | None:
    """The user's final answer for the track's program and company, or None."""
    return SatisfactionResponse.objects.filter(
        consortium=track.consortium_id,
        kind=SatisfactionResponse.Kind.FINAL,
        program=track.program_id,
        company=track.company_id,
        respondent=user,
    ).first()


def _save_new(
    response: SatisfactionResponse, data: SurveyData, *, lookup: dict
) -> tuple[SatisfactionResponse, bool]:
    """Insert ``response``; when an answer with the same ``lookup`` was inserted at the same moment (the
    form sent twice at once: the unique constraint refuses the second), that one is updated instead.
    Returns (response, created)."""
    try:
        with transaction.atomic():  # a savepoint: the outer transaction survives the refused insert
            return _save(response, data), True
    except IntegrityError:
        existing = SatisfactionResponse.objects.select_for_update().filter(**lookup).first()
        if existing is None:
            raise
        return _save(existing, data), False


def _save(response: SatisfactionResponse, data: SurveyData) -> SatisfactionResponse:
    response.satisfaction = data.satisfaction
    response.usefulness = data.usefulness
    response.comment = data.comment
    response.full_clean(validate_constraints=False)
    response.save()
    return response


@transaction.atomic
def survey_session_answer(
    *, session: AccompanimentSession, user, data: SurveyData
) -> tuple[SatisfactionResponse, bool]:
    """Record (or edit) ``user``'s answer for a held ``session``; returns (response, created).

    The caller has checked the user may answer (``session_get_for_answer``). The row is locked while
    edited; two first answers at once leave one row (the unique constraint refuses the second insert,
    which then updates the first one's row instead of failing).
    """
    existing = (
        SatisfactionResponse.objects.select_for_update()
        .filter(
            consortium=session.consortium_id,
            kind=SatisfactionResponse.Kind.SESSION,
            session=session,
            respondent=user,
        )
        .first()
    )
    if existing is not None:
        return _save(existing, data), False
    track = session.track
    response = SatisfactionResponse(
        consortium_id=session.consortium_id,
        kind=SatisfactionResponse.Kind.SESSION,
        program_id=track.program_id,
        company_id=track.company_id,
        session=session,
        respondent=user,
    )
    lookup = {
        "consortium": session.consortium_id,
        "kind": response.kind,
        "session": session,
        "respondent": user,
    }
    return _save_new(response, data, lookup=lookup)


@transaction.atomic
def survey_final_answer(
    *, track: AccompanimentTrack, user, data: SurveyData
) -> tuple[SatisfactionResponse, bool]:
    """Record (or edit) ``user``'s final answer (終了時アンケート); returns (response, created).
    Two first answers at once leave one row, as in ``survey_session_answer``."""
    existing = (
        SatisfactionResponse.objects.select_for_update()
        .filter(
            consortium=track.consortium_id,
            kind=SatisfactionResponse.Kind.FINAL,
            program=track.program_id,
            company=track.company_id,
            respondent=user,
        )
        .first()
    )
    if existing is not None:
        return _save(existing, data), False
    response = SatisfactionResponse(
        consortium_id=track.consortium_id,
        kind=SatisfactionResponse.Kind.FINAL,
        program_id=track.program_id,
        company_id=track.company_id,
        respondent=user,
    )
    lookup = {
        "consortium": track.consortium_id,
        "kind": response.kind,
        "program": track.program_id,
        "company": track.company_id,
        "respondent": user,
    }
    return _save_new(response, data, lookup=lookup)


@dataclass
class PendingSurveys:
    """A company member's surveys: ``sessions`` [(session, own answer or None)] of the held sessions in
    order, ``final_open`` and ``final`` (own final answer or None), ``pending`` (number unanswered)."""

    track: AccompanimentTrack | None
    sessions: list[tuple[AccompanimentSession, SatisfactionResponse | None]]
    final_open: bool
    final: SatisfactionResponse | None

    @property
    def pending(self) -> int:
        return sum(1 for _s, r in self.sessions if r is None) + (
            1 if self.final_open and self.final is None else 0
        )


def surveys_for_member(*, membership: Membership, user) -> PendingSurveys:
    """The member's company's held sessions with the member's answers (3 queries). Company members only."""
    if not acts_for_own_company(membership):
        return PendingSurveys(track=None, sessions=[], final_open=False, final=None)
    track = (
        AccompanimentTrack.objects.filter(consortium=membership.consortium, company=membership.company_id)
        .select_related("program")
        .first()
    )
    if track is None:
        return PendingSurveys(track=None, sessions=[], final_open=False, final=None)
    held = list(track.sessions.filter(status=AccompanimentSession.Status.HELD).order_by("number"))
    answers = SatisfactionResponse.objects.filter(
        consortium=membership.consortium, company=track.company_id, program=track.program_id, respondent=user
    )
    by_session, final = {}, None
    for a in answers:
        if a.kind == SatisfactionResponse.Kind.FINAL:
            final = a
        else:
            by_session[a.session_id] = a
    return PendingSurveys(
        track=track,
        sessions=[(s, by_session.get(s.pk)) for s in held],
        final_open=final_survey_open(track=track, held=len(held)),
        final=final,
    )


def responses_visible_to(*, membership: Membership) -> QuerySet[SatisfactionResponse]:
    """Survey answers the membership may read: coordinator all, regional coordinator its region, ITC the
    tracks it leads; nobody else (PermissionDenied). Newest first, with company, session and respondent."""
    qs = SatisfactionResponse.objects.filter(consortium=membership.consortium).select_related(
        "company", "company__region", "session", "respondent", "program"
    )
    if acts_as_coordinator(membership):
        return qs
    if acts_as_regional_coordinator(membership):
        return qs.filter(company__region=membership.region_id)
    if acts_as_itc(membership):
        # The answers of the program year whose track it leads (one track per company and program: the
        # join matches at most one track, so no duplicate rows).
        return qs.filter(company__tracks__leader=membership.user_id, company__tracks__program=F("program"))
    raise PermissionDenied
