"""Invitations by email and memberships: services (writes) and selectors (reads).

People join a consortium only through an invitation (open signup is off, dxcommunity.accounts.adapters). An
invitation carries the role and its organization / company / region; the link holds a random token of which
only the SHA-256 hex digest is stored (``Invitation.token_hash``). A link expires after
``settings.INVITATION_TTL_DAYS`` days (default 7) and can be used once.

Who may invite whom (``invitation_create``):
    coordinator            any role
    regional coordinator   any role but coordinator, within its own region
    company 経営者          company_member of its own company only
    anyone else            PermissionDenied

Changes are recorded by django-simple-history (history_user = the acting user of the request).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_scopes import scopes_disabled
from rules import test_rule

from dxcommunity.access import rules as access_rules
from dxcommunity.accounts.models import Invitation
from dxcommunity.idempotency import create_once
from dxcommunity.tenancy.models import Company, Consortium, MemberOrganization, Membership, Region
from dxcommunity.ui.names import person_name

Role = Membership.Role
Kind = MemberOrganization.Kind

# Organization kinds a role's organization must have; roles missing here take no organization check.
ROLE_ORGANIZATION_KINDS: dict[str, tuple[str, ...]] = {
    Role.BANK_STAFF: (Kind.BANK,),
    Role.VENDOR: (Kind.IT_VENDOR, Kind.IT_ASSOCIATION),
    Role.ITC: (Kind.ITC, Kind.LEAD),
    Role.ASSOCIATION_STAFF: (
        Kind.EMPLOYER_ASSOCIATION,
        Kind.SUPPORT_AGENCY,
        Kind.RESEARCH_INSTITUTE,
        Kind.LEAD,
    ),
}
# How long after an invitation was used the same form sent again (double click, a resent POST, two requests
# at once) is answered like the first one instead of "already used".
REPEAT_WINDOW = dt.timedelta(minutes=10)


class InvitationError(Exception):
    """An invitation link that cannot be used (unknown, expired, revoked, used, wrong account).

    ``str(error)`` is the Japanese message (msgid) for the person who clicked the link.
    """


def token_hash(token: str) -> str:
    """SHA-256 hex digest (64 chars) of an invitation token, as stored in ``Invitation.token_hash``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------- selectors


def membership_can_invite(*, membership: Membership | None) -> bool:
    """Coordinators, regional coordinators and company 経営者 may invite (and see the members page)."""
    return test_rule("programs.invite", membership)


def _within_reach_of(qs: QuerySet, *, membership: Membership) -> QuerySet:
    """``qs`` (memberships or invitations: rows with ``region`` and ``company``) narrowed to those
    ``membership`` manages: all for the coordinator, its region's (by region or by the company's
    region) for a regional coordinator, its company's for a company 経営者, none for anyone else."""
    if access_rules.acts_as_coordinator(membership):
        return qs
    if access_rules.acts_as_regional_coordinator(membership):
        return qs.filter(Q(region=membership.region_id) | Q(company__region=membership.region_id))
    if access_rules.is_executive(membership):
        return qs.filter(company=membership.company_id)
    return qs.none()


def memberships_visible_to(*, membership: Membership) -> QuerySet[Membership]:
    """Memberships listed on the members page for ``membership`` (active and inactive).

    coordinator: every membership of the consortium; regional coordinator: those of its region (by region
    or by the company's region); company 経営者: its company's members; anyone else: none.
    """
    qs = (
        Membership.objects.filter(consortium=membership.consortium_id)
        .select_related("user", "organization", "company", "region")
        .order_by("-is_active", "role", "user__last_name", "user__email")
    )
    return _within_reach_of(qs, membership=membership)


