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
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from django_scopes.manager import DisabledQuerySet
from simple_history.models import HistoricalRecords


def corporate_number_check_digit(base: str) -> int:
    """The check digit (検査用数字, the first digit) of a 法人番号 whose other 12 digits are ``base``:
    9 − (Σ Pn × Qn mod 9), Pn the n-th digit of ``base`` from the right, Qn = 1 for odd n and 2 for
    even n (国税庁「法人番号の指定」; 7000012050002 is valid). ``base``: 12 ASCII digits."""
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), 1))
    return 9 - total % 9


def validate_corporate_number(value: str) -> None:
    """Raises ValidationError unless ``value`` is 13 half-width digits with a correct check digit."""
    if not (len(value) == 13 and value.isascii() and value.isdigit()):
        raise ValidationError(_("法人番号は半角数字13桁で入力してください。"), code="format")
    if int(value[0]) != corporate_number_check_digit(value[1:]):
        raise ValidationError(
            _("法人番号の検査用数字（先頭の1桁）が一致しません。番号を確かめてください。"), code="check_digit"
        )


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
    """A DX促進企業 (supported company): the consortium's durable client record.

    Name, region, industry, size, main bank and people stay with the company over the years; each
    program it takes part in is a ``programs.Participation`` (its stage, diagnoses, track, plan).
    """

    class Industry(models.TextChoices):
        MANUFACTURING = "manufacturing", _("製造業")
        CONSTRUCTION = "construction", _("建設業")
        TRADING = "trading", _("卸売・商社")
        RETAIL = "retail", _("小売業")
        SERVICES = "services", _("サービス業")
        PROFESSIONAL = "professional", _("士業")
        OTHER = "other", _("その他")

    name = models.CharField(_("会社名"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="companies"
    )
    corporate_number = models.CharField(
        _("法人番号"),
        max_length=13,
        blank=True,
        validators=[validate_corporate_number],
        help_text=_("13桁（国税庁の法人番号。分かる場合のみ）"),
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
