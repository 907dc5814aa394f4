"""Tenancy: one consortium (地域DX推進コミュニティ) is one tenant.

Every tenant-owned row has a direct foreign key ``consortium`` and a ``ScopedManager`` (django-scopes):
a query on such a model outside ``scope(consortium=...)`` raises ``ScopeError`` instead of returning
other consortia's rows. ``ConsortiumMiddleware`` activates the scope for every URL under
``/c/<consortium_slug>/``; tasks and commands activate it themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django_scopes import scope, scopes_disabled

if TYPE_CHECKING:
    from dxcommunity.tenancy.models import Consortium, Membership


class ConsortiumMiddleware:
    """Resolve ``consortium_slug`` from the URL, check membership, activate the tenant scope.

    Sets ``request.consortium`` and ``request.membership``. A consortium that does not exist and one the
    user is not a member of are the same 404. Anonymous users are sent to the login page.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.consortium = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("consortium_slug")
        if slug is None:
            if match.app_name == "admin":
                # The admin is staff-only and spans tenants on purpose.
                with scopes_disabled():
                    return self.get_response(request)
            return self.get_response(request)
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        consortium, membership = _load_membership(slug=slug, user=request.user)
        if membership is None:
            raise Http404("No such consortium.")
        request.consortium = consortium  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        if request.session.get("last_consortium") != slug:  # no session write on every page
            request.session["last_consortium"] = slug
        # Rules (programs.rules.membership_for) reuse this membership instead of reading it again.
        request.user.__dict__.setdefault("_membership_cache", {})[consortium.pk] = membership
        with scope(consortium=consortium):
            return self.get_response(request)


def _load_membership(*, slug: str, user: Any) -> tuple[Consortium | None, Membership | None]:
    from dxcommunity.tenancy.models import Membership

    membership = (
        Membership.objects.select_related("consortium", "organization", "company", "region")
        .filter(consortium__slug=slug, user=user, is_active=True)
        .first()
    )
    if membership is None:
        return None, None
    return membership.consortium, membership


def consortium_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: the current consortium, membership and the user's other consortia."""
    context: dict[str, Any] = {
        "consortium": getattr(request, "consortium", None),
        "membership": getattr(request, "membership", None),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from dxcommunity.tenancy.models import Membership

        context["my_memberships"] = list(
            Membership.objects.filter(user=user, is_active=True).select_related("consortium")
        )
    return context


def home_redirect(request: HttpRequest) -> HttpResponse:
    """Send a logged-in user to their last (or only) consortium; otherwise to login."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    from dxcommunity.tenancy.models import Membership

    memberships = list(
        Membership.objects.filter(user=request.user, is_active=True).select_related("consortium")
    )
    last = request.session.get("last_consortium")
    for m in memberships:
        if m.consortium.slug == last:
            return redirect("companies:home", consortium_slug=m.consortium.slug)
    if len(memberships) == 1:
        return redirect("companies:home", consortium_slug=memberships[0].consortium.slug)
    from django.shortcuts import render

    return render(request, "choose_consortium.html", {"memberships": memberships})


__all__ = ["ConsortiumMiddleware", "scope", "scopes_disabled"]