def invitations_pending_for(*, membership: Membership) -> QuerySet[Invitation]:
    """Open invitations (not accepted, not revoked, not expired) that ``membership`` may see and revoke."""
    qs = Invitation.objects.filter(
        consortium=membership.consortium_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("organization", "company", "region", "invited_by")
    return _within_reach_of(qs, membership=membership)


def invitation_get_by_token(*, token: str) -> Invitation | None:
    """The invitation whose token is ``token`` (any consortium: the link carries no tenant), or None."""
    if not token or len(token) > 200:
        return None
    with scopes_disabled():
        return (
            Invitation.objects.select_related("consortium", "organization", "company", "region")
            .filter(token_hash=token_hash(token))
            .first()
        )


def invitation_refusal(*, invitation: Invitation | None, now: dt.datetime | None = None) -> str | None:
    """Why the link cannot be used (Japanese message), or None when it is open."""
    now = now or timezone.now()
    if invitation is None:
        return _("この招待リンクは無効です。URL をもう一度確認してください。")
    if invitation.revoked_at is not None:
        return _("この招待は取り消されています。")
    if invitation.accepted_at is not None:
        return _("この招待リンクは既に使用されています。")
    if invitation.expires_at <= now:
        return _("この招待リンクの有効期限が切れています。招待した方に再送を依頼してください。")
    return None


def invitation_may_repeat(
    *, invitation: Invitation | None, user: Any, now: dt.datetime | None = None
) -> bool:
    """True when a POST of the accept page may be the repeat of the one that used ``invitation``.

    That is: accepted (and not revoked) less than REPEAT_WINDOW ago, and ``user`` is the account that
    accepted it, or anonymous (the signup form; ``invitation_signup`` then checks the password).
    """
    now = now or timezone.now()
    if invitation is None or invitation.accepted_at is None or invitation.revoked_at is not None:
        return False
    if now - invitation.accepted_at > REPEAT_WINDOW:
        return False
    return not user.is_authenticated or invitation.accepted_by_id == user.pk


def _locked(invitation: Invitation) -> Invitation:
    """``invitation`` re-read with its row locked until the transaction ends (one use at a time)."""
    with scopes_disabled():
        return (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("consortium", "organization", "company", "region")
            .get(pk=invitation.pk)
        )


def user_has_verified_email(*, user: Any, email: str) -> bool:
    """True when ``user`` has ``email`` as a verified address (allauth EmailAddress)."""
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def user_exists_for_email(*, email: str) -> bool:
    """True when an account already holds ``email``: as its user email or as a VERIFIED allauth address.

    An unverified address added by someone else does not count: it proves nothing, and counting it let
    anyone block an invitee's signup by adding the invited address to their own account.
    """
    from allauth.account.models import EmailAddress

    return (
        get_user_model().objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email, verified=True).exists()
    )


def users_with_verified_email(*, email: str) -> list[Any]:
    """Active users that have ``email`` (case-insensitive) as a verified allauth address; usually 0 or 1.

    The only accounts a password reset for ``email`` may reach (dxcommunity.accounts.allauth_forms): a
    reset mailed
    to an address nobody has verified would hand the account to whoever reads that mailbox.
    """
    from allauth.account.models import EmailAddress

    user_ids = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True))


def email_open_invitation_exists(*, email: str, now: dt.datetime | None = None) -> bool:
    """True when an invitation to ``email`` (any consortium) is still open: not accepted, revoked, expired."""
    now = now or timezone.now()
    with scopes_disabled():
        return Invitation.objects.filter(
            email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).exists()


def email_claimed_by_others(*, email: str, user: Any) -> bool:
    """True when ``user`` may not add ``email`` to their account.

    That is when another account uses it (user email, or an allauth address verified or not) or an open
    invitation was sent to it: the address belongs to the invitee, who signs up through the link.
    """
    from allauth.account.models import EmailAddress

    others = get_user_model().objects.exclude(pk=user.pk)
    return (
        others.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists()
        or email_open_invitation_exists(email=email)
    )


def users_with_totp(*, user_ids: list[int]) -> set[int]:
    """Ids among ``user_ids`` that have a TOTP authenticator (for the MFA column of the members page)."""
    from allauth.mfa.models import Authenticator

    return set(
        Authenticator.objects.filter(user_id__in=user_ids, type=Authenticator.Type.TOTP).values_list(
            "user_id", flat=True
        )
    )


# ----------------------------------------------------------------------------------------------- services


def _inviter_membership(*, consortium: Consortium, inviter: Any) -> Membership:
    membership = Membership.objects.filter(consortium=consortium, user=inviter, is_active=True).first()
    if not membership_can_invite(membership=membership):
        raise PermissionDenied(_("招待する権限がありません。"))
    return membership  # type: ignore[return-value]


