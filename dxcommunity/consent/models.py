"""Company consent rows: what a company shares with which organization, who looked, and bank comments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dxcommunity.tenancy.models import Company, MemberOrganization, TenantModel


class CompanyShare(TenantModel):
    """The company's consent: an organization may see its diagnosis and/or plan until revoked."""

    class Subject(models.TextChoices):
        DIAGNOSIS = "diagnosis", _("DX自己診断")
        PLAN = "plan", _("DX推進計画書")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="shares")
    organization = models.ForeignKey(MemberOrganization, on_delete=models.CASCADE, related_name="shares")
    subject = models.CharField(_("対象"), max_length=20, choices=Subject.choices)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("共有設定")
        verbose_name_plural = _("共有設定")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "organization", "subject"],
                condition=models.Q(revoked_at__isnull=True),
                name="programs_companyshare_one_active_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} → {self.organization} ({self.get_subject_display()})"


class AccessLog(TenantModel):
    """One view of a company's diagnosis, plan or document by a bank or vendor user (shown to the company)."""

    class Subject(models.TextChoices):
        DIAGNOSIS = "diagnosis", _("DX自己診断")
        PLAN = "plan", _("DX推進計画書")
        DOCUMENT = "document", _("PDF")
        SESSION_LOG = "session_log", _("セッション記録")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="access_logs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        MemberOrganization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("対象"), max_length=20, choices=Subject.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("閲覧記録")
        verbose_name_plural = _("閲覧記録")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["company", "-created_at"], name="programs_accesslog_company_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.subject} {self.created_at:%Y-%m-%d %H:%M}"


class CompanyComment(TenantModel):
    """A supporter's comment on a company (bank staff may add their own; read-only otherwise)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        MemberOrganization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("コメント"), max_length=4000)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("コメント")
        verbose_name_plural = _("コメント")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:20]}"
