"""Matching (マッチング支援): the tool database, company needs, and vendors' answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dxcommunity.concurrency import VersionedHistoricalRecords, VersionField
from dxcommunity.tenancy.models import TenantModel


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
        "dxcommunity.MemberOrganization", on_delete=models.CASCADE, related_name="solutions"
    )
    name = models.CharField(_("ソリューション名"), max_length=200)
    category = models.CharField(_("カテゴリ"), max_length=20, choices=Category.choices)
    description = models.TextField(_("概要"), blank=True)
    regions = models.ManyToManyField(
        "dxcommunity.Region",
        verbose_name=_("対応地域"),
        related_name="solutions",
        blank=True,
        help_text=_("空欄は全地域に対応"),
    )
    price_min = models.PositiveIntegerField(_("価格（下限・円）"), null=True, blank=True)
    price_max = models.PositiveIntegerField(_("価格（上限・円）"), null=True, blank=True)
    price_note = models.CharField(
        _("価格の補足"), max_length=200, blank=True, help_text=_("例: 月額、初期費用別")
    )
    it_subsidy_eligible = models.BooleanField(_("IT導入補助金の対象"), default=False)
    item_codes = models.JSONField(
        _("対応するDX推進指標の項目"),
        default=list,
        blank=True,
        help_text=_('定性指標No.のリスト（例: ["4", "4-1"]）。診断で弱い項目からの提案に使います。'),
    )
    keywords = models.CharField(_("キーワード"), max_length=300, blank=True)
    url = models.URLField(_("製品URL"), blank=True)
    is_published = models.BooleanField(_("公開"), default=True)
    search_text = models.TextField(editable=False, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = VersionField()
    history = VersionedHistoricalRecords(m2m_fields=[regions])

    class Meta:
        verbose_name = _("ソリューション")
        verbose_name_plural = _("ソリューション")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class SolutionCase(TenantModel):
    """A case example (導入事例) of a solution: who used it and what came of it."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="cases")
    title = models.CharField(_("事例名"), max_length=200)
    industry = models.CharField(_("業種"), max_length=100, blank=True)
    company_size = models.CharField(_("企業規模"), max_length=100, blank=True)
    region = models.CharField(_("地域"), max_length=100, blank=True)
    summary = models.TextField(_("概要"), blank=True)
    result = models.TextField(_("効果"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("導入事例")
        verbose_name_plural = _("導入事例")
        ordering = ["solution", "title"]

    def __str__(self) -> str:
        return self.title


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
        "dxcommunity.Company", on_delete=models.CASCADE, related_name="matching_requests"
    )
    title = models.CharField(_("ニーズ"), max_length=200)
    description = models.TextField(_("詳細"), blank=True)
    category = models.CharField(_("カテゴリ"), max_length=20, choices=Category.choices)
    source = models.CharField(
        _("ニーズの出所"), max_length=20, choices=Source.choices, default=Source.SESSION
    )
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.HEARING)
    vendors = models.ManyToManyField(
        "dxcommunity.MemberOrganization", verbose_name=_("依頼先ベンダー"), related_name="matching_requests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("事業"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matching_requests",
    )
    itc = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当ITC（橋渡し）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_event = models.ForeignKey(
        "programs.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_session = models.ForeignKey(
        "accompaniment.AccompanimentSession",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_item_codes = models.JSONField(
        _("診断の弱い項目"), default=list, blank=True, help_text=_("定性指標No.のリスト")
    )
    candidates = models.ManyToManyField(
        Solution, verbose_name=_("候補ソリューション"), related_name="candidate_for", blank=True
    )
    contract_amount = models.PositiveIntegerField(_("契約金額（円）"), null=True, blank=True)
    outcome_note = models.TextField(_("結果"), blank=True)
    declined_reason = models.TextField(_("見送り理由"), blank=True)
    closed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[vendors, candidates])

    class Meta:
        verbose_name = _("マッチング依頼")
        verbose_name_plural = _("マッチング依頼")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.company}: {self.title}"

    def save(self, *args, **kwargs) -> None:
        """A new need without a program belongs to the company's current participation's program
        (``programs.participations.selectors.participation_current``; none for a company in no program)."""
        if self._state.adding and self.program_id is None and self.company_id:
            from programs.models import Participation
            from programs.participations.selectors import participation_current_pk

            pk = participation_current_pk(company_pk=self.company_id, consortium_id=self.consortium_id)
            if pk is not None:
                self.program_id = (
                    Participation.objects.filter(pk=pk).values_list("program_id", flat=True).first()
                )
        super().save(*args, **kwargs)


class MatchingStatusChange(TenantModel):
    """One step of a request's pipeline (hearing → candidates → introduction → proposal/PoC → contract or
    declined): from, to, note, who, when. Written by ``matching.services`` on every status change."""

    request = models.ForeignKey(MatchingRequest, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=MatchingRequest.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=MatchingRequest.Status.choices)
    note = models.TextField(_("メモ"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("進捗")
        verbose_name_plural = _("進捗")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status} → {self.to_status}"


class VendorResponse(TenantModel):
    """A vendor's answer to a matching request."""

    request = models.ForeignKey(MatchingRequest, on_delete=models.CASCADE, related_name="responses")
    vendor = models.ForeignKey("dxcommunity.MemberOrganization", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Answer(models.TextChoices):
        PROPOSE = "propose", _("提案する")
        QUESTION = "question", _("質問・追加ヒアリング希望")
        DECLINE = "decline", _("辞退する")

    message = models.TextField(_("回答"))
    solution = models.ForeignKey(Solution, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answer = models.CharField(_("回答区分"), max_length=10, choices=Answer.choices, default=Answer.PROPOSE)
    proposed_price = models.PositiveIntegerField(_("概算見積（円）"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ベンダー回答")
        verbose_name_plural = _("ベンダー回答")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.vendor} → {self.request}"