def _check_same_tenant(*, consortium: Consortium, **objects: Any) -> None:
    errors = {
        field: _("このコミュニティの選択肢から選んでください。")
        for field, obj in objects.items()
        if obj is not None and obj.consortium_id != consortium.pk
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def invitation_create(
    *,
    consortium: Consortium,
    inviter: Any,
    email: str,
    role: str,
    organization: MemberOrganization | None = None,
    company: Company | None = None,
    region: Region | None = None,
    is_executive: bool = False,
    base_url: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[Invitation, str]:
    """Invite ``email`` to ``consortium`` with ``role``; send the link by email; return (invitation, token).

    The token (``secrets.token_urlsafe(32)``) is returned and mailed but only its SHA-256 is stored.
    ``base_url`` ("https://host", no trailing slash) makes the link absolute; default ``settings.SITE_URL``.
    Raises PermissionDenied when ``inviter`` may not invite this role (see module docstring) and
    ValidationError({field: message}) for incoherent input: bank_staff needs a bank organization, vendor an
    IT vendor / association, company_member a company, regional_coordinator a region; organization, company
    and region must belong to ``consortium``; the email must not be a member already nor invited already.

    The same form sent twice (same ``idempotency_key``, dxcommunity.idempotency) invites and mails once;
    the repeat returns (the first invitation, "") as the token is not stored. Invitations of a consortium
    are made one at a time (its row is locked), so two at once cannot both invite the same email.
    """
    Consortium.objects.select_for_update().filter(pk=consortium.pk).first()
    tokens: list[str] = []

    def create() -> Invitation:
        invitation, token = _invitation_create(
            consortium=consortium,
            inviter=inviter,
            email=email,
            role=role,
            organization=organization,
            company=company,
            region=region,
            is_executive=is_executive,
            base_url=base_url,
        )
        tokens.append(token)
        return invitation

    invitation, _created = create_once(
        key=idempotency_key,
        scope="programs.invitation_create",
        consortium_id=consortium.pk,
        user=inviter,
        create=create,
    )
    return invitation, (tokens[0] if tokens else "")


def _invitation_create(
    *,
    consortium: Consortium,
    inviter: Any,
    email: str,
    role: str,
    organization: MemberOrganization | None,
    company: Company | None,
    region: Region | None,
    is_executive: bool,
    base_url: str | None,
) -> tuple[Invitation, str]:
    email = (email or "").strip().lower()
    actor = _inviter_membership(consortium=consortium, inviter=inviter)
    _check_same_tenant(consortium=consortium, organization=organization, company=company, region=region)
    if role not in Role.values:
        raise ValidationError({"role": _("役割を選んでください。")})

    # Who may invite whom.
    if access_rules.acts_as_regional_coordinator(actor):
        if not access_rules.may_invite_role(actor, role):
            raise PermissionDenied(_("地域まとめは事務局（全体まとめ）を招待できません。"))
        region = region or actor.region
        if region is None or region.pk != actor.region_id:
            raise ValidationError({"region": _("自分の地域のメンバーだけを招待できます。")})
        if company is not None and company.region_id != actor.region_id:
            raise ValidationError({"company": _("自分の地域の企業だけを選べます。")})
        if organization is not None and organization.region_id not in (None, actor.region_id):
            raise ValidationError({"organization": _("自分の地域の構成員だけを選べます。")})
    elif access_rules.acts_as_company(actor):
        if not access_rules.may_invite_role(actor, role):
            raise PermissionDenied(_("経営者が招待できるのは自社の社員だけです。"))
        company = company or actor.company
        if company is None or company.pk != actor.company_id:
            raise PermissionDenied(_("経営者が招待できるのは自社の社員だけです。"))
        organization, region = None, None

    # Role / organization / company coherence.
    errors: dict[str, str] = {}
    if access_rules.invited_role_is_company(role):
        if company is None:
            errors["company"] = _("支援先企業の方を招待するときは企業を選んでください。")
        if organization is not None:
            errors["organization"] = _("支援先企業の方には構成員を選ばないでください。")
    else:
        if company is not None:
            errors["company"] = _("企業を選べるのは支援先企業の方を招待するときだけです。")
        if is_executive:
            errors["is_executive"] = _("経営者は支援先企業の方にだけ設定できます。")
    kinds = ROLE_ORGANIZATION_KINDS.get(role)
    if access_rules.invited_role_needs_organization(role) and organization is None:
        errors["organization"] = _("この役割には所属する構成員を選んでください。")
    elif organization is not None and kinds is not None and organization.kind not in kinds:
        errors["organization"] = _("この役割には %(kinds)s の構成員を選んでください。") % {
            "kinds": pgettext("joins alternatives", "・").join(str(Kind(k).label) for k in kinds)
        }
    if access_rules.invited_role_needs_region(role) and region is None:
        errors["region"] = _("地域まとめを招待するときは地域を選んでください。")
    if errors:
        raise ValidationError(errors)

    if Membership.objects.filter(consortium=consortium, user__email__iexact=email, is_active=True).exists():
        raise ValidationError(
            {"email": _("%(email)s は既にこのコミュニティのメンバーです。") % {"email": email}}
        )
    now = timezone.now()
    if Invitation.objects.filter(
        consortium=consortium,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).exists():
        raise ValidationError(
            {
                "email": _("%(email)s には未承諾の招待があります。取り消してから招待し直してください。")
                % {"email": email}
            }
        )

    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        consortium=consortium,
        email=email,
        role=role,
        organization=organization,
        company=company,
        region=region if region is not None else (company.region if company is not None else None),
        is_executive=bool(is_executive) if access_rules.invited_role_is_company(role) else False,
        token_hash=token_hash(token),
        invited_by=inviter,
        expires_at=now + dt.timedelta(days=getattr(settings, "INVITATION_TTL_DAYS", 7)),
    )
    invitation.full_clean()
    invitation.save()
    _send_invitation_mail(invitation=invitation, token=token, inviter=inviter, base_url=base_url)
    return invitation, token


def invitation_accept_url(*, token: str, base_url: str | None = None) -> str:
    """Absolute URL of the accept page for ``token``."""
    base = (base_url or getattr(settings, "SITE_URL", "http://127.0.0.1:8000")).rstrip("/")
    return base + reverse("invitation_accept", kwargs={"token": token})


def _send_invitation_mail(*, invitation: Invitation, token: str, inviter: Any, base_url: str | None) -> None:
    inviter_name = person_name(inviter)
    context = {
        "consortium": invitation.consortium.name,
        "inviter": inviter_name,
        "role": invitation.get_role_display(),
        "url": invitation_accept_url(token=token, base_url=base_url),
        "expires": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
    }
    subject = _("【%(consortium)s】メンバー招待のお知らせ") % context
    body = (
        _(
            "%(inviter)s さんから %(consortium)s に「%(role)s」として招待されました。\n\n"
            "次のリンクを開いて参加してください（%(expires)s まで有効、1回限り）:\n%(url)s\n\n"
            "心当たりがない場合は、このメールを破棄してください。"
        )
        % context
    )
    send_mail(subject, body, None, [invitation.email])


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Any) -> Invitation:
    """Revoke an open invitation so that its link is refused.

    Raises PermissionDenied when ``actor`` may not see it (members page rules) and ValidationError when it
    was already accepted or revoked.
    """
    membership = Membership.objects.filter(
        consortium=invitation.consortium_id, user=actor, is_active=True
    ).first()
    if (
        membership is None
        or not invitations_pending_for(membership=membership).filter(pk=invitation.pk).exists()
    ):
        if invitation.accepted_at is not None or invitation.revoked_at is not None:
            raise ValidationError(_("この招待は既に承諾または取り消されています。"))
        raise PermissionDenied(_("この招待を取り消す権限がありません。"))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: Any) -> Membership:
    """Use the invitation link ``token`` as ``user``: create (or reactivate) the membership; mark it used.

    Refused with InvitationError (nothing changes) when the token is unknown, expired, revoked or used, when
    ``user`` has no verified email equal to the invitation's, or when the user is an active member already.
    A conditional update marks the invitation accepted, so two clicks at once cannot both use it; the
    same user using it again within REPEAT_WINDOW (the click sent twice) gets the same membership back.
    """
    invitation = invitation_get_by_token(token=token)
    now = timezone.now()
    if invitation is not None:
        invitation = _locked(invitation)
        if invitation_may_repeat(invitation=invitation, user=user, now=now) and user.is_authenticated:
            with scopes_disabled():
                repeated = Membership.objects.filter(
                    consortium=invitation.consortium_id, user=user, is_active=True
                ).first()
            if repeated is not None:
                return repeated
    refusal = invitation_refusal(invitation=invitation, now=now)
    if refusal:
        raise InvitationError(refusal)
    assert invitation is not None
    if not user_has_verified_email(user=user, email=invitation.email):
        raise InvitationError(
            _("この招待は %(email)s 宛てです。そのメールアドレスのアカウントでログインしてください。")
            % {"email": invitation.email}
        )
    with scopes_disabled():
        existing = Membership.objects.filter(consortium=invitation.consortium_id, user=user).first()
        if existing is not None and existing.is_active:
            raise InvitationError(_("既にこのコミュニティのメンバーです。"))
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now, accepted_by=user, updated_at=now)
        if claimed != 1:
            raise InvitationError(_("この招待リンクは既に使用されています。"))
        # Saved once more through the model so that django-simple-history records who accepted it.
        invitation.accepted_at, invitation.accepted_by, invitation.updated_at = now, user, now
        invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])

        membership = existing or Membership(consortium=invitation.consortium, user=user)
        membership.role = invitation.role
        membership.organization = invitation.organization
        membership.company = invitation.company
        membership.region = invitation.region
        membership.is_executive = invitation.is_executive
        membership.is_active = True
        membership.full_clean()
        membership.save()
    return membership


