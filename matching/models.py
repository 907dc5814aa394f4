"""Matching (マッチング支援): the tool database, company needs, and vendors' answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dxcommunity.tenancy import TenantModel


class Category(models.TextChoices):
    """Solution categories used in the tool database (seeds 000, 001)."""

    IOT = "iot", "IoT"
    AI = "ai", "AI"
    XR = "xr", "XR"
    IMAGE_ANALYSIS = "image_analysis", _("画像解析")
    CORE_BUSINESS = "core_business", _("基幹業務")
    WEB_EC = "web_ec", _("HP・EC")
    SNS = "sns", "SNS"
    POS = "pos", _("POSレジ")
    INFO_SHARING = "info_sharing", _("情報共有")
    SECURITY = "security", _("セキュリティ")
    OTHER = "other", _("その他")


class Solution(TenantModel):
    """An entry of the tool database (ツールデータベース) offered by a vendor."""

    vendor = models.ForeignKey(
        "programs.MemberOrganization", on_delete=models.CASCADE, related_name="solutions"
    )
    name = models.CharField(_("ソリューション名"), max_length=200)
    category = models.CharField(_("カテゴリ"), max_length=20, choices=Category.choices)
    description = models.TextField(_("概要"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ソリューション")
        verbose_name_plural = _("ソリューション")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class MatchingRequest(TenantModel):
    """A company need recorded for matching, addressed to one or more vendors."""

    class Status(models.TextChoices):
        HEARING = "hearing", _("ヒアリング")
        CANDIDATES = "candidates", _("候補選定")
        INTRODUCTION = "introduction", _("紹介")
        PROPOSAL = "proposal", _("提案・PoC")
        CONTRACT = "contract", _("契約")
        DECLINED = "declined", _("見送り")

    class Source(models.TextChoices):
        SEMINAR = "seminar", _("セミナー")
        DIAGNOSIS = "diagnosis", _("自己診断")
        SESSION = "session", _("伴走支援")
        INTERIM_REPORT = "interim_report", _("中間報告")

    company = models.ForeignKey(
        "programs.Company", on_delete=models.CASCADE, related_name="matching_requests"
    )
    title = models.CharField(_("ニーズ"), max_length=200)
    description = models.TextField(_("詳細"), blank=True)
    category = models.CharField(_("カテゴリ"), max_length=20, choices=Category.choices)
    source = models.CharField(
        _("ニーズの出所"), max_length=20, choices=Source.choices, default=Source.SESSION
    )
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.HEARING)
    vendors = models.ManyToManyField(
        "programs.MemberOrganization", verbose_name=_("依頼先ベンダー"), related_name="matching_requests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[vendors])

    class Meta:
        verbose_name = _("マッチング依頼")
        verbose_name_plural = _("マッチング依頼")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.company}: {self.title}"


class VendorResponse(TenantModel):
    """A vendor's answer to a matching request."""

    request = models.ForeignKey(MatchingRequest, on_delete=models.CASCADE, related_name="responses")
    vendor = models.ForeignKey("programs.MemberOrganization", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("回答"))
    solution = models.ForeignKey(Solution, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ベンダー回答")
        verbose_name_plural = _("ベンダー回答")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.vendor} → {self.request}"
