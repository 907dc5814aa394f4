"""Reads for the accompaniment track. Every lookup starts from the tenant and the visibility selectors.

"Missing", "other tenant" and "not visible to you" are the same ``Http404``. The tenant scope must be
active (``ConsortiumMiddleware`` does it for requests).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accompaniment.models import (
    STANDARD_SESSION_THEMES,
    VENDOR_SESSION_NUMBERS,
    AccompanimentSession,
    AccompanimentTrack,
    Attendance,
    DxPlan,
    Homework,
    PlanKpi,
    RoadmapItem,
    SatisfactionResponse,
    SessionAttachment,
    SessionLogComment,
    SessionTemplate,
)
from dxcommunity import access
from dxcommunity.access import companies_visible_to
from dxcommunity.tenancy.models import Company, Membership
from programs.models import Program
from programs.participations.selectors import participation_current

Role = Attendance.Role
# Expected at every session: the ITC leader, the bank assistant, the 経営者 and the 担当者.
EVERY_SESSION_ROLES: tuple[str, ...] = (
    Role.ITC_LEADER,
    Role.BANK_ASSISTANT,
    Role.COMPANY_EXECUTIVE,
    Role.COMPANY_STAFF,
)
COMPANY_ROLES: frozenset[str] = frozenset({Role.COMPANY_EXECUTIVE, Role.COMPANY_STAFF})
# The rule of the program: 経営者 and 担当者 attend, at least two people (one alone is not accepted).
ATTENDANCE_RULE_MIN_PARTICIPANTS = 2
# 満足 = an answer of 4 (満足) or 5 (大変満足) on the 5-point scale of the アンケート.
SATISFIED_FROM: int = SatisfactionResponse.Scale.SATISFIED


def satisfied_q(prefix: str = "") -> Q:
    """Q on SatisfactionResponse (through ``prefix``, e.g. ``"satisfaction__"``): the answer is 満足 or
    大変満足 (``satisfaction`` ≥ 4 on the 1–5 scale). The 満足以上の割合 of every page is the share (%) of
    such answers among the answers counted."""
    return Q(**{f"{prefix}satisfaction__gte": SATISFIED_FROM})


def plan_approved_q(prefix: str = "") -> Q:
    """Q on DxPlan (through ``prefix``, e.g. ``"dx_plan__"``): the DX推進計画書 is 完成 = approved by the
    company (status 承認済). ``plan_approve`` sets the status and ``approved_at`` together, and an edit
    after approval returns the plan to 作成中 and clears ``approved_at``: the status alone says it."""
    return Q(**{f"{prefix}status": DxPlan.Status.APPROVED})


def plan_completeness(
    *, plan: DxPlan, kpi_count: int | None = None, roadmap_count: int | None = None
) -> dict:
    """The 記入率 of a DX推進計画書 (the gauge of the plan page, the track page, the company panel and the
    PDFs): one point per section with text (11, ``DxPlan.SECTIONS``), one for at least one KPI row, one
    for at least one roadmap item: 13 points in all. Returns {"percent": int 0–100 (rounded), "filled":
    int, "total": 13, "missing": [label, ...]}. The counts of KPI and roadmap rows are queried unless
    given (one query each)."""
    if kpi_count is None:
        kpi_count = PlanKpi.objects.filter(consortium_id=plan.consortium_id, plan=plan).count()
    if roadmap_count is None:
        roadmap_count = RoadmapItem.objects.filter(consortium_id=plan.consortium_id, plan=plan).count()
    missing = [
        str(DxPlan._meta.get_field(n).verbose_name)
        for n, _number in DxPlan.SECTIONS
        if not getattr(plan, n).strip()
    ]
    if not kpi_count:
        missing.append(_("KPI（1件以上）"))
    if not roadmap_count:
        missing.append(_("ロードマップ（1件以上）"))
    total = len(DxPlan.SECTIONS) + 2
    filled = total - len(missing)
    return {"percent": round(100 * filled / total), "filled": filled, "total": total, "missing": missing}


def standard_template_sessions() -> list[dict[str, Any]]:
    """The standard track: [{"number": 1–10, "theme": str (Japanese msgid), "expected_roles": [Role values]}].

    ITC leader, bank assistant, 経営者 and 担当者 every session; the IT vendor at sessions 5 and 8.
    """
    return [
        {
            "number": n,
            "theme": theme,
            "expected_roles": [
                *EVERY_SESSION_ROLES,
                *([Role.IT_VENDOR] if n in VENDOR_SESSION_NUMBERS else []),
            ],
        }
        for n, theme in enumerate(STANDARD_SESSION_THEMES, start=1)
    ]


def session_template_for(*, program: Program | None) -> list[dict[str, Any]]:
    """The program's session template (``SessionTemplate.sessions``, numbered 1..n in order) or the standard
    one when the program has none (or an empty one). Shape as ``standard_template_sessions``."""
    if program is not None:
        tpl = SessionTemplate.objects.filter(consortium_id=program.consortium_id, program=program).first()
        if tpl is not None and tpl.sessions:
            return [
                {
                    "number": i,
                    "theme": str(row.get("theme", "")),
                    "expected_roles": [r for r in row.get("expected_roles", []) if r in Role.values],
                }
                for i, row in enumerate(tpl.sessions, start=1)
            ]
    return standard_template_sessions()


def program_get_for_template(*, membership: Membership, pk: int) -> Program:
    """A program of the membership's consortium (Http404 otherwise)."""
    program = Program.objects.filter(consortium=membership.consortium, pk=pk).first()
    if program is None:
        raise Http404("No such program.")
    return program