@transaction.atomic
def invitation_signup(*, token: str, last_name: str, first_name: str, password: str) -> Any:
    """Create the account of an invited person (no account yet for the invitation's email) and accept.

    The email address is stored as verified: opening the link proves it. ``password`` must already have
    passed Django's password validators (the form does it). Raises InvitationError like
    ``invitation_accept``, and when an account with that email exists already (log in instead).

    The same form sent twice (double click, two requests at once: the invitation row is locked, so they
    run one after the other) creates one account: within REPEAT_WINDOW of the first, a repeat with the
    same password returns the account the first one created.
    """
    invitation = invitation_get_by_token(token=token)
    if invitation is not None:
        invitation = _locked(invitation)
        repeated = _signup_repeated(invitation=invitation, password=password)
        if repeated is not None:
            return repeated
    refusal = invitation_refusal(invitation=invitation)
    if refusal:
        raise InvitationError(refusal)
    assert invitation is not None
    exists = InvitationError(
        _("このメールアドレスのアカウントは既にあります。ログインしてから参加してください。")
    )
    if user_exists_for_email(email=invitation.email):
        raise exists
    from allauth.account.models import EmailAddress

    try:
        with transaction.atomic():  # an account made elsewhere at the same moment: refused, not a 500
            user = get_user_model().objects.create_user(
                username=invitation.email,
                email=invitation.email,
                password=password,
                last_name=last_name.strip(),
                first_name=first_name.strip(),
            )
    except IntegrityError:
        raise exists from None
    # Opening the link proves the address is the invitee's: unverified claims of it on other accounts go
    # (their verification mails went to this invitee's mailbox anyway).
    EmailAddress.objects.filter(email__iexact=invitation.email, verified=False).delete()
    EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)
    invitation_accept(token=token, user=user)
    return user


