"""The Django admin: staff only, with TOTP, logged in through allauth (so the 2FA step cannot be skipped).

``AdminConfig`` replaces ``django.contrib.admin`` in INSTALLED_APPS so that ``admin.site`` (where every app
registers its models) is an ``AdminSite`` instance. Changes are audited by django-simple-history
(``HistoryRequestMiddleware`` records the admin user as ``history_user``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dxcommunity.accounts.mfa import has_totp


class AdminSite(admin.AdminSite):
    """Admin for active staff users with a TOTP authenticator; the login is allauth's."""

    site_header = gettext_lazy("dxcommunity 管理サイト")
    site_title = gettext_lazy("dxcommunity 管理")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and has_totp(user))

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Anonymous → allauth login (with next); non-staff → 403; staff without TOTP → TOTP setup."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{resolve_url('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        if not has_totp(user):
            messages.warning(request, _("管理サイトを使うには二要素認証（認証アプリ）の設定が必要です。"))
            return redirect("mfa_activate_totp")
        return redirect(next_url)


class TenantInlinesMixin:
    """For a ModelAdmin with inlines: the inline rows take the consortium of the row they belong to
    (every tenant row has its own consortium FK, which the inline forms do not show)."""

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj.consortium_id = form.instance.consortium_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin with ``AdminSite`` as the default site."""

    default_site = "dxcommunity.accounts.admin_site.AdminSite"
