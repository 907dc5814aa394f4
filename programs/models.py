"""Consortia (tenants), their member organizations and people, programs, events and companies.

Glossary (../shared/DOMAIN.md): consortium = 地域DX推進コミュニティ, member organization = 構成員,
program = 事業 (one fiscal year), company = DX促進企業 / 支援先企業.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dxcommunity.tenancy import TenantModel


class Consortium(models.Model):
    """A 地域DX推進コミュニティ: the tenant. Every other domain row points at one."""

    name = models.CharField(_("名称"), max_length=200)
    slug = models.SlugField(_("識別子"), max_length=60, unique=True)
    lead_organization_name = models.CharField(_("代表機関"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("コンソーシアム")
        verbose_name_plural = _("コンソーシアム")

    def __str__(self) -> str:
        return self.name


class Region(TenantModel):
    """A region of the consortium with its own support community (e.g. 茨城県, 長野県)."""

    name = models.CharField(_("地域"), max_length=50)
    key = models.SlugField(_("識別子"), max_length=30)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("地域")
        verbose_name_plural = _("地域")
        constraints = [
            models.UniqueConstraint(fields=["consortium", "key"], name="programs_region_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name


class MemberOrganization(TenantModel):
    """A 構成員 of the consortium: ITC organization, bank, association, agency, vendor, institute."""

    class Kind(models.TextChoices):
        LEAD = "lead", _("代表機関")
        ITC = "itc", _("ITコーディネータ組織")
        BANK = "bank", _("金融機関")
        EMPLOYER_ASSOCIATION = "employer_association", _("経営者協会・商工団体")
        SUPPORT_AGENCY = "support_agency", _("産業支援機関")
        IT_VENDOR = "it_vendor", _("ITベンダー")
        IT_ASSOCIATION = "it_association", _("情報サービス振興協会")
        RESEARCH_INSTITUTE = "research_institute", _("研究機関・協力機関")

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("種別"), max_length=30, choices=Kind.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("地域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    role_description = models.CharField(_("役割"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("構成員")
        verbose_name_plural = _("構成員")
        ordering = ["region__key", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "name"], name="programs_memberorganization_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one consortium. Not scoped: it is how a request finds its consortium."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("事務局（全体まとめ）")
        REGIONAL_COORDINATOR = "regional_coordinator", _("地域まとめ")
        ITC = "itc", _("ITコーディネータ")
        BANK_STAFF = "bank_staff", _("金融機関")
        ASSOCIATION_STAFF = "association_staff", _("経営者協会・支援機関")
        VENDOR = "vendor", _("ITベンダー")
        COMPANY_MEMBER = "company_member", _("支援先企業")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("役割"), max_length=30, choices=Role.choices)
    organization = models.ForeignKey(
        MemberOrganization, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    company = models.ForeignKey(
        "programs.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_executive = models.BooleanField(_("経営者"), default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("メンバーシップ")
        verbose_name_plural = _("メンバーシップ")
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "user"], name="programs_membership_one_per_consortium"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="company_member") | models.Q(company__isnull=False),
                name="programs_membership_company_member_has_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.consortium} ({self.get_role_display()})"

    @property
    def is_coordinator(self) -> bool:
        return self.role in (self.Role.COORDINATOR, self.Role.REGIONAL_COORDINATOR)


class Program(TenantModel):
    """One fiscal year's 事業 of the consortium, with its phase windows (dates, JST)."""

    name = models.CharField(_("事業名"), max_length=200)
    fiscal_year = models.PositiveSmallIntegerField(
        _("年度"), help_text=_("西暦の年度開始年（2022 = 令和4年度）")
    )
    funder = models.CharField(_("補助元"), max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(_("募集社数"), default=0)
    regions = models.ManyToManyField(Region, verbose_name=_("地域"), related_name="programs", blank=True)
    self_diagnosis_from = models.DateField(_("自己診断 開始"), null=True, blank=True)
    self_diagnosis_until = models.DateField(_("自己診断 締切"), null=True, blank=True)
    advice_from = models.DateField(_("DX診断アドバイス 開始"), null=True, blank=True)
    advice_until = models.DateField(_("DX診断アドバイス 終了"), null=True, blank=True)
    accompaniment_from = models.DateField(_("伴走支援 開始"), null=True, blank=True)
    accompaniment_until = models.DateField(_("伴走支援 終了"), null=True, blank=True)
    matching_from = models.DateField(_("マッチング 開始"), null=True, blank=True)
    matching_until = models.DateField(_("マッチング 終了"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("事業")
        verbose_name_plural = _("事業")
        ordering = ["-fiscal_year", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def reiwa_year(self) -> int:
        """令和 year of the fiscal year (FY2022 -> 4)."""
        return self.fiscal_year - 2018


class Event(TenantModel):
    """A scheduled event of a program: seminar, briefing, meeting; live and/or an on-demand window."""

    class Kind(models.TextChoices):
        AWARENESS_SEMINAR = "awareness_seminar", _("DX気づきセミナー")
        SELF_DIAGNOSIS_BRIEFING = "self_diagnosis_briefing", _("DX自己診断説明会")
        DX_SEMINAR = "dx_seminar", _("DXセミナー")
        KICKOFF = "kickoff", _("キックオフ連絡会")
        MEMBERS_MEETING = "members_meeting", _("構成員報告会")
        RESULTS_MEETING = "results_meeting", _("成果報告会")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("種別"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=200)
    starts_at = models.DateTimeField(_("開始"))
    ends_at = models.DateTimeField(_("終了"), null=True, blank=True)
    on_demand_from = models.DateField(_("オンデマンド配信 開始"), null=True, blank=True)
    on_demand_until = models.DateField(_("オンデマンド配信 終了"), null=True, blank=True)
    place = models.CharField(_("会場"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("定員"), null=True, blank=True)
    members_only = models.BooleanField(_("構成員のみ"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("イベント")
        verbose_name_plural = _("イベント")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.title


class Company(TenantModel):
    """A DX促進企業 (supported company) of the consortium and where it stands in the journey."""

    class Industry(models.TextChoices):
        MANUFACTURING = "manufacturing", _("製造業")
        CONSTRUCTION = "construction", _("建設業")
        TRADING = "trading", _("卸売・商社")
        RETAIL = "retail", _("小売業")
        SERVICES = "services", _("サービス業")
        PROFESSIONAL = "professional", _("士業")
        OTHER = "other", _("その他")

    class Stage(models.TextChoices):
        """The journey's stages, in order (ステージ毎の支援策)."""

        REGISTERED = "registered", _("セミナー登録")
        APPLIED = "applied", _("自己診断申込")
        DIAGNOSED = "diagnosed", _("自己診断提出")
        ADVISED = "advised", _("DX診断アドバイス済")
        ACCOMPANIMENT = "accompaniment", _("伴走支援中")
        PLAN_COMPLETED = "plan_completed", _("DX推進計画書完成")
        MATCHING = "matching", _("マッチング")

    name = models.CharField(_("会社名"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="companies"
    )
    program = models.ForeignKey(
        Program,
        verbose_name=_("事業"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companies",
    )
    industry = models.CharField(_("業種"), max_length=20, choices=Industry.choices, default=Industry.OTHER)
    employees = models.PositiveIntegerField(_("従業員数"), null=True, blank=True)
    main_bank = models.ForeignKey(
        MemberOrganization,
        verbose_name=_("メインバンク"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_companies",
        limit_choices_to={"kind": MemberOrganization.Kind.BANK},
    )
    recommended_by = models.ForeignKey(
        MemberOrganization,
        verbose_name=_("推薦機関"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommended_companies",
    )
    stage = models.CharField(_("ステージ"), max_length=20, choices=Stage.choices, default=Stage.REGISTERED)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("支援先企業")
        verbose_name_plural = _("支援先企業")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["consortium", "name"], name="programs_company_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def stage_index(self) -> int:
        """0-based position of ``stage`` in ``Stage`` (for progress bars)."""
        return list(self.Stage.values).index(self.stage)


class SeminarRegistration(TenantModel):
    """A person's registration for a seminar or briefing, and whether they attended."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="registrations"
    )
    name = models.CharField(_("氏名"), max_length=100)
    email = models.EmailField(_("メールアドレス"))
    on_demand = models.BooleanField(_("オンデマンド視聴"), default=False)
    attended = models.BooleanField(_("出席"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("セミナー申込")
        verbose_name_plural = _("セミナー申込")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"], name="programs_seminarregistration_unique_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} / {self.event}"


class SelfDiagnosisApplication(TenantModel):
    """自己診断申し込み: one per organization per program, with the fields of the FY2022 form."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="applications")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="applications")
    applicant_name = models.CharField(_("名前"), max_length=100)
    organization_name = models.CharField(_("会社名・組織名"), max_length=200)
    department_title = models.CharField(_("部門名・役職"), max_length=200, blank=True)
    email = models.EmailField(_("メールアドレス"))
    region = models.ForeignKey(
        Region, verbose_name=_("申し込み地域"), on_delete=models.PROTECT, related_name="+"
    )
    message_to_office = models.TextField(_("事務局への連絡内容"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("自己診断申し込み")
        verbose_name_plural = _("自己診断申し込み")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "company"], name="programs_selfdiagnosisapplication_one_per_company"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_name} ({self.program})"


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
