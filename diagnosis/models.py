"""DX推進指標 (METI 2019; IPA self-diagnosis format) as versioned data, and companies' diagnoses.

The index editions, groups, items and maturity levels are global reference data loaded from
``diagnosis/data/*.yaml`` (``manage.py load_index``); diagnoses and answers belong to a consortium.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dxcommunity.concurrency import VersionedHistoricalRecords, VersionField
from dxcommunity.tenancy.models import TenantModel

MATURITY_MIN = 0
MATURITY_MAX = 5


class TextStatus(models.TextChoices):
    """How sure we are of an official text (../shared/reference/dxpi-2019.yaml)."""

    VERIFIED = "verified", _("確認済")
    PARTIAL = "partial", _("部分的に確認")
    RECONSTRUCTED = "reconstructed", _("再構成（未確認）")
    UNKNOWN = "unknown", _("不明")


class IndexEdition(models.Model):
    """One edition of the DX推進指標 (e.g. ``dxpi-2019``). Reference data shared by all consortia."""

    key = models.SlugField(_("版"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    source_note = models.TextField(_("出典・注記"), blank=True)
    is_current = models.BooleanField(_("既定の版"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("DX推進指標の版")
        verbose_name_plural = _("DX推進指標の版")

    def __str__(self) -> str:
        return self.name


class MaturityLevel(models.Model):
    """A maturity level of an edition: level int 0–5 with its name and description."""

    edition = models.ForeignKey(IndexEdition, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(_("レベル"))
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("説明"), blank=True)

    class Meta:
        ordering = ["edition", "level"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "level"], name="diagnosis_maturitylevel_unique_level"),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.name}"


class IndexGroup(models.Model):
    """A part of the index: 経営 (management, 19 items) or ITシステム (it_system, 16 items)."""

    edition = models.ForeignKey(IndexEdition, on_delete=models.CASCADE, related_name="groups")
    key = models.SlugField(max_length=30)
    name = models.CharField(_("名称"), max_length=200)
    qualitative_name = models.CharField(_("定性指標の名称"), max_length=200, blank=True)
    quantitative_name = models.CharField(_("定量指標の名称"), max_length=200, blank=True)
    short_name = models.CharField(_("略称"), max_length=30, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["edition", "order"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "key"], name="diagnosis_indexgroup_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name


class IndexItem(models.Model):
    """A qualitative item (定性指標): a key question (キークエスチョン) or a sub-question under one.

    ``question`` is None where no reliable official text is known (``question_status = unknown``);
    the UI then shows only the title, never an invented text.
    """

    class Kind(models.TextChoices):
        KEY = "key", _("キークエスチョン")
        SUB = "sub", _("サブクエスチョン")

    edition = models.ForeignKey(IndexEdition, on_delete=models.CASCADE, related_name="items")
    group = models.ForeignKey(IndexGroup, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("定性指標No."), max_length=10)
    kind = models.CharField(_("種別"), max_length=3, choices=Kind.choices)
    title = models.CharField(_("項目"), max_length=200)
    title_status = models.CharField(max_length=20, choices=TextStatus.choices, default=TextStatus.UNKNOWN)
    question = models.TextField(_("設問"), null=True, blank=True)
    question_status = models.CharField(max_length=20, choices=TextStatus.choices, default=TextStatus.UNKNOWN)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["edition", "order"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="diagnosis_indexitem_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Diagnosis(TenantModel):
    """A company's DX self-diagnosis (DX自己診断) against one index edition; locked once submitted.

    ``participation``: the program year it belongs to (a company re-diagnoses each year: T0, T1, …);
    ``company`` repeats the participation's.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        SUBMITTED = "submitted", _("提出済")

    class AdviceMode(models.TextChoices):
        IN_PERSON = "in_person", _("対面")
        ONLINE = "online", _("オンライン")

    class DxStage(models.IntegerChoices):
        """DX stage of the company (002/004): self-assessment."""

        STAGE1 = 1, _("段階1 デジタル化が全く未着手")
        STAGE2 = 2, _("段階2 デジタイゼーション")
        STAGE3 = 3, _("段階3 デジタライゼーション")
        STAGE4 = 4, _("段階4 DX")

    company = models.ForeignKey("dxcommunity.Company", on_delete=models.CASCADE, related_name="diagnoses")
    participation = models.ForeignKey(
        "programs.Participation",
        verbose_name=_("参加"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="diagnoses",
        help_text=_("この自己診断を行った事業への参加（事業の外で行った診断は空）。"),
    )
    edition = models.ForeignKey(IndexEdition, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    advice_mode = models.CharField(
        _("アドバイス希望形式"), max_length=10, choices=AdviceMode.choices, blank=True
    )
    advice_date_candidates = models.TextField(_("アドバイス希望日時（候補）"), blank=True)
    questionnaire = models.TextField(_("アンケート"), blank=True)
    dx_stage = models.PositiveSmallIntegerField(
        _("DXの段階（自己評価）"), choices=DxStage.choices, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("DX診断アドバイザー"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advised_diagnoses",
        help_text=_("事務局が割り当てるITコーディネータ。割り当てられたITCはこの企業を全て閲覧できます。"),
    )
    advice_scheduled_at = models.DateTimeField(_("アドバイス日時（確定）"), null=True, blank=True)
    advice_place = models.CharField(_("アドバイス場所・URL"), max_length=300, blank=True)
    version = VersionField()
    history = VersionedHistoricalRecords()

    class Meta:
        verbose_name = _("DX自己診断")
        verbose_name_plural = _("DX自己診断")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.company} {self.created_at:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        """A new diagnosis without a participation belongs to the company's current participation
        (``programs.participations.selectors.participation_current``; none for a company in no program)."""
        if self._state.adding and self.participation_id is None and self.company_id:
            from programs.participations.selectors import participation_current_pk

            self.participation_id = participation_current_pk(
                company_pk=self.company_id, consortium_id=self.consortium_id
            )
        super().save(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.SUBMITTED


class DiagnosisAnswer(TenantModel):
    """One item's answer: maturity now and in 3 years (int 0–5, DX推進指標 2019 levels), grounds, action."""

    diagnosis = models.ForeignKey(Diagnosis, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(IndexItem, on_delete=models.PROTECT, related_name="+")
    current = models.PositiveSmallIntegerField(
        _("現在"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MATURITY_MIN), MaxValueValidator(MATURITY_MAX)],
    )
    target = models.PositiveSmallIntegerField(
        _("目標（3年後）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MATURITY_MIN), MaxValueValidator(MATURITY_MAX)],
    )
    evidence = models.TextField(_("根拠・エビデンス"), blank=True)
    action = models.TextField(_("アクション"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        constraints = [
            models.UniqueConstraint(
                fields=["diagnosis", "item"], name="diagnosis_diagnosisanswer_unique_item"
            ),
            models.CheckConstraint(
                condition=models.Q(current__isnull=True) | models.Q(current__lte=MATURITY_MAX),
                name="diagnosis_diagnosisanswer_current_range",
            ),
            models.CheckConstraint(
                condition=models.Q(target__isnull=True) | models.Q(target__lte=MATURITY_MAX),
                name="diagnosis_diagnosisanswer_target_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.current}/{self.target}"


class AdvisorSession(TenantModel):
    """The DX診断アドバイス (about 3 hours, once per company) on a submitted diagnosis."""

    diagnosis = models.OneToOneField(Diagnosis, on_delete=models.CASCADE, related_name="advisor_session")
    company = models.ForeignKey(
        "dxcommunity.Company", on_delete=models.CASCADE, related_name="advisor_sessions"
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("アドバイザー"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("実施日"))
    mode = models.CharField(_("形式"), max_length=10, choices=Diagnosis.AdviceMode.choices)
    notes = models.TextField(_("ヒアリングメモ"), blank=True)
    advice = models.TextField(_("アドバイス"), blank=True)
    weak_items = models.ManyToManyField(
        IndexItem, verbose_name=_("強化すべき項目"), blank=True, related_name="+"
    )
    target_state = models.TextField(_("目指す姿"), blank=True)
    digitization_steps = models.TextField(_("DXの前に取り組むデジタル化・デジタライゼーション"), blank=True)
    version = VersionField()
    history = VersionedHistoricalRecords(m2m_fields=[weak_items])

    class Meta:
        verbose_name = _("DX診断アドバイス")
        verbose_name_plural = _("DX診断アドバイス")

    def __str__(self) -> str:
        return f"{self.company} {self.held_on}"


class AdvisorItemNote(TenantModel):
    """The advisor's hearing note on one item of the diagnosis (項目別ヒアリングメモ)."""

    advisor_session = models.ForeignKey(AdvisorSession, on_delete=models.CASCADE, related_name="item_notes")
    item = models.ForeignKey(IndexItem, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("メモ"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("項目別ヒアリングメモ")
        verbose_name_plural = _("項目別ヒアリングメモ")
        constraints = [
            models.UniqueConstraint(
                fields=["advisor_session", "item"], name="diagnosis_advisoritemnote_unique_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.note[:20]}"


class DiagnosisReopening(TenantModel):
    """An ITC's (or coordinator's) reopening of a submitted diagnosis, with the reason (audited)."""

    diagnosis = models.ForeignKey(Diagnosis, on_delete=models.CASCADE, related_name="reopenings")
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("理由"))

    class Meta:
        verbose_name = _("差し戻し")
        verbose_name_plural = _("差し戻し")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.diagnosis}: {self.reason[:20]}"


class RespondentAnswer(TenantModel):
    """One respondent's own answer to an item (経営者 or a department head), before the agreed answer.

    current/target: int 0–5 (DX推進指標 2019 levels) or None. The agreed answer is ``DiagnosisAnswer``.
    """

    diagnosis = models.ForeignKey(Diagnosis, on_delete=models.CASCADE, related_name="respondent_answers")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(IndexItem, on_delete=models.PROTECT, related_name="+")
    current = models.PositiveSmallIntegerField(
        _("現在"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MATURITY_MIN), MaxValueValidator(MATURITY_MAX)],
    )
    target = models.PositiveSmallIntegerField(
        _("目標（3年後）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MATURITY_MIN), MaxValueValidator(MATURITY_MAX)],
    )
    evidence = models.TextField(_("根拠・エビデンス"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("回答者別の回答")
        verbose_name_plural = _("回答者別の回答")
        constraints = [
            models.UniqueConstraint(
                fields=["diagnosis", "respondent", "item"], name="diagnosis_respondentanswer_unique_item"
            ),
            models.CheckConstraint(
                condition=models.Q(current__isnull=True) | models.Q(current__lte=MATURITY_MAX),
                name="diagnosis_respondentanswer_current_range",
            ),
            models.CheckConstraint(
                condition=models.Q(target__isnull=True) | models.Q(target__lte=MATURITY_MAX),
                name="diagnosis_respondentanswer_target_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.respondent} {self.item.code}: {self.current}/{self.target}"


class QuantitativeIndicator(models.Model):
    """A quantitative indicator (定量指標) of the library that companies pick from. Reference data.

    Seeded from the reference figures (names only: units and methods there are not
    given, so they stay blank for the company to fill in).
    """

    edition = models.ForeignKey(IndexEdition, on_delete=models.CASCADE, related_name="indicators")
    group = models.ForeignKey(IndexGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("指標名"), max_length=200)
    unit = models.CharField(_("単位"), max_length=50, blank=True)
    calculation_method = models.TextField(_("算出方法"), blank=True)
    source_note = models.CharField(_("出典"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("定量指標（ライブラリ）")
        verbose_name_plural = _("定量指標（ライブラリ）")
        ordering = ["edition", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "name"], name="diagnosis_quantitativeindicator_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DiagnosisIndicator(TenantModel):
    """A quantitative indicator in a diagnosis: from the library or defined by the company.

    current_value is required to submit; values are decimals in ``unit``.
    """

    diagnosis = models.ForeignKey(Diagnosis, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.ForeignKey(
        QuantitativeIndicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("指標名"), max_length=200)
    unit = models.CharField(_("単位"), max_length=50, blank=True)
    current_value = models.DecimalField(_("現在値"), max_digits=18, decimal_places=4, null=True, blank=True)
    target_value = models.DecimalField(
        _("3年後の目標値"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    calculation_method = models.TextField(_("算出方法・エビデンス"), blank=True)
    action = models.TextField(_("アクション"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("定量指標")
        verbose_name_plural = _("定量指標")
        ordering = ["diagnosis", "order", "id"]

    def __str__(self) -> str:
        return self.name


class IpaBenchmark(models.Model):
    """IPA's published national figures for one year (自己診断結果 分析レポート). Reference data.

    Means are plain means over the 35 qualitative items (2 decimals); None where IPA's figure is not known
    here (see the reference figures).
    """

    edition = models.ForeignKey(IndexEdition, on_delete=models.CASCADE, related_name="benchmarks")
    year = models.PositiveSmallIntegerField(_("年"))
    companies = models.PositiveIntegerField(_("分析対象企業数"))
    mean_current = models.DecimalField(_("現在の平均"), max_digits=4, decimal_places=2)
    mean_target = models.DecimalField(_("目標の平均"), max_digits=4, decimal_places=2, null=True, blank=True)
    leading_share = models.DecimalField(
        _("先行企業の割合（%）"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    mean_current_management = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    mean_target_management = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    mean_current_it = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    mean_target_it = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    notes = models.TextField(_("注記"), blank=True)
    source_note = models.CharField(_("出典"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("IPAベンチマーク")
        verbose_name_plural = _("IPAベンチマーク")
        ordering = ["edition", "year"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "year"], name="diagnosis_ipabenchmark_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} (n={self.companies})"
