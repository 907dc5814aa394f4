"""The tenancy layer's rows: consortia (tenants), their regions, member organizations and memberships, and
the companies they support.

One consortium (地域DX推進コミュニティ) is one tenant. Every tenant-owned row has a direct foreign key
``consortium`` and a ``ScopedManager`` (django-scopes): a query on such a model outside
``scope(consortium=...)`` raises ``ScopeError`` instead of returning other consortia's rows.

Glossary: consortium = 地域DX推進コミュニティ, member organization = 構成員,
company = DX促進企業 / 支援先企業.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from django_scopes.manager import DisabledQuerySet
from simple_history.models import HistoricalRecords


class TenantModel(models.Model):
    """Abstract base of every row that belongs to one consortium."""

    consortium = models.ForeignKey("dxcommunity.Consortium", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(consortium="consortium")

    class Meta:
        abstract = True


def close_exists_gap() -> None:
    """Make the unscoped queryset refuse the methods django-scopes lets through.

    django-scopes 2.x blocks filter/get/count/iteration outside a scope but not ``exists()``,
    ``exclude()``, ``in_bulk()`` and a few more; without this, ``Company.objects.exists()``
    would answer across all tenants. Called from ``DxcommunityConfig.ready``.
    """
    for name in (
        "exists",
        "exclude",
        "in_bulk",
        "contains",
        "distinct",
        "select_related",
        "prefetch_related",
        "explain",
        "defer",
        "extra",
        "alias",
        "bulk_update",
    ):
        setattr(DisabledQuerySet, name, DisabledQuerySet.error)


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
        "dxcommunity.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
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
        "programs.Program",
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