def _company_for(membership: Membership, company_pk: int, view_perm: str, perm: str | None, user) -> Company:
    return access.object_get_for(
        membership,
        Company.objects.select_related("region", "main_bank", "recommended_by"),
        pk=company_pk,
        view_perm=view_perm,
        perm=perm,
        user=user,
    )


def company_get_for_track(
    *, membership: Membership, company_pk: int, perm: str | None = None, user=None
) -> Company:
    """The company if the membership may see its accompaniment (perm ``accompaniment.view_track``).

    Raises Http404 for missing / other tenant / not visible / not allowed to view the track alike;
    PermissionDenied when ``perm`` (a rule on Company) is refused. ``user``: the acting user
    (``request.user``; default ``membership.user``). See ``access.object_get_for``.
    """
    return _company_for(membership, company_pk, "accompaniment.view_track", perm, user)


def company_get_for_plan(
    *, membership: Membership, company_pk: int, perm: str | None = None, user=None
) -> Company:
    """The company if the membership may see its DX推進計画書 (perm ``accompaniment.view_plan``: the track's
    viewers plus organizations the company shared its plan with). Http404 otherwise, as above; ``perm``
    and ``user`` as in ``company_get_for_track``."""
    return _company_for(membership, company_pk, "accompaniment.view_plan", perm, user)


def track_for_company(*, company: Company, program: Program | None = None) -> AccompanimentTrack | None:
    """The company's track in ``program`` (None: in its current participation, ``participation_current``)
    with leader, bank and its sessions (logs, attendances, homework with the session that confirmed it,
    comments, attachments) prefetched; ``company.current_track`` / ``track.company`` are set so that the
    permission rules and the progress read them without a query. None when that participation has none."""
    participation = participation_current(company=company, program=program)
    if participation is None:
        return None
    track = (
        AccompanimentTrack.objects.filter(consortium_id=company.consortium_id, participation=participation)
        .select_related("leader", "bank", "program", "participation__program")
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=AccompanimentSession.objects.order_by("number")
                .select_related("log", "log__author")
                .prefetch_related(
                    "attendances",
                    Prefetch("homework", queryset=Homework.objects.select_related("done_at_session")),
                    Prefetch("log_comments", queryset=SessionLogComment.objects.select_related("author")),
                    Prefetch(
                        "attachments", queryset=SessionAttachment.objects.filter(deleted_at__isnull=True)
                    ),
                ),
            )
        )
        .first()
    )
    if track is not None:
        company.current_track = track
        track.company = company
    return track


def plan_for_company(*, company: Company, program: Program | None = None) -> DxPlan | None:
    """The DxPlan of the company's participation in ``program`` (None: its current participation), or
    None (a plan is created by ``track_enroll``)."""
    participation = participation_current(company=company, program=program)
    if participation is None:
        return None
    return (
        DxPlan.objects.filter(consortium_id=company.consortium_id, participation=participation)
        .select_related("participation__program")
        .first()
    )


def session_get_visible(
    *, membership: Membership, pk: int, perm: str | None = None, user=None
) -> AccompanimentSession:
    """One session whose company the membership may see the track of; Http404 otherwise.

    ``perm``: a rule on the session's company (``accompaniment.log_session``, ``programs.act_for_company``);
    refused means PermissionDenied (403). ``user``: the acting user. See ``access.object_get_for``.
    """
    return access.object_get_for(
        membership,
        AccompanimentSession.objects.select_related(
            "track", "track__company", "track__leader", "track__bank"
        ),
        pk=pk,
        company_field="track__company",
        view_perm="accompaniment.view_track",
        perm=perm,
        perm_on=lambda session: session.track.company,
        user=user,
    )


