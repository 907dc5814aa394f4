"""Views of the members namespace (/c/<slug>/members/) and of the invitation link (/invitations/<token>/).

Members page: coordinators (all members; regional coordinators their region) and company 経営者 (their
company's members); anyone else gets a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rules import test_rule

from dxcommunity import idempotency
from dxcommunity.access.rules import acts_as_company, acts_as_regional_coordinator
from dxcommunity.accounts import invitations
from dxcommunity.accounts.forms import InvitationSignupForm, InviteForm
from dxcommunity.tenancy.models import Membership
from dxcommunity.ui.forms import form_add_service_error

Role = Membership.Role


def _require_inviter(request: HttpRequest) -> Membership:
    membership: Membership = request.membership
    if not invitations.membership_can_invite(membership=membership):
        raise Http404("No members page for this role.")
    return membership


def index(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Members, pending invitations and the invite form (POST: invite, button 「招待する」)."""
    membership = _require_inviter(request)
    for_executive = bool(acts_as_company(membership))
    form = InviteForm(
        request.POST or None,
        consortium=request.consortium,
        for_executive=for_executive,
        region=membership.region if acts_as_regional_coordinator(membership) else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _token = invitations.invitation_create(
                consortium=request.consortium,
                inviter=request.user,
                email=data["email"],
                role=Role.COMPANY_MEMBER if for_executive else data["role"],
                organization=data.get("organization"),
                company=membership.company if for_executive else data.get("company"),
                region=data.get("region"),
                is_executive=data.get("is_executive", False),
                base_url=request.build_absolute_uri("/").rstrip("/"),
                idempotency_key=idempotency.key_from(request),
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("この招待はできません。"))
        else:
            messages.success(request, _("%(email)s に招待メールを送りました。") % {"email": invitation.email})
            return redirect("members:index", consortium_slug=consortium_slug)
    members = list(invitations.memberships_visible_to(membership=membership))
    mfa_user_ids = invitations.users_with_totp(user_ids=[m.user_id for m in members])
    context: dict[str, Any] = {
        "form": form,
        "for_executive": for_executive,
        "members": members,
        "mfa_user_ids": mfa_user_ids,
        "pending": invitations.invitations_pending_for(membership=membership),
        "can_deactivate": test_rule("programs.deactivate_members", membership),
    }
    return render(request, "programs/members.html", context, status=400 if form.errors else 200)


@require_POST
def invitation_revoke(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Revoke a pending invitation (POST)."""
    membership = _require_inviter(request)
    invitation = invitations.invitations_pending_for(membership=membership).filter(pk=pk).first()
    if invitation is None:
        raise Http404("No such invitation.")
    invitations.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, _("%(email)s への招待を取り消しました。") % {"email": invitation.email})
    return redirect("members:index", consortium_slug=consortium_slug)


def _managed_target(request: HttpRequest, pk: int) -> Membership:
    """The membership ``pk`` as listed on the members page; 404 when not listed, 403 when listed but
    not the actor's to change (a company 経営者, or the actor's own membership)."""
    membership = _require_inviter(request)
    target = invitations.memberships_visible_to(membership=membership).filter(pk=pk).first()
    if target is None:
        raise Http404("No such membership.")
    refusal = invitations.membership_manage_refusal(membership=target, actor=request.user)
    if refusal:
        raise PermissionDenied(refusal)
    return target


@require_http_methods(["GET", "POST"])
def membership_deactivate(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """GET: what deactivating means (button 「無効にする」); POST: deactivate (coordinators, not their own).

    Undone from the members page (「有効に戻す」, ``membership_reactivate``).
    """
    target = _managed_target(request, pk)
    if request.method == "GET" or not target.is_active:
        if not target.is_active:
            messages.info(request, _("%(email)s は既に無効です。") % {"email": target.user.email})
            return redirect("members:index", consortium_slug=consortium_slug)
        return render(request, "programs/member_deactivate.html", {"target": target})
    invitations.membership_deactivate(membership=target, actor=request.user)
    messages.success(
        request,
        _("%(email)s を無効にしました。メンバー一覧の「有効に戻す」で元に戻せます。")
        % {"email": target.user.email},
    )
    return redirect("members:index", consortium_slug=consortium_slug)


@require_POST
def membership_reactivate(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Re-activate a deactivated membership (POST, button 「有効に戻す」; who may deactivate may)."""
    target = _managed_target(request, pk)
    invitations.membership_reactivate(membership=target, actor=request.user)
    messages.success(request, _("%(email)s を有効に戻しました。") % {"email": target.user.email})
    return redirect("members:index", consortium_slug=consortium_slug)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation email (no tenant in the URL).

    Refused (status 410/404, nothing changes) when unknown, expired, revoked or used. Logged in with the
    invited email → button 「参加する」; logged in as someone else → told to log out; not logged in → log in
    (with next=) or, when no account exists for that email, the signup form (姓, 名, password twice).
    """
    invitation = invitations.invitation_get_by_token(token=token)
    refusal = invitations.invitation_refusal(invitation=invitation)
    # The form sent twice: the second POST is answered like the first (the services check it is one).
    repeat = request.method == "POST" and invitations.invitation_may_repeat(
        invitation=invitation, user=request.user
    )
    if refusal and not repeat:
        return render(
            request,
            "programs/invitation_refused.html",
            {"refusal": refusal},
            status=404 if invitation is None else 410,
        )
    assert invitation is not None
    context: dict[str, Any] = {"invitation": invitation, "token": token}
    user = request.user

    if user.is_authenticated:
        if request.method == "POST" and request.POST.get("action") == "logout":
            auth_logout(request)
            return redirect("invitation_accept", token=token)
        if not invitations.user_has_verified_email(user=user, email=invitation.email):
            context["wrong_account"] = True
            return render(request, "programs/invitation_accept.html", context, status=403)
        if request.method == "POST":
            try:
                membership = invitations.invitation_accept(token=token, user=user)
            except invitations.InvitationError as error:
                return render(
                    request, "programs/invitation_refused.html", {"refusal": str(error)}, status=410
                )
            messages.success(request, _("%(name)s に参加しました。") % {"name": membership.consortium.name})
            return redirect("companies:home", consortium_slug=membership.consortium.slug)
        return render(request, "programs/invitation_accept.html", context)

    path = reverse("invitation_accept", kwargs={"token": token})
    context["login_url"] = f"{reverse('account_login')}?{urlencode({'next': path})}"
    if not repeat and invitations.user_exists_for_email(email=invitation.email):
        context["has_account"] = True
        return render(request, "programs/invitation_accept.html", context)
    form = InvitationSignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new_user = invitations.invitation_signup(
                token=token,
                last_name=data["last_name"],
                first_name=data["first_name"],
                password=data["password1"],
            )
        except invitations.InvitationError as error:
            return render(request, "programs/invitation_refused.html", {"refusal": str(error)}, status=410)
        login(request, new_user, backend="allauth.account.auth_backends.AuthenticationBackend")
        messages.success(request, _("%(name)s に参加しました。") % {"name": invitation.consortium.name})
        return redirect("companies:home", consortium_slug=invitation.consortium.slug)
    context["form"] = form
    return render(request, "programs/invitation_accept.html", context, status=400 if form.errors else 200)
