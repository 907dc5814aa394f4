"""Consortia (tenants), their member organizations and people, programs, events and companies.

Glossary: consortium = 地域DX推進コミュニティ, member organization = 構成員,
program = 事業 (one fiscal year), company = DX促進企業 / 支援先企業.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dxcommunity.accounts.models import Invitation
from dxcommunity.concurrency import VersionedHistoricalRecords, VersionField
from dxcommunity.tenancy.models import Company, MemberOrganization, Region, TenantModel


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
    description = models.TextField(_("事業概要"), blank=True)
    recruitment_from = models.DateField(_("募集 開始"), null=True, blank=True)
    recruitment_until = models.DateField(_("募集 締切"), null=True, blank=True)
    public_application_open = models.BooleanField(
        _("公開応募フォームを受け付ける"),
        default=False,
        help_text=_("オンにすると、アカウントのない企業も公開フォームから応募できます（募集期間内）。"),
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("前年度の事業"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_programs",
        help_text=_("「次年度の事業を作成」で写した元の事業。"),
    )
    closed_at = models.DateTimeField(_("事業完了日時"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = VersionField()
    history = VersionedHistoricalRecords(m2m_fields=[regions])

    class Meta:
        verbose_name = _("事業")
        verbose_name_plural = _("事業")
        ordering = ["-fiscal_year", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        """True once the coordinator has closed the program (事業完了): its data is read-only from then on."""
        return self.closed_at is not None

    @property
    def reiwa_year(self) -> int:
        """令和 year of the fiscal year (FY2022 -> 4)."""
        return self.fiscal_year - 2018

    @property
    def fiscal_year_label(self) -> str:
        """「令和N年度」 (FY2022 -> 令和4年度; 令和元年度 for FY2019). Fiscal year = April–March."""
        return fiscal_year_label(self.fiscal_year)


def fiscal_year_label(fiscal_year: int) -> str:
    """「令和N年度」 of a fiscal year given as its starting year (2022 -> 令和4年度, 2019 -> 令和元年度).

    Years before 2019 are given as 平成 (2018 -> 平成30年度). The fiscal year runs April to March.
    """
    if fiscal_year >= 2019:
        n = fiscal_year - 2018
        return f"令和{'元' if n == 1 else n}年度"
    return f"平成{fiscal_year - 1988}年度"


def fiscal_year_of(day) -> int:
    """The fiscal year (starting calendar year) a date falls in: 2023-03-31 -> 2022, 2023-04-01 -> 2023."""
    return day.year if day.month >= 4 else day.year - 1


class Event(TenantModel):
    """A scheduled event of a program: seminar, briefing, meeting; live and/or an on-demand window."""

    class Kind(models.TextChoices):
        AWARENESS_SEMINAR = "awareness_seminar", _("DX気づきセミナー")
        SELF_DIAGNOSIS_BRIEFING = "self_diagnosis_briefing", _("DX自己診断説明会")
        DX_SEMINAR = "dx_seminar", _("DXセミナー")
        KICKOFF = "kickoff", _("キックオフ連絡会")
        MEMBERS_MEETING = "members_meeting", _("構成員報告会")
        SELECTION_MEETING = "selection_meeting", _("支援企業選出検討会")
        RESULTS_MEETING = "results_meeting", _("成果報告会")
        OTHER = "other", _("その他")

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
    region = models.ForeignKey(
        Region,
        verbose_name=_("地域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        help_text=_("空欄は全地域共通"),
    )
    description = models.TextField(_("内容"), blank=True)
    online_url = models.URLField(_("オンライン参加URL"), blank=True)
    registration_open = models.BooleanField(_("申込受付中"), default=True)
    version = VersionField()
    history = VersionedHistoricalRecords()

    class Meta:
        verbose_name = _("イベント")
        verbose_name_plural = _("イベント")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.title


class SeminarRegistration(TenantModel):
    """A person's registration for a seminar or briefing, and whether they attended.

    ``status``: registered (within capacity), waitlisted (over ``Event.capacity``; moved up in order of
    registration when a place frees), cancelled. ``attended`` is set by the office after the live event,
    or when on-demand viewing is confirmed (``on_demand``).
    """

    class Status(models.TextChoices):
        REGISTERED = "registered", _("申込済")
        WAITLISTED = "waitlisted", _("キャンセル待ち")
        CANCELLED = "cancelled", _("取消")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="registrations"
    )
    name = models.CharField(_("氏名"), max_length=100)
    email = models.EmailField(_("メールアドレス"))
    organization_name = models.CharField(_("会社名・組織名"), max_length=200, blank=True)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
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


class CompanyApplication(TenantModel):
    """応募: a company's application to a program, before it has an account.

    Comes from the public form (no account), a member organization's recommendation (bank, association:
    ``recommended_by`` + ``recommended_by_user``), or the office. ``company_name_normalized`` (NFKC,
    legal-form words and spaces removed, lower case; ``programs.recruitment.services``) and ``email`` are
    how the same company applying twice is detected (``duplicate_of``). Applications over the program's
    capacity are put on the waitlist (``status=waitlisted``, in order of ``created_at``). Accepting one
    creates/links the ``Company`` and sends an ``Invitation`` to ``email``.
    """

    class Source(models.TextChoices):
        PUBLIC_FORM = "public_form", _("公開フォーム")
        RECOMMENDATION = "recommendation", _("構成員の推薦")
        OFFICE = "office", _("事務局登録")

    class Status(models.TextChoices):
        RECEIVED = "received", _("受付")
        WAITLISTED = "waitlisted", _("補欠（キャンセル待ち）")
        INVITED = "invited", _("招待済")
        DUPLICATE = "duplicate", _("重複")
        WITHDRAWN = "withdrawn", _("取下げ")
        REJECTED = "rejected", _("対象外")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="company_applications")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="company_applications"
    )
    company_name = models.CharField(_("会社名・組織名"), max_length=200)
    company_name_normalized = models.CharField(max_length=200, db_index=True, editable=False)
    representative_name = models.CharField(_("代表者名"), max_length=100, blank=True)
    applicant_name = models.CharField(_("名前"), max_length=100)
    department_title = models.CharField(_("部門名・役職"), max_length=200, blank=True)
    email = models.EmailField(_("メールアドレス"))
    phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("申し込み地域"), on_delete=models.PROTECT, related_name="+"
    )
    industry = models.CharField(
        _("業種"), max_length=20, choices=Company.Industry.choices, default=Company.Industry.OTHER
    )
    employees = models.PositiveIntegerField(_("従業員数"), null=True, blank=True)
    executive_participant = models.CharField(_("参加者（経営者）"), max_length=100, blank=True)
    staff_participant = models.CharField(_("参加者（担当者）"), max_length=100, blank=True)
    motivation = models.TextField(_("応募動機・DXへの意欲"), blank=True)
    current_issues = models.TextField(_("現在の課題"), blank=True)
    message_to_office = models.TextField(_("事務局への連絡内容"), blank=True)
    source = models.CharField(
        _("応募経路"), max_length=20, choices=Source.choices, default=Source.PUBLIC_FORM
    )
    recommended_by = models.ForeignKey(
        MemberOrganization,
        verbose_name=_("推薦機関"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommended_applications",
    )
    recommended_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推薦者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recommendation_note = models.TextField(_("推薦理由"), blank=True)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重複元"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The status a withdrawn application had, so that 「取下げを取り消す」 can put it back ("" otherwise).
    withdrawn_from = models.CharField(
        _("取下げ前の状態"), max_length=12, choices=Status.choices, blank=True, default=""
    )
    privacy_consent = models.BooleanField(_("個人情報の取扱いに同意"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("応募")
        verbose_name_plural = _("応募")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["program", "status"], name="programs_companyapp_status_idx")]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.get_status_display()})"


class SelectionDecision(TenantModel):
    """The 支援企業選出検討会's decision for one company in one program, with its reasons.

    ``decision``: accompaniment (伴走支援), matching (マッチング), not_selected (不選出), waitlist (補欠).
    ``commitment_rating`` / ``team_rating``: 1–5 as judged at the meeting (the FY2022 criteria:
    self-diagnosis content, commitment, team). The participation conditions (at least two participants,
    経営者 and 担当者; all 10 sessions) are confirmed by the company: ``conditions_confirmed_at`` with the
    two participants' names; required before an accompaniment track starts.
    """

    class Decision(models.TextChoices):
        ACCOMPANIMENT = "accompaniment", _("伴走支援")
        MATCHING = "matching", _("マッチング")
        NOT_SELECTED = "not_selected", _("不選出")
        WAITLIST = "waitlist", _("補欠")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="selection_decisions")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="selection_decisions")
    application = models.ForeignKey(
        CompanyApplication, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    meeting = models.ForeignKey(
        Event,
        verbose_name=_("選出検討会"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="selection_decisions",
    )
    decision = models.CharField(_("選出結果"), max_length=20, choices=Decision.choices)
    reasons = models.TextField(_("理由"))
    commitment_rating = models.PositiveSmallIntegerField(_("取組意欲（1〜5）"), null=True, blank=True)
    team_rating = models.PositiveSmallIntegerField(_("推進体制（1〜5）"), null=True, blank=True)
    decided_at = models.DateTimeField(_("決定日時"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    executive_participant = models.CharField(_("参加者（経営者）"), max_length=100, blank=True)
    staff_participant = models.CharField(_("参加者（担当者）"), max_length=100, blank=True)
    attends_all_sessions = models.BooleanField(_("全10回に参加する"), default=False)
    conditions_confirmed_at = models.DateTimeField(_("参加条件の確認日時"), null=True, blank=True)
    conditions_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = VersionField()
    history = VersionedHistoricalRecords()

    class Meta:
        verbose_name = _("選出結果")
        verbose_name_plural = _("選出結果")
        ordering = ["program", "company__name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "company"], name="programs_selection_one_per_company"),
            models.CheckConstraint(
                condition=models.Q(commitment_rating__isnull=True)
                | models.Q(commitment_rating__gte=1, commitment_rating__lte=5),
                name="programs_selection_commitment_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(team_rating__isnull=True)
                | models.Q(team_rating__gte=1, team_rating__lte=5),
                name="programs_selection_team_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} → {self.get_decision_display()}"


class Participation(TenantModel):
    """One company in one program (参加): the company's journey of that year.

    The company (``dxcommunity.Company``) is the consortium's durable client record; everything that
    belongs to a year's work hangs on the participation or on (company, program): the 応募 and
    自己診断申し込み, the selection decision, ``stage``, the self-diagnoses (``Diagnosis.participation``),
    the accompaniment track and its sessions (``AccompanimentTrack.participation``), the DX推進計画書
    (``DxPlan.participation``), the matching needs and the surveys of the program. ``previous``: the
    company's participation in an earlier program that this one continues (継続伴走, or applying again
    after 不選出). ``enrolment_reason``: why a company 不選出 in this program was enrolled all the same
    (asked for on enrolment). One per company per program.
    """

    class Stage(models.TextChoices):
        """The journey's stages, in order (ステージ毎の支援策)."""

        REGISTERED = "registered", _("セミナー登録")
        APPLIED = "applied", _("自己診断申込")
        DIAGNOSED = "diagnosed", _("自己診断提出")
        ADVISED = "advised", _("DX診断アドバイス済")
        ACCOMPANIMENT = "accompaniment", _("伴走支援中")
        PLAN_COMPLETED = "plan_completed", _("DX推進計画書完成")
        MATCHING = "matching", _("マッチング")

    company = models.ForeignKey(
        Company, verbose_name=_("企業"), on_delete=models.CASCADE, related_name="participations"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("事業"), on_delete=models.PROTECT, related_name="participations"
    )
    stage = models.CharField(_("ステージ"), max_length=20, choices=Stage.choices, default=Stage.REGISTERED)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("前回の参加"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="continuations",
    )
    enrolment_reason = models.TextField(_("不選出からの登録理由"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("参加")
        verbose_name_plural = _("参加")
        ordering = ["company__name", "-program__fiscal_year", "program__name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "program"], name="programs_participation_once"),
        ]
        indexes = [models.Index(fields=["program", "stage"], name="programs_participation_stage")]

    def __str__(self) -> str:
        return f"{self.company} / {self.program}"

    @property
    def stage_index(self) -> int:
        """0-based position of ``stage`` in ``Stage`` (for progress bars)."""
        return list(self.Stage.values).index(self.stage)


STAGE_ORDER: list[str] = list(Participation.Stage.values)


class ProgramAmendment(TenantModel):
    """A correction to a closed program's data (修正記録), made by the coordinator with a reason.

    ``description``: what was changed (the objects and fields, filled in by the service that made the
    change); shown in the program's 実績報告書.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="amendments")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("修正理由"))
    description = models.TextField(_("修正内容"), blank=True)

    class Meta:
        verbose_name = _("事業完了後の修正")
        verbose_name_plural = _("事業完了後の修正")
        ordering = ["program", "created_at"]

    def __str__(self) -> str:
        return f"{self.program}: {self.reason[:40]}"
