"""Writes for matching (マッチング支援): needs, their pipeline, candidates and vendors' answers.

Keyword-only, typed, one transaction each. Every status change writes a ``MatchingStatusChange`` row in the
same transaction (the timeline); simple-history rows are the audit trail of every change.

Pipeline: ヒアリング → 候補選定 → 紹介 → 提案・PoC → 契約, or 見送り from any open status; one step forward
at a time. A closed request (契約 / 見送り) is reopened only by a coordinator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dxcommunity.access.rules import acts_as_itc, acts_as_vendor
from dxcommunity.idempotency import create_once, save_once
from dxcommunity.tenancy.models import Company, MemberOrganization, Membership
from matching.models import MatchingRequest, MatchingStatusChange, Solution, VendorResponse
from matching.selectors import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    VENDOR_KINDS,
    can_manage_request,
    can_reopen_request,
    weakest_item_codes,
)
from matching.solutions.services import parse_item_codes, validate_item_codes
from programs.closing import window_require
from programs.models import Participation, Program
from programs.participations.selectors import participation_current
from programs.participations.services import participation_advance_stage

Role = Membership.Role
Status = MatchingRequest.Status
Source = MatchingRequest.Source
# A company in these stages is in (or through) accompaniment: matching does not change its stage.
ACCOMPANIMENT_STAGES: frozenset[str] = frozenset(
    {Participation.Stage.ACCOMPANIMENT, Participation.Stage.PLAN_COMPLETED}
)
# The one step forward from each open status.
NEXT_STATUS: dict[str, str] = {
    Status.HEARING: Status.CANDIDATES,
    Status.CANDIDATES: Status.INTRODUCTION,
    Status.INTRODUCTION: Status.PROPOSAL,
    Status.PROPOSAL: Status.CONTRACT,
}


def _membership(user, consortium_id: int) -> Membership | None:
    return (
        Membership.objects.filter(user=user, consortium_id=consortium_id, is_active=True)
        .select_related("organization", "consortium", "user")
        .first()
    )


def _vendors(company: Company, vendors: Iterable[MemberOrganization | int]) -> list[MemberOrganization]:
    ids = sorted({v.pk if isinstance(v, MemberOrganization) else int(v) for v in vendors})
    found = list(
        MemberOrganization.objects.filter(
            consortium_id=company.consortium_id, kind__in=VENDOR_KINDS, pk__in=ids
        )
    )
    if len(found) != len(ids):
        raise ValidationError({"vendors": _("このコミュニティのITベンダーから選んでください。")})
    return found


@dataclass(frozen=True)
class NeedSource:
    """Where a need came from: ``source`` (``MatchingRequest.Source``) and the matching reference —
    ``event`` (seminar), ``session`` (an accompaniment session of the company), ``item_codes`` (定性指標No.,
    for a need from the diagnosis: empty = the company's ``weakest_item_codes``)."""

    source: str = Source.SESSION
    event: object | None = None
    session: object | None = None
    item_codes: tuple[str, ...] | list[str] | str = ()


def _check_source(company: Company, src: NeedSource) -> tuple[object | None, object | None, list[str]]:
    """(event, session, item codes) checked against the company; ValidationError naming the field."""
    if src.source not in Source.values:
        raise ValidationError({"source": _("不正な出所です。")})
    event = session = None
    codes = validate_item_codes(parse_item_codes(src.item_codes), field="source_item_codes")
    if src.source == Source.SEMINAR:
        if src.event is None or src.event.consortium_id != company.consortium_id:
            raise ValidationError({"source_event": _("セミナーを選んでください。")})
        event = src.event
    elif src.source == Source.SESSION:
        if src.session is not None:
            if src.session.track.company_id != company.pk:
                raise ValidationError({"source_session": _("この企業の伴走支援の回を選んでください。")})
            session = src.session
    elif src.source == Source.DIAGNOSIS and not codes:
        codes = weakest_item_codes(company)
    return event, session, codes


def _check_itc(company: Company, itc) -> None:
    if itc is None:
        return
    if not Membership.objects.filter(
        consortium_id=company.consortium_id, user=itc, role=Role.ITC, is_active=True
    ).exists():
        raise ValidationError({"itc": _("このコミュニティのITコーディネータを選んでください。")})


@transaction.atomic
def matching_request_create(
    *,
    company: Company,
    user,
    title: str,
    description: str = "",
    category: str,
    source: str = Source.SESSION,
    vendors: Iterable[MemberOrganization | int] = (),
    event=None,
    session=None,
    item_codes: Iterable[str] | str = (),
    itc=None,
    idempotency_key: str | None = None,
    program: Program | None = None,
) -> MatchingRequest:
    """Record a company need (status ヒアリング) and, optionally, address it to ``vendors`` at once.

    The need belongs to the company's participation in ``program`` (None: its current participation; a
    company in no program records a need outside one). Refused in a closed program, after the program's
    マッチング期間, and for a program the company is not in (ValidationError({"program": ...})).

    Allowed for the coordinator or an ITC of the company (perm ``programs.support_company``: an ITC who sees
    the company in full), else PermissionDenied. ``source``: seminar (``event`` required), diagnosis
    (``item_codes``; empty = ``weakest_item_codes(company)``), session (optional ``session`` of the company's
    track), interim report. ``itc``: the bridging ITC (an ITC of the consortium; default the creating user
    when an ITC). Each vendor must be an IT_VENDOR / IT_ASSOCIATION organization of the company's
    consortium. Errors: ValidationError naming the field, nothing saved. Writes the first
    ``MatchingStatusChange`` ("" → hearing). Moves the company to MATCHING unless it is in accompaniment.
    The same form sent twice (same ``idempotency_key``, dxcommunity.idempotency) records one need and
    returns it both times.
    """
    if not user.has_perm("programs.support_company", company):
        raise PermissionDenied
    found = _vendors(company, vendors)
    event, src_session, codes = _check_source(
        company, NeedSource(source=source, event=event, session=session, item_codes=item_codes)
    )
    if itc is None:
        membership = _membership(user, company.consortium_id)
        itc = user if acts_as_itc(membership) else None
    _check_itc(company, itc)
    participation = participation_current(company=company, program=program)
    if program is not None and participation is None:
        raise ValidationError(
            {"program": _("この企業は「%(program)s」に参加していません。") % {"program": program.name}}
        )
    if participation is not None:
        window_require(program=participation.program, phase="matching")

    def create() -> MatchingRequest:
        request = MatchingRequest(
            consortium_id=company.consortium_id,
            company=company,
            program=participation.program if participation else None,
            title=title,
            description=description,
            category=category,
            source=source,
            created_by=user,
            itc=itc,
            source_event=event,
            source_session=src_session,
            source_item_codes=codes,
        )
        request.full_clean()
        request.save()
        request.vendors.set(found)
        MatchingStatusChange.objects.create(
            consortium_id=company.consortium_id,
            request=request,
            from_status="",
            to_status=Status.HEARING,
            note=_("ニーズを登録"),
            changed_by=user,
        )
        if (
            participation is not None
            and participation.stage not in ACCOMPANIMENT_STAGES
            and not _has_track(participation)
        ):
            participation_advance_stage(participation=participation, stage=Participation.Stage.MATCHING)
        return request

    request, _created = create_once(
        key=idempotency_key,
        scope="matching.request_create",
        consortium_id=company.consortium_id,
        user=user,
        create=create,
    )
    return request


def _has_track(participation) -> bool:
    from accompaniment.models import AccompanimentTrack

    return AccompanimentTrack.objects.filter(participation=participation).exists()


def allowed_transitions(*, request: MatchingRequest, may_reopen: bool) -> list[str]:
    """The statuses ``request`` may move to: the next step and 見送り while open; every open status for a
    closed request when ``may_reopen`` (coordinators), else none."""
    if request.status in CLOSED_STATUSES:
        return list(OPEN_STATUSES) if may_reopen else []
    return [NEXT_STATUS[request.status], Status.DECLINED]


@transaction.atomic
def matching_request_transition(
    *,
    request: MatchingRequest,
    user,
    to_status: str,
    note: str = "",
    contract_amount: int | None = None,
    outcome_note: str = "",
    declined_reason: str = "",
) -> MatchingRequest:
    """Move ``request`` along its pipeline and log the step (``MatchingStatusChange`` with ``note``).

    Who: the coordinator, an ITC of the company or the request's bridging ITC (else PermissionDenied);
    reopening a closed request: coordinators only (PermissionDenied). Which: ``allowed_transitions``; any
    other ValidationError({"to_status"}). Requirements (ValidationError naming the field): 紹介 needs at
    least one addressed vendor; 契約 needs ``contract_amount`` (円, ≥ 0) or ``outcome_note``; 見送り needs
    ``declined_reason``. ``closed_at`` is set on 契約 / 見送り and cleared on reopening.
    """
    membership = _membership(user, request.consortium_id)
    if membership is None or not can_manage_request(membership=membership, request=request):
        raise PermissionDenied
    request = MatchingRequest.objects.select_for_update().get(pk=request.pk)
    reopening = request.status in CLOSED_STATUSES
    may_reopen = can_reopen_request(membership=membership, request=request)
    if reopening and not may_reopen:
        raise PermissionDenied
    if to_status not in allowed_transitions(request=request, may_reopen=may_reopen):
        raise ValidationError(
            {
                "to_status": _("「%(from)s」から「%(to)s」には進められません。")
                % {
                    "from": request.get_status_display(),
                    "to": dict(Status.choices).get(to_status, to_status),
                }
            }
        )
    fields = ["status", "closed_at", "updated_at"]
    if to_status == Status.INTRODUCTION and not request.vendors.exists():
        raise ValidationError({"to_status": _("紹介に進むには依頼先ベンダーを1社以上選んでください。")})
    if to_status == Status.CONTRACT:
        if contract_amount is not None and contract_amount < 0:
            raise ValidationError({"contract_amount": _("契約金額は0円以上で入力してください。")})
        if contract_amount is None and not outcome_note.strip():
            raise ValidationError({"contract_amount": _("契約金額または結果を入力してください。")})
        request.contract_amount = contract_amount
        request.outcome_note = outcome_note.strip()
        fields += ["contract_amount", "outcome_note"]
    if to_status == Status.DECLINED:
        if not declined_reason.strip():
            raise ValidationError({"declined_reason": _("見送り理由を入力してください。")})
        request.declined_reason = declined_reason.strip()
        fields += ["declined_reason"]
        if outcome_note.strip():
            request.outcome_note = outcome_note.strip()
            fields += ["outcome_note"]
    closed_at = timezone.now() if to_status in CLOSED_STATUSES else None
    return _status_write(
        request=request, user=user, status=to_status, note=note, closed_at=closed_at, fields=fields
    )


def _status_write(
    *, request: MatchingRequest, user, status: str, note: str, closed_at, fields: list[str]
) -> MatchingRequest:
    """Set ``status`` and ``closed_at``, save ``fields`` and log the step (MatchingStatusChange)."""
    from_status = request.status
    request.status = status
    request.closed_at = closed_at
    request.save(update_fields=fields)
    MatchingStatusChange.objects.create(
        consortium_id=request.consortium_id,
        request=request,
        from_status=from_status,
        to_status=status,
        note=note.strip(),
        changed_by=user,
    )
    return request


@transaction.atomic
def matching_request_shortlist(
    *, request: MatchingRequest, user, solution: Solution, address_vendor: bool = False
) -> MatchingRequest:
    """Add ``solution`` to the request's candidates and, with ``address_vendor``, address its vendor.

    Who: as ``matching_request_transition`` (PermissionDenied). The solution must be a published solution of
    the request's consortium (ValidationError({"solution"})). A request still at ヒアリング is not moved:
    the ITC moves it with a note. Closed requests refuse (ValidationError).
    """
    membership = _membership(user, request.consortium_id)
    if membership is None or not can_manage_request(membership=membership, request=request):
        raise PermissionDenied
    if request.status in CLOSED_STATUSES:
        raise ValidationError({"solution": _("完了したマッチングには追加できません。")})
    if solution.consortium_id != request.consortium_id or not solution.is_published:
        raise ValidationError({"solution": _("公開中のソリューションから選んでください。")})
    request.candidates.add(solution)
    if address_vendor:
        request.vendors.add(solution.vendor_id)
    return request


@transaction.atomic
def matching_request_address(
    *, request: MatchingRequest, user, vendors: Iterable[MemberOrganization | int]
) -> MatchingRequest:
    """Address the request to more vendors (IT vendors of the consortium; ValidationError({"vendors"})).

    Who: as ``matching_request_transition``. Addressed vendors see the request in their portal.
    """
    membership = _membership(user, request.consortium_id)
    if membership is None or not can_manage_request(membership=membership, request=request):
        raise PermissionDenied
    found = _vendors(request.company, vendors)
    if not found:
        raise ValidationError({"vendors": _("依頼先ベンダーを1つ以上選んでください。")})
    request.vendors.add(*found)
    return request


@transaction.atomic
def vendor_response_submit(
    *,
    request: MatchingRequest,
    user,
    message: str,
    answer: str = VendorResponse.Answer.PROPOSE,
    solution: Solution | None = None,
    proposed_price: int | None = None,
    idempotency_key: str | None = None,
) -> VendorResponse:
    """A vendor's answer to ``request``: propose (with one of its own published solutions and a
    ``proposed_price`` in 円), ask a question, or decline.

    The user must be vendor staff of an organization the request is addressed to (PermissionDenied
    otherwise). ValidationError naming the field: empty message; propose without a solution of its own
    organization or without a price; a negative price; the request is closed. The same form sent twice
    (same ``idempotency_key``) records one answer and returns it both times.
    """
    membership = _membership(user, request.consortium_id)
    if not acts_as_vendor(membership) or not request.vendors.filter(pk=membership.organization_id).exists():
        raise PermissionDenied
    if request.status in CLOSED_STATUSES:
        raise ValidationError({"message": _("このマッチングは完了しています。")})
    if answer not in VendorResponse.Answer.values:
        raise ValidationError({"answer": _("回答区分を選んでください。")})
    if not message.strip():
        raise ValidationError({"message": _("回答を入力してください。")})
    errors = {}
    if answer == VendorResponse.Answer.PROPOSE:
        if solution is None or solution.vendor_id != membership.organization_id:
            errors["solution"] = _("提案するソリューション（自社のもの）を選んでください。")
        if proposed_price is None:
            errors["proposed_price"] = _("提案には概算見積（円）を入力してください。")
    if proposed_price is not None and proposed_price < 0:
        errors["proposed_price"] = _("概算見積は0円以上で入力してください。")
    if errors:
        raise ValidationError(errors)

    return save_once(
        key=idempotency_key,
        scope="matching.vendor_response_submit",
        consortium_id=request.consortium_id,
        user=user,
        build=lambda: VendorResponse(
            consortium_id=request.consortium_id,
            request=request,
            vendor_id=membership.organization_id,
            author=user,
            message=message.strip(),
            answer=answer,
            solution=solution if answer == VendorResponse.Answer.PROPOSE else None,
            proposed_price=proposed_price,
        ),
    )
