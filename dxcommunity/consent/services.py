"""Writes for company consent: shares of the diagnosis / plan, the access log, bank comments.

Keyword-only and typed; each runs in one transaction and checks the acting user's permission first
(``PermissionDenied``). Who may see what is ``dxcommunity.access``; a share widens it for one organization
and one subject until it is withdrawn.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dxcommunity.access import rules as access_rules
from dxcommunity.consent.models import AccessLog, CompanyComment, CompanyShare
from dxcommunity.idempotency import save_once
from dxcommunity.tenancy.models import Company, MemberOrganization, Membership

# Roles whose views of a company's diagnosis, plan, session logs and PDFs are logged for the company.


@transaction.atomic
def company_share_grant(
    *, company: Company, organization: MemberOrganization | int, subject: str, user: Any
) -> CompanyShare:
    """Share the company's ``subject`` (``CompanyShare.Subject``: diagnosis / plan) with ``organization``.

    ``user``: a 経営者 of the company (perm ``programs.manage_consent``), else ``PermissionDenied``.
    ``organization``: a member organization (or its id) of the company's consortium other than the lead,
    else ``ValidationError({"organization": ...})`` (another tenant's id included). Granting what is
    already shared returns the active share unchanged (idempotent), also when two grants run at once.
    """
    if not user.has_perm("programs.manage_consent", company):
        raise PermissionDenied(_("共有を設定できるのはこの企業の経営者です。"))
    if subject not in CompanyShare.Subject.values:
        raise ValidationError({"subject": [_("共有する対象を選んでください。")]})
    org_id = organization.pk if isinstance(organization, MemberOrganization) else organization
    org = (
        MemberOrganization.objects.filter(consortium_id=company.consortium_id, pk=org_id)
        .exclude(kind=MemberOrganization.Kind.LEAD)
        .first()
    )
    if org is None:
        raise ValidationError({"organization": [_("このコミュニティの構成員から選んでください。")]})
    existing = (
        CompanyShare.objects.select_for_update()
        .filter(company=company, organization=org, subject=subject, revoked_at__isnull=True)
        .first()
    )
    if existing is not None:
        return existing
    share = CompanyShare(
        consortium_id=company.consortium_id,
        company=company,
        organization=org,
        subject=subject,
        granted_by=user,
    )
    share.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():  # a savepoint: the same grant sent twice at once is refused by the
            share.save()  # one-active-share constraint; the other request's share is the answer
    except IntegrityError:
        return CompanyShare.objects.get(
            company=company, organization=org, subject=subject, revoked_at__isnull=True
        )
    return share


@transaction.atomic
def company_share_revoke(*, share: CompanyShare, user: Any) -> CompanyShare:
    """Withdraw a share: from now on the organization sees only what its own relations allow.

    ``user``: a 経営者 of the share's company (perm ``programs.manage_consent``), else ``PermissionDenied``.
    Revoking an already revoked share changes nothing.
    """
    share = CompanyShare.objects.select_for_update().select_related("company").get(pk=share.pk)
    if not user.has_perm("programs.manage_consent", share.company):
        raise PermissionDenied(_("共有を取り消せるのはこの企業の経営者です。"))
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.revoked_by = user
        share.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return share


def access_log_record(
    *,
    membership: Membership | None,
    company: Company,
    subject: str,
    object_id: int | None = None,
    path: str = "",
) -> AccessLog | None:
    """Log one view of the company's ``subject`` (``AccessLog.Subject``) by a bank or vendor user.

    Writes only for the roles whose views are logged (``programs.rules.views_are_logged``: bank staff,
    vendors); returns None for everyone else (coordinators, ITCs, the company
    itself). ``path``: the request path, cut to 300 characters.
    """
    if not access_rules.views_are_logged(membership):
        return None
    return AccessLog.objects.create(
        consortium_id=company.consortium_id,
        company=company,
        user_id=membership.user_id,
        organization_id=membership.organization_id,
        subject=subject,
        object_id=object_id,
        path=(path or "")[:300],
    )


@transaction.atomic
def company_comment_add(
    *, company: Company, user: Any, body: str, idempotency_key: str | None = None
) -> CompanyComment:
    """Add the user's own comment on the company (bank staff seeing it in full: ``programs.comment_company``).

    ``body``: 1–4000 characters after stripping, else ``ValidationError({"body": ...})``. The comment carries
    the author's organization: the same bank's staff, the coordinators and the company's ITCs read it.
    The same form sent twice (same ``idempotency_key``, dxcommunity.idempotency) adds one comment and
    returns it both times.
    """
    if not user.has_perm("programs.comment_company", company):
        raise PermissionDenied(_("コメントを追加できるのは、この企業を担当する金融機関の方です。"))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("コメントを入力してください。")]})
    membership = Membership.objects.filter(
        consortium_id=company.consortium_id, user=user, is_active=True
    ).first()

    return save_once(
        key=idempotency_key,
        scope="programs.company_comment_add",
        consortium_id=company.consortium_id,
        user=user,
        build=lambda: CompanyComment(
            consortium_id=company.consortium_id,
            company=company,
            author=user,
            organization_id=membership.organization_id if membership else None,
            body=body,
        ),
    )