def homework_get_visible(*, membership: Membership, pk: int, user=None) -> Homework:
    """One homework item whose company the membership may see the track of; Http404 otherwise.

    ``user``: the acting user (``request.user``). See ``access.object_get_for``."""
    return access.object_get_for(
        membership,
        Homework.objects.select_related("session", "session__track", "session__track__company"),
        pk=pk,
        company_field="session__track__company",
        view_perm="accompaniment.view_track",
        perm_on=lambda item: item.session.track.company,
        user=user,
    )


@dataclass(frozen=True)
class TrackTeam:
    """Names (姓 名) of the people usually at a session: the assisting bank's staff, the company's
    executives (経営者) and other members (担当者)."""

    bank_staff: list[str]
    executives: list[str]
    staff: list[str]


def track_team(*, track: AccompanimentTrack) -> TrackTeam:
    """The usual attendees of the track's sessions, from active memberships of its consortium."""
    from dxcommunity.ui.names import person_name

    members = Membership.objects.filter(consortium_id=track.consortium_id, is_active=True).select_related(
        "user"
    )
    bank = [
        person_name(m.user)
        for m in members.filter(role=Membership.Role.BANK_STAFF, organization=track.bank_id)
    ]
    company = list(members.filter(role=Membership.Role.COMPANY_MEMBER, company=track.company_id))
    return TrackTeam(
        bank_staff=bank if track.bank_id else [],
        executives=[person_name(m.user) for m in company if m.is_executive],
        staff=[person_name(m.user) for m in company if not m.is_executive],
    )


@dataclass(frozen=True)
class TrackProgress:
    """Counts for panels and reports: sessions held (status 実施済) of the track's sessions, homework done
    of total, the plan's 記入率 % (``plan_completeness``) and its status."""

    sessions_held: int
    sessions_total: int
    homework_done: int
    homework_total: int
    plan_completeness: int
    plan_status: str


def track_progress(*, track: AccompanimentTrack) -> TrackProgress:
    """Progress of one track (uses prefetched sessions when present)."""
    sessions = list(track.sessions.all())
    homework = [h for s in sessions for h in s.homework.all()]  # prefetched by track_for_company
    plan = DxPlan.objects.filter(participation=track.participation_id).first()
    return TrackProgress(
        sessions_held=sum(1 for s in sessions if s.status == AccompanimentSession.Status.HELD),
        sessions_total=len(sessions),
        homework_done=sum(1 for h in homework if h.done),
        homework_total=len(homework),
        plan_completeness=plan_completeness(plan=plan)["percent"] if plan else 0,
        plan_status=plan.status if plan else "",
    )


def attachment_get_visible(
    *, membership: Membership, pk: int, include_deleted: bool = False, perm: str | None = None, user=None
) -> SessionAttachment:
    """One attachment whose session log the membership may see (as ``session_get_visible``); Http404 else.

    A deleted attachment (``deleted_at`` set) is a 404 too unless ``include_deleted`` (for its restore).
    ``perm``: a rule on the attachment (``accompaniment.delete_attachment``); refused means PermissionDenied.
    """
    qs = SessionAttachment.objects.select_related("session", "session__track", "session__track__company")
    if not include_deleted:
        qs = qs.filter(deleted_at__isnull=True)
    return access.object_get_for(
        membership,
        qs,
        pk=pk,
        company_field="session__track__company",
        view_perm="accompaniment.view_attachment",
        perm=perm,
        user=user,
    )


def open_homework_before(*, session: AccompanimentSession) -> list[Homework]:
    """Open 宿題 of the track's earlier sessions (to tick off at this one), oldest first."""
    return list(
        Homework.objects.filter(
            consortium_id=session.consortium_id,
            session__track_id=session.track_id,
            session__number__lt=session.number,
            done=False,
        )
        .select_related("session")
        .order_by("session__number", "id")
    )


def expected_roles_of(session: AccompanimentSession) -> list[str]:
    """The session's expected roles; sessions made before templates existed (empty list) get the standard
    ones for their number."""
    if session.expected_roles:
        return list(session.expected_roles)
    return [*EVERY_SESSION_ROLES, *([Role.IT_VENDOR] if session.number in VENDOR_SESSION_NUMBERS else [])]


