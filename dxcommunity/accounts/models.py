"""Account rows: invitations by email (people join a consortium only through one)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dxcommunity.tenancy.models import Company, MemberOrganization, Membership, Region, TenantModel


class Invitation(TenantModel):
    """An invitation by email to join the consortium with a role; single use, expires (default 7 days).

    Only a SHA-256 hash of the token is stored; the link carries the token itself.
    """

    email = models.EmailField(_("メールアドレス"))
    role = models.CharField(_("役割"), max_length=30, choices=Membership.Role.choices)
    organization = models.ForeignKey(
        MemberOrganization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    is_executive = models.BooleanField(_("経営者"), default=False)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(_("有効期限"))
    accepted_at = models.DateTimeField(_("承諾日時"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("招待")
        verbose_name_plural = _("招待")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"