def membership_manage_refusal(*, membership: Membership, actor: Any) -> str | None:
    """Why ``actor`` may not deactivate or re-activate ``membership`` (Japanese message), or None.

    Only the coordinator (any membership) or a regional coordinator (memberships of its region) may; nobody
    changes their own membership.
    """
    actor_membership = Membership.objects.filter(
        consortium=membership.consortium_id, user=actor, is_active=True
    ).first()
    if not test_rule("programs.deactivate_members", actor_membership):
        return _("メンバーを無効にする権限がありません。")
    if membership.user_id == actor.pk:
        return _("自分自身を無効にすることはできません。")
    if not memberships_visible_to(membership=actor_membership).filter(pk=membership.pk).exists():
        return _("メンバーを無効にする権限がありません。")
    return None


def _signup_repeated(*, invitation: Invitation, password: str) -> Any | None:
    """The account a signup with this invitation created moments ago, when ``password`` is its password."""
    if not invitation_may_repeat(invitation=invitation, user=AnonymousUser()):
        return None
    user = invitation.accepted_by
    if user is None or user.email.lower() != invitation.email.lower() or not user.check_password(password):
        return None
    if abs(user.date_joined - invitation.accepted_at) > REPEAT_WINDOW:
        return None  # an account that existed before and joined through the log-in path
    return user


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor: Any) -> Membership:
    """Deactivate ``membership`` (the person loses access to the consortium; the row and history stay).

    Undone by ``membership_reactivate``. Who may: ``membership_manage_refusal``; PermissionDenied
    otherwise. The change is recorded in the membership's history with ``actor`` as the user.
    """
    refusal = membership_manage_refusal(membership=membership, actor=actor)
    if refusal:
        raise PermissionDenied(refusal)
    membership.is_active = False
    membership._history_user = actor  # simple-history: the actor even outside a request
    membership.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def membership_reactivate(*, membership: Membership, actor: Any) -> Membership:
    """Re-activate a deactivated ``membership``: the person gets the same role and access back.

    Same permission as ``membership_deactivate`` (PermissionDenied otherwise); an active membership is
    returned unchanged. Recorded in the membership's history with ``actor`` as the user.
    """
    refusal = membership_manage_refusal(membership=membership, actor=actor)
    if refusal:
        raise PermissionDenied(refusal)
    if membership.is_active:
        return membership
    membership.is_active = True
    membership._history_user = actor
    membership.save(update_fields=["is_active"])
    return membership
