"""Recruitment and selection: writes (応募, 推薦, 重複, 補欠, 招待, 支援企業選出検討会, 参加条件の確認).

Every function takes the acting user (or none, for the public form), checks what that user may do, and
saves with ``full_clean``; simple-history records the change (history_user = the request's user).
Permissions: ``application_*`` and ``selection_decide`` need the coordinator (any region) or the regional
coordinator of the application's region (``PermissionDenied`` otherwise); ``recommendation_submit`` needs
bank or association staff with an organization; ``selection_confirm_conditions`` a member of the company.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rules import test_rule

from dxcommunity.access import rules as access_rules
from dxcommunity.accounts import invitations
from dxcommunity.concurrency import versioned_save
from dxcommunity.idempotency import create_once
from dxcommunity.tenancy.models import Company, Membership
from programs import rules
from programs.models import CompanyApplication, Event, Program, SelectionDecision
from programs.participations.services import participation_join

Role = Membership.Role
Status = CompanyApplication.Status
Source = CompanyApplication.Source
Decision = SelectionDecision.Decision

# Live applications count against ``Program.capacity``; duplicates, withdrawn and rejected ones do not.
LIVE_STATUSES = (Status.RECEIVED, Status.INVITED)
# Legal-form words removed before comparing company names (after NFKC, so full-width forms are covered:
# （株） becomes (株)). Longest first so that 株式会社 is removed before 会社 could match.
LEGAL_FORMS = (
    "特定非営利活動法人",
    "一般社団法人",
    "公益社団法人",
    "一般財団法人",
    "公益財団法人",
    "社会福祉法人",
    "有限責任事業組合",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "医療法人",
    "(株)",
    "(有)",
    "(同)",
    "(資)",
    "(名)",
    "(医)",
    "(社)",
    "(一社)",
    "(一財)",
    "(特非)",
    "npo法人",
    "㈱",
    "㈲",
)
_SPACES = re.compile(r"\s+")
# Public form: at most this many submissions per IP address per window (seconds).
PUBLIC_FORM_RATE = (5, 600)


def normalize_company_name(name: str) -> str:
    """The key used to find the same company applying twice.

    NFKC (full-width letters, digits, spaces and brackets become ASCII; ㈱ becomes (株)), lower case, the
    legal-form words of ``LEGAL_FORMS`` removed wherever they stand (prefix or suffix), every white space
    removed (incl. the full-width space U+3000). Returns "" for a name that is only a legal form.
    Example: "株式会社　テスト精密" and "テスト精密（株）" -> "テスト精密".
    """
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _SPACES.sub("", text)
    for word in LEGAL_FORMS:
        text = text.replace(unicodedata.normalize("NFKC", word).lower(), "")
    return text[:200]


# ------------------------------------------------------------------------------------------ permissions


def _membership(*, consortium_id: int, user: Any) -> Membership | None:
    return (
        Membership.objects.filter(consortium_id=consortium_id, user=user, is_active=True)
        .select_related("region", "organization", "company")
        .first()
    )


def coordinator_may_manage(*, membership: Membership | None, region_id: int | None) -> bool:
    """The coordinator, or the regional coordinator of ``region_id`` (the application's region)."""
    return rules.coordinates_region(membership, region_id)


def _require_manager(*, application: CompanyApplication, actor: Any) -> Membership:
    membership = _membership(consortium_id=application.consortium_id, user=actor)
    if not coordinator_may_manage(membership=membership, region_id=application.region_id):
        raise PermissionDenied(_("この応募を扱う権限がありません。"))
    return membership  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------ rate limit


def rate_limit_exceeded(*, key: str, limit: int, window: int) -> bool:
    """Count one hit for ``key`` in a fixed window of ``window`` seconds; True once over ``limit``.

    Uses the default cache, one store for all processes (Redis, or the database cache: settings.CACHES).
    """
    cache_key = f"ratelimit:{key}"
    if cache.add(cache_key, 1, timeout=window):
        return False
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        return False
    return count > limit


# ------------------------------------------------------------------------------------------ applications


def _find_duplicate(
    *, program: Program, normalized: str, email: str, exclude_pk: int | None = None
) -> CompanyApplication | None:
    """The first (oldest) application of the program by the same company: same normalized name or email."""
    match = Q(email__iexact=email)
    if normalized:
        match |= Q(company_name_normalized=normalized)
    qs = (
        CompanyApplication.objects.filter(consortium=program.consortium_id, program=program)
        .filter(match)
        .exclude(status__in=(Status.DUPLICATE, Status.WITHDRAWN, Status.REJECTED))
        .order_by("created_at", "pk")
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def company_matching_name(*, consortium_id: int, normalized: str) -> Company | None:
    """An existing Company of the consortium whose normalized name equals ``normalized`` (or None).

    One query over the consortium's company names, compared in Python (NFKC and the legal-form words are
    not expressible in SQL portably).
    """
    if not normalized:
        return None
    for pk, name in Company.objects.filter(consortium_id=consortium_id).values_list("pk", "name"):
        if normalize_company_name(name) == normalized:
            return Company.objects.get(pk=pk)
    return None


def program_live_count(*, program: Program) -> int:
    """Applications that count against the capacity (received + invited; not duplicates)."""
    return CompanyApplication.objects.filter(
        consortium=program.consortium_id, program=program, status__in=LIVE_STATUSES
    ).count()


def _status_for_new(*, program: Program) -> str:
    """received, or waitlisted when the live applications already fill ``program.capacity`` (0 = none)."""
    if program.capacity and program_live_count(program=program) >= program.capacity:
        return Status.WAITLISTED
    return Status.RECEIVED


APPLICATION_FIELDS = (
    "company_name",
    "representative_name",
    "applicant_name",
    "department_title",
    "email",
    "phone",
    "region",
    "industry",
    "employees",
    "executive_participant",
    "staff_participant",
    "motivation",
    "current_issues",
    "message_to_office",
    "recommendation_note",
    "privacy_consent",
)


@transaction.atomic
def application_submit(
    *,
    program: Program,
    data: dict[str, Any],
    source: str = Source.PUBLIC_FORM,
    recommended_by=None,
    recommended_by_user=None,
    send_confirmation: bool = True,
    idempotency_key: str | None = None,
) -> CompanyApplication:
    """Record one 応募 for ``program`` and return it.

    ``data``: the form's cleaned data (keys of ``APPLICATION_FIELDS``; others are ignored). Status:
    ``duplicate`` (``duplicate_of`` = the oldest open application of the program with the same normalized
    company name or the same email, case-insensitive), else ``waitlisted`` when received + invited already
    reach ``program.capacity``, else ``received``. ``company`` is linked when the name matches an existing
    Company of the consortium. The region must be one of the program's regions (ValidationError). With
    ``send_confirmation`` the applicant gets a confirmation email (the same text whatever the status, so
    the mail does not reveal a duplicate either). The same form sent twice (same ``idempotency_key``,
    dxcommunity.idempotency) records one application (no "duplicate" row, one mail) and returns it.
    """
    # Serialize submissions of one program so that two at once cannot both take the last place.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    return create_once(
        key=idempotency_key,
        scope="programs.company_application",
        consortium_id=program.consortium_id,
        user=recommended_by_user,
        create=lambda: _application_create(
            program=program,
            data=data,
            source=source,
            recommended_by=recommended_by,
            recommended_by_user=recommended_by_user,
            send_confirmation=send_confirmation,
        ),
    )[0]


def _application_create(
    *,
    program: Program,
    data: dict[str, Any],
    source: str,
    recommended_by,
    recommended_by_user,
    send_confirmation: bool,
) -> CompanyApplication:
    values = {k: v for k, v in data.items() if k in APPLICATION_FIELDS}
    values["email"] = (values.get("email") or "").strip()
    values["company_name"] = (values.get("company_name") or "").strip()
    region = values.get("region")
    if region is None or not program.regions.filter(pk=region.pk).exists():
        raise ValidationError({"region": _("この事業の地域から選んでください。")})
    normalized = normalize_company_name(values["company_name"])
    application = CompanyApplication(
        consortium_id=program.consortium_id,
        program=program,
        company_name_normalized=normalized,
        source=source,
        recommended_by=recommended_by,
        recommended_by_user=recommended_by_user,
        **values,
    )
    original = _find_duplicate(program=program, normalized=normalized, email=values["email"])
    if original is not None:
        application.status = Status.DUPLICATE
        application.duplicate_of = original
    else:
        application.status = _status_for_new(program=program)
    application.company = company_matching_name(consortium_id=program.consortium_id, normalized=normalized)
    application.full_clean()
    application.save()
    if send_confirmation:
        _send_confirmation(application=application)
    return application


def _send_confirmation(*, application: CompanyApplication) -> None:
    program = application.program
    context = {
        "program": program.name,
        "name": application.applicant_name,
        "company": application.company_name,
    }
    subject = _("【%(program)s】応募を受け付けました") % context
    body = (
        _(
            "%(name)s 様\n\n%(company)s の応募を受け付けました。\n"
            "事務局で内容を確認のうえ、ご連絡します。しばらくお待ちください。\n\n"
            "心当たりがない場合は、このメールを破棄してください。"
        )
        % context
    )
    send_mail(subject, body, getattr(settings, "DEFAULT_FROM_EMAIL", None), [application.email])


@transaction.atomic
def recommendation_submit(
    *, program: Program, user: Any, data: dict[str, Any], idempotency_key: str | None = None
) -> CompanyApplication:
    """企業を推薦: a bank or association staff member recommends a company for ``program``.

    Records ``recommended_by`` (the user's organization) and ``recommended_by_user``; duplicate detection
    and the waitlist apply as for the public form; no mail is sent to the company. Raises PermissionDenied
    for any other role or a membership without an organization. The same form sent twice (same
    ``idempotency_key``) records one recommendation and returns it.
    """
    membership = _membership(consortium_id=program.consortium_id, user=user)
    if not test_rule("programs.recommend_company", membership):
        raise PermissionDenied(_("企業を推薦できるのは金融機関・経営者協会等の方です。"))
    return application_submit(
        program=program,
        data={**data, "privacy_consent": False},
        source=Source.RECOMMENDATION,
        recommended_by=membership.organization,
        recommended_by_user=user,
        send_confirmation=False,
        idempotency_key=idempotency_key,
    )


def _company_for_application(*, application: CompanyApplication) -> Company:
    """The application's Company: linked already, an existing one of the same name, or a new one.

    A new company takes region, industry, employees and recommender from the application; an existing one
    gets the recommender and size only where it has none. Either joins the application's program (its
    ``Participation``; a returning company's new participation is linked to its previous one).
    """
    company = application.company or company_matching_name(
        consortium_id=application.consortium_id, normalized=application.company_name_normalized
    )
    if company is None:
        company = Company(
            consortium_id=application.consortium_id,
            name=application.company_name,
            region=application.region,
            industry=application.industry,
            employees=application.employees,
            recommended_by=application.recommended_by,
        )
        company.full_clean()
        company.save()
        participation_join(company=company, program=application.program)
        return company
    company = Company.objects.get(pk=company.pk)
    participation_join(company=company, program=application.program)
    changed = []
    if company.recommended_by_id is None and application.recommended_by_id:
        company.recommended_by = application.recommended_by
        changed.append("recommended_by")
    if company.employees is None and application.employees is not None:
        company.employees = application.employees
        changed.append("employees")
    if changed:
        company.save(update_fields=[*changed, "updated_at"])
    return company


def _save(application: CompanyApplication, *fields: str) -> CompanyApplication:
    application.full_clean()
    application.save(update_fields=[*fields, "updated_at"])
    return application


def _require_status(application: CompanyApplication, *statuses: str) -> None:
    if application.status not in statuses:
        raise ValidationError(
            _("この応募は「%(status)s」のため、この操作はできません。")
            % {"status": application.get_status_display()}
        )


@transaction.atomic
def application_accept(
    *, application: CompanyApplication, actor: Any, base_url: str | None = None
) -> CompanyApplication:
    """受付 → 招待: create or link the Company and invite the applicant's email as its 経営者.

    Only a ``received`` application (promote a waitlisted one first). The invitation is
    ``dxcommunity.accounts.invitations.invitation_create`` (company_member, is_executive); its
    ValidationError (the
    email is a member already, an open invitation exists) is raised as is and nothing is saved.
    """
    _require_manager(application=application, actor=actor)
    _require_status(application, Status.RECEIVED)
    company = _company_for_application(application=application)
    invitation, _token = invitations.invitation_create(
        consortium=application.program.consortium,
        inviter=actor,
        email=application.email,
        role=Role.COMPANY_MEMBER,
        company=company,
        is_executive=True,
        base_url=base_url,
    )
    application.company = company
    application.invitation = invitation
    application.status = Status.INVITED
    return _save(application, "company", "invitation", "status")


@transaction.atomic
def application_reject(*, application: CompanyApplication, actor: Any) -> CompanyApplication:
    """対象外: a received or waitlisted application is not taken (the company may still be invited later)."""
    _require_manager(application=application, actor=actor)
    _require_status(application, Status.RECEIVED, Status.WAITLISTED)
    application.status = Status.REJECTED
    return _save(application, "status")


@transaction.atomic
def application_withdraw(
    *, application: CompanyApplication, actor: Any
) -> tuple[CompanyApplication, CompanyApplication | None]:
    """取下げ; returns (application, the next waitlisted application to suggest for promotion or None).

    The suggestion is only made when the withdrawal frees a place (the application counted against the
    capacity); promoting stays the coordinator's decision.
    """
    _require_manager(application=application, actor=actor)
    _require_status(application, Status.RECEIVED, Status.INVITED, Status.WAITLISTED, Status.DUPLICATE)
    freed = application.status in LIVE_STATUSES
    application.withdrawn_from = application.status
    application.status = Status.WITHDRAWN
    application._history_user = actor  # simple-history: the actor even outside a request
    _save(application, "status", "withdrawn_from")
    suggestion = None
    if freed:
        from programs.recruitment.selectors import waitlist_next

        suggestion = waitlist_next(program=application.program)
    return application, suggestion


@transaction.atomic
def application_promote(*, application: CompanyApplication, actor: Any) -> CompanyApplication:
    """補欠から繰り上げ: waitlisted → received (the coordinator may go over the capacity on purpose)."""
    _require_manager(application=application, actor=actor)
    _require_status(application, Status.WAITLISTED)
    application.status = Status.RECEIVED
    return _save(application, "status")


@transaction.atomic
def application_not_duplicate(*, application: CompanyApplication, actor: Any) -> CompanyApplication:
    """「重複ではない」: a duplicate becomes an application of its own (received, or waitlisted if full)."""
    _require_manager(application=application, actor=actor)
    _require_status(application, Status.DUPLICATE)
    application.duplicate_of = None
    application.status = _status_for_new(program=application.program)
    return _save(application, "duplicate_of", "status")


MERGE_FIELDS = (
    "representative_name",
    "department_title",
    "phone",
    "employees",
    "executive_participant",
    "staff_participant",
    "motivation",
    "current_issues",
    "message_to_office",
    "recommendation_note",
)


@transaction.atomic
def application_merge(*, application: CompanyApplication, actor: Any) -> CompanyApplication:
    """統合: keep the original (``duplicate_of``), withdraw the duplicate; returns the original.

    The original's blank fields are filled from the duplicate (nothing typed there is lost), and a
    recommender recorded only on the duplicate is carried over.
    """
    _require_manager(application=application, actor=actor)
    _require_status(application, Status.DUPLICATE)
    original = application.duplicate_of
    if original is None:
        raise ValidationError(_("統合先の応募がありません。「重複ではない」を選んでください。"))
    original = CompanyApplication.objects.select_for_update().get(pk=original.pk)
    changed = [f for f in MERGE_FIELDS if getattr(original, f) in ("", None) and getattr(application, f)]
    for f in changed:
        setattr(original, f, getattr(application, f))
    if original.recommended_by_id is None and application.recommended_by_id:
        original.recommended_by_id = application.recommended_by_id
        original.recommended_by_user_id = application.recommended_by_user_id
        changed += ["recommended_by", "recommended_by_user"]
    if changed:
        _save(original, *changed)
    application.withdrawn_from = Status.DUPLICATE
    application.status = Status.WITHDRAWN
    _save(application, "status", "withdrawn_from")
    return original


@transaction.atomic
def application_restore(*, application: CompanyApplication, actor: Any) -> CompanyApplication:
    """「取下げを取り消す」: a withdrawn application gets back the status it had (``withdrawn_from``).

    invited, waitlisted and duplicate (while its original is recorded) come back as they were; received,
    or no recorded status, comes back as a new application would (received, or waitlisted once the live
    applications fill the capacity: its place may have been given to someone promoted since).
    Raises PermissionDenied like the other actions, ValidationError unless the application is withdrawn.
    """
    _require_manager(application=application, actor=actor)
    _require_status(application, Status.WITHDRAWN)
    previous = application.withdrawn_from
    if previous in (Status.INVITED, Status.WAITLISTED):
        status = previous
    elif previous == Status.DUPLICATE and application.duplicate_of_id is not None:
        status = Status.DUPLICATE
    else:
        status = _status_for_new(program=application.program)
    application.status = status
    application.withdrawn_from = ""
    application._history_user = actor
    return _save(application, "status", "withdrawn_from")


# ------------------------------------------------------------------------------------------ selection


def _validate_rating(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 5:
        raise ValidationError({field: _("1〜5で評価してください。")})
    return number


@transaction.atomic
def selection_decide(
    *,
    program: Program,
    application: CompanyApplication,
    actor: Any,
    decision: str,
    reasons: str,
    commitment_rating: Any = None,
    team_rating: Any = None,
    meeting: Event | None = None,
    version: int | None = None,
) -> SelectionDecision:
    """The 支援企業選出検討会's decision for the application's company (created or updated).

    ``version``: the decision's ``version`` the row's form was loaded with (0: no decision yet); None:
    no check. Raises ``EditConflict`` (nothing written) when someone decided since.

    ``decision``: ``SelectionDecision.Decision`` value; ``reasons`` required; ratings 1–5 or None;
    ``meeting``: a selection_meeting Event of the program or None. An application without a Company yet
    gets one (as on acceptance, without an invitation). Raises ValidationError({field: message}) and
    PermissionDenied (coordinator / regional coordinator of the region only).
    """
    _require_manager(application=application, actor=actor)
    if application.program_id != program.pk:
        raise ValidationError(_("この事業の応募ではありません。"))
    if application.status not in (Status.RECEIVED, Status.INVITED, Status.WAITLISTED):
        raise ValidationError(
            _("「%(status)s」の応募には選出結果を付けられません。")
            % {"status": application.get_status_display()}
        )
    errors: dict[str, str] = {}
    if decision not in Decision.values:
        errors["decision"] = _("選出結果を選んでください。")
    if not (reasons or "").strip():
        errors["reasons"] = _("理由を入力してください。")
    if meeting is not None and (
        meeting.program_id != program.pk or meeting.kind != Event.Kind.SELECTION_MEETING
    ):
        errors["meeting"] = _("この事業の支援企業選出検討会を選んでください。")
    ratings: dict[str, int | None] = {}
    for field, value in (("commitment_rating", commitment_rating), ("team_rating", team_rating)):
        try:
            ratings[field] = _validate_rating(value, field)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    company = application.company
    if company is None:
        company = _company_for_application(application=application)
        application.company = company
        _save(application, "company")
    row = (
        SelectionDecision.objects.select_for_update()
        .filter(consortium=program.consortium_id, program=program, company=company)
        .first()
    )
    if row is None:
        row = SelectionDecision(
            consortium_id=program.consortium_id,
            program=program,
            company=company,
            executive_participant=application.executive_participant,
            staff_participant=application.staff_participant,
        )
    row.application = application
    row.decision = decision
    row.reasons = reasons.strip()
    row.commitment_rating = ratings["commitment_rating"]
    row.team_rating = ratings["team_rating"]
    row.meeting = meeting
    row.decided_at = timezone.now()
    row.decided_by = actor
    row.full_clean(exclude=["version"])
    versioned_save(instance=row, version=version)
    return row


def _same_person(a: str, b: str) -> bool:
    """Same name once NFKC-normalized, lower-cased and without spaces (「山田　太郎」 = 「山田太郎」)."""

    def key(text: str) -> str:
        return _SPACES.sub("", unicodedata.normalize("NFKC", text).lower())

    return key(a) == key(b)


@transaction.atomic
def selection_confirm_conditions(
    *,
    decision: SelectionDecision,
    actor: Any,
    executive_participant: str,
    staff_participant: str,
    attends_all_sessions: bool,
) -> SelectionDecision:
    """参加条件の確認 by a member of the decided company (伴走支援 only).

    Conditions: two participants, 経営者 and 担当者 (both names required and different
    people), and attendance at all 10 sessions. Sets ``conditions_confirmed_at`` / ``_by``. Raises
    PermissionDenied for anyone but a member of the company, ValidationError({field: message}) otherwise.
    """
    membership = _membership(consortium_id=decision.consortium_id, user=actor)
    if not (access_rules.acts_as_company(membership) and membership.company_id == decision.company_id):
        raise PermissionDenied(_("この選出結果を確認できるのは当該企業の方だけです。"))
    if decision.decision != Decision.ACCOMPANIMENT:
        raise ValidationError(_("参加条件の確認は伴走支援に選ばれた企業だけが行います。"))
    executive = (executive_participant or "").strip()
    staff = (staff_participant or "").strip()
    errors: dict[str, str] = {}
    if not executive:
        errors["executive_participant"] = _("参加する経営者の名前を入力してください。")
    if not staff:
        errors["staff_participant"] = _("参加する担当者の名前を入力してください。")
    if executive and staff and _same_person(executive, staff):
        errors["staff_participant"] = _("経営者と担当者は別の方にしてください（1名だけの参加はできません）。")
    if not attends_all_sessions:
        errors["attends_all_sessions"] = _("全10回への参加が条件です。難しい場合は事務局にご相談ください。")
    if errors:
        raise ValidationError(errors)
    decision.executive_participant = executive
    decision.staff_participant = staff
    decision.attends_all_sessions = True
    decision.conditions_confirmed_at = timezone.now()
    decision.conditions_confirmed_by = actor
    decision.full_clean()
    decision.save(
        update_fields=[
            "executive_participant",
            "staff_participant",
            "attends_all_sessions",
            "conditions_confirmed_at",
            "conditions_confirmed_by",
            "updated_at",
        ]
    )
    return decision