@dataclass(frozen=True)
class SessionCheck:
    """The attendance rule for one session.

    held: the session was held; rule_ok: 経営者 and 担当者 both attended and at least two company
    participants (None when not held); company_count: company participants; missing_roles: expected
    supporter roles (Role values) nobody attended for (held sessions only); missed: the date is past
    and the session was not held, or it was held without anyone of the company.
    """

    session: AccompanimentSession
    held: bool
    rule_ok: bool | None
    company_count: int
    missing_roles: list[str]
    missed: bool
    expected_roles: list[str] = field(default_factory=list)

    @property
    def missing_role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels[r]) for r in self.missing_roles]

    @property
    def broken(self) -> bool:
        return self.rule_ok is False or self.missed or bool(self.missing_roles)


def session_check(*, session: AccompanimentSession, today: dt.date | None = None) -> SessionCheck:
    """Check one session (uses prefetched ``attendances``)."""
    today = today or timezone.localdate()
    held = session.status == AccompanimentSession.Status.HELD
    roles = [a.role for a in session.attendances.all()]
    company_count = sum(1 for r in roles if r in COMPANY_ROLES)
    rule_ok: bool | None = None
    missing: list[str] = []
    expected = expected_roles_of(session)
    if held:
        rule_ok = (
            Role.COMPANY_EXECUTIVE in roles
            and Role.COMPANY_STAFF in roles
            and company_count >= ATTENDANCE_RULE_MIN_PARTICIPANTS
        )
        present = set(roles)
        missing = [r for r in expected if r not in COMPANY_ROLES and r not in present]
    missed = (held and company_count == 0) or (
        not held
        and session.status != AccompanimentSession.Status.CANCELLED
        and session.date is not None
        and session.date < today
    )
    return SessionCheck(
        session=session,
        held=held,
        rule_ok=rule_ok,
        company_count=company_count,
        missing_roles=missing,
        missed=missed,
        expected_roles=expected,
    )


@dataclass(frozen=True)
class TrackChecks:
    """The checks of every session of a track: ``by_session`` {session id: SessionCheck}."""

    track: AccompanimentTrack
    by_session: dict[int, SessionCheck] = field(default_factory=dict)

    @property
    def rule_broken(self) -> list[SessionCheck]:
        return [c for c in self.by_session.values() if c.rule_ok is False]

    @property
    def missed(self) -> list[SessionCheck]:
        return [c for c in self.by_session.values() if c.missed]

    @property
    def roles_missing(self) -> list[SessionCheck]:
        return [c for c in self.by_session.values() if c.missing_roles]

    @property
    def has_problems(self) -> bool:
        return bool(self.rule_broken or self.missed or self.roles_missing)


def track_checks(*, track: AccompanimentTrack, today: dt.date | None = None) -> TrackChecks:
    """Checks of the track's sessions (uses prefetched ``sessions`` and their ``attendances``)."""
    today = today or timezone.localdate()
    return TrackChecks(
        track=track, by_session={s.pk: session_check(session=s, today=today) for s in track.sessions.all()}
    )


def tracks_for_coordinator(*, membership: Membership) -> QuerySet[AccompanimentTrack]:
    """Active tracks of the companies the coordinator sees (a regional coordinator: its region)."""
    return (
        AccompanimentTrack.objects.filter(
            consortium=membership.consortium,
            status=AccompanimentTrack.Status.ACTIVE,
            company__in=companies_visible_to(membership=membership),
        )
        .select_related("company", "leader", "bank")
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=AccompanimentSession.objects.order_by("number").prefetch_related("attendances"),
            )
        )
        .order_by("company__name")
    )


def track_alerts(*, membership: Membership, today: dt.date | None = None) -> list[TrackChecks]:
    """TrackChecks of the coordinator's tracks that break a rule (attendance rule, missed sessions,
    expected supporter roles missing), in company name order. Three queries whatever the count."""
    checks = [track_checks(track=t, today=today) for t in tracks_for_coordinator(membership=membership)]
    return [c for c in checks if c.has_problems]


def attachments_of_session(*, session: AccompanimentSession) -> list[SessionAttachment]:
    """The session log's attachments that are not deleted, oldest first, uploader loaded."""
    return list(
        SessionAttachment.objects.filter(
            consortium_id=session.consortium_id, session=session, deleted_at__isnull=True
        ).select_related("uploaded_by")
    )


def attachments_deleted_restorable(*, session: AccompanimentSession, user: Any) -> list[SessionAttachment]:
    """Deleted attachments of the session log that ``user`` may restore (uploader or coordinator), newest
    deletion first."""
    from accompaniment.services import attachment_may_delete

    deleted = (
        SessionAttachment.objects.filter(
            consortium_id=session.consortium_id, session=session, deleted_at__isnull=False
        )
        .select_related("uploaded_by", "deleted_by", "session__track__company")
        .order_by("-deleted_at")
    )
    return [a for a in deleted if attachment_may_delete(attachment=a, user=user)]
