"""Writes for matching (マッチング支援). Keyword-only, typed, one transaction each.

History rows (django-simple-history) are the audit trail of every change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from programs.models import Company, MemberOrganization, Membership
from programs.services import company_advance_stage

from .models import MatchingRequest, VendorResponse
from .selectors import VENDOR_KINDS

Role = Membership.Role
# A company in these stages is in (or through) accompaniment: matching does not change its stage.
ACCOMPANIMENT_STAGES: frozenset[str] = frozenset({Company.Stage.ACCOMPANIMENT, Company.Stage.PLAN_COMPLETED})


def _membership(user, consortium_id: int) -> Membership | None:
    return Membership.objects.filter(user=user, consortium_id=consortium_id, is_active=True).first()


@transaction.atomic
def matching_request_create(
    *,
    company: Company,
    user,
    title: str,
    description: str = "",
    category: str,
    source: str = MatchingRequest.Source.SESSION,
    vendors: Iterable[MemberOrganization | int],
) -> MatchingRequest:
    """Record a company need and address it to ``vendors`` (organizations or their ids).

    Allowed for the coordinator or an ITC of the company (perm ``programs.support_company``), else
    PermissionDenied. Each vendor must be an IT_VENDOR / IT_ASSOCIATION organization of the company's
    consortium; anything else (another tenant's id included) raises ValidationError({"vendors": ...}) and
    nothing is saved. Moves the company to MATCHING unless it is in accompaniment (stage kept then).
    """
    if not user.has_perm("programs.support_company", company):
        raise PermissionDenied
    ids = sorted({v.pk if isinstance(v, MemberOrganization) else int(v) for v in vendors})
    if not ids:
        raise ValidationError({"vendors": _("依頼先ベンダーを1つ以上選んでください。")})
    found = list(
        MemberOrganization.objects.filter(
            consortium_id=company.consortium_id, kind__in=VENDOR_KINDS, pk__in=ids
        )
    )
    if len(found) != len(ids):
        raise ValidationError({"vendors": _("このコミュニティのITベンダーから選んでください。")})
    request = MatchingRequest(
        consortium_id=company.consortium_id,
        company=company,
        title=title,
        description=description,
        category=category,
        source=source,
        created_by=user,
    )
    request.full_clean()
    request.save()
    request.vendors.set(found)
    if company.stage not in ACCOMPANIMENT_STAGES and not _has_track(company):
        company_advance_stage(company=company, stage=Company.Stage.MATCHING)
    return request


def _has_track(company: Company) -> bool:
    from accompaniment.models import AccompanimentTrack

    return AccompanimentTrack.objects.filter(company=company).exists()


@transaction.atomic
def vendor_response_submit(*, request: MatchingRequest, user, message: str) -> VendorResponse:
    """A vendor's answer to ``request``; the user must be vendor staff of an organization it is addressed to.

    PermissionDenied otherwise; ValidationError({"message": ...}) for an empty message.
    """
    membership = _membership(user, request.consortium_id)
    if (
        membership is None
        or membership.role != Role.VENDOR
        or not request.vendors.filter(pk=membership.organization_id).exists()
    ):
        raise PermissionDenied
    if not message.strip():
        raise ValidationError({"message": _("回答を入力してください。")})
    response = VendorResponse(
        consortium_id=request.consortium_id,
        request=request,
        vendor_id=membership.organization_id,
        author=user,
        message=message.strip(),
    )
    response.full_clean()
    response.save()
    return response


@transaction.atomic
def matching_request_set_status(*, request: MatchingRequest, user, status: str) -> MatchingRequest:
    """Set the request's ``status`` (a ``MatchingRequest.Status`` value).

    Coordinator or the company's ITC only.

    PermissionDenied for others; ValidationError({"status": ...}) for an unknown value.
    """
    if not user.has_perm("programs.support_company", request.company):
        raise PermissionDenied
    if status not in MatchingRequest.Status.values:
        raise ValidationError({"status": _("不正な状態です。")})
    request.status = status
    request.save(update_fields=["status", "updated_at"])
    return request
