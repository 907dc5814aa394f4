"""The accompaniment track (伴走支援, 10回支援) and the company's DX plan (DX推進計画書)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dxcommunity.concurrency import VersionedHistoricalRecords, VersionField
from dxcommunity.tenancy.models import TenantModel

# The standard content of the 10 sessions (from the program documents). Stored in Japanese on each
# session (the theme can be edited); marked for translation so that AccompanimentSession.theme_display shows
# a standard theme in the reader's language.
STANDARD_SESSION_THEMES: tuple[str, ...] = (
    gettext_noop("経営理念、ミッション確認"),
    gettext_noop("DX構想(目指す姿)の検討"),
    gettext_noop("DX構想の裏付け"),
    gettext_noop("目標値の設定"),
    gettext_noop("DXシステム構成検討"),
    gettext_noop("現状分析"),
    gettext_noop("実施項目の抽出/決定"),
    gettext_noop("スケジュール検討"),
    gettext_noop("体制検討"),
    gettext_noop("DX計画書まとめ、社内レビュー"),
)
# Sessions the IT vendor joins for DX system consultation.
VENDOR_SESSION_NUMBERS: frozenset[int] = frozenset({5, 8})


class AccompanimentTrack(TenantModel):
    """A participation's 10-session accompaniment track (伴走支援), with its support team.

    One per participation; ``company`` and ``program`` repeat the participation's (checked in ``clean``)
    so that the figures and lists filter on them directly. A company in its second year (継続伴走) has
    a second track, in the next program's participation.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("実施中")
        COMPLETED = "completed", _("完了")
        WITHDRAWN = "withdrawn", _("辞退")

    participation = models.OneToOneField(
        "programs.Participation", on_delete=models.CASCADE, related_name="track", verbose_name=_("参加")
    )
    company = models.ForeignKey("dxcommunity.Company", on_delete=models.CASCADE, related_name="tracks")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="tracks")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("伴走支援リーダ"), on_delete=models.PROTECT, related_name="+"
    )
    bank = models.ForeignKey(
        "dxcommunity.MemberOrganization",
        verbose_name=_("伴走支援補助（金融機関）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assisted_tracks",
    )
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("伴走支援")
        verbose_name_plural = _("伴走支援")

    def __str__(self) -> str:
        return _("%(company)s 伴走支援") % {"company": self.company}

    def clean(self) -> None:
        """``company`` and ``program`` must be the participation's (ValidationError on ``participation``)."""
        super().clean()
        p = self.participation if self.participation_id else None
        if p is not None and (p.company_id != self.company_id or p.program_id != self.program_id):
            raise ValidationError({"participation": _("企業・事業が参加と一致しません。")})

    def save(self, *args, **kwargs) -> None:
        """A track given only ``company`` and ``program`` belongs to that participation (created if the
        company has none in the program yet)."""
        if self.participation_id is None and self.company_id and self.program_id:
            from programs.models import Participation

            self.participation, _created = Participation.objects.get_or_create(
                company_id=self.company_id,
                program_id=self.program_id,
                defaults={"consortium_id": self.consortium_id},
            )
        super().save(*args, **kwargs)


class AccompanimentSession(TenantModel):
    """One of the track's sessions (number 1–10) with its theme and schedule."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("予定")
        HELD = "held", _("実施済")
        CANCELLED = "cancelled", _("中止")
        RESCHEDULED = "rescheduled", _("日程変更")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("対面")
        ONLINE = "online", _("オンライン")

    track = models.ForeignKey(AccompanimentTrack, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("回"))
    theme = models.CharField(_("テーマ"), max_length=200)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    date = models.DateField(_("日付"), null=True, blank=True)
    start_time = models.TimeField(_("開始時刻"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("時間（分）"), default=120)
    mode = models.CharField(_("形式"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    place = models.CharField(_("場所"), max_length=200, blank=True)
    expected_roles = models.JSONField(
        _("参加予定の役割"), default=list, blank=True, help_text=_("Attendance.Role の値のリスト")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("伴走支援セッション")
        verbose_name_plural = _("伴走支援セッション")
        ordering = ["track", "number"]
        constraints = [
            models.UniqueConstraint(fields=["track", "number"], name="accompaniment_session_unique_number"),
        ]

    def __str__(self) -> str:
        return _("第%(number)s回 %(theme)s") % {"number": self.number, "theme": self.theme_display}

    @property
    def theme_display(self) -> str:
        """The theme in the active language when it is one of STANDARD_SESSION_THEMES, else as stored."""
        return gettext(self.theme) if self.theme in STANDARD_SESSION_THEMES else self.theme


class SessionLog(TenantModel):
    """The ITC's record of a held session: agenda, discussion, decisions, next date, and the DX推進指標
    items it worked on (``items``, of the diagnosis edition the company used)."""

    session = models.OneToOneField(AccompanimentSession, on_delete=models.CASCADE, related_name="log")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agenda = models.TextField(_("アジェンダ"), blank=True)
    discussion = models.TextField(_("議事内容"), blank=True)
    decisions = models.TextField(_("決定事項"), blank=True)
    next_session_date = models.DateField(_("次回予定日"), null=True, blank=True)
    company_confirmed_at = models.DateTimeField(_("企業確認日時"), null=True, blank=True)
    items = models.ManyToManyField(
        "diagnosis.IndexItem",
        verbose_name=_("扱ったDX推進指標の項目"),
        blank=True,
        related_name="+",
        help_text=_("このセッションで取り組んだ項目。診断の変化をその支援にたどれます。"),
    )
    version = VersionField()
    history = VersionedHistoricalRecords()

    class Meta:
        verbose_name = _("セッション記録")
        verbose_name_plural = _("セッション記録")

    def __str__(self) -> str:
        return _("%(session)s 記録") % {"session": self.session}


class Attendance(TenantModel):
    """A person who attended a session: a supporter by role or a company participant."""

    class Role(models.TextChoices):
        ITC_LEADER = "itc_leader", _("伴走支援リーダ（ITC）")
        BANK_ASSISTANT = "bank_assistant", _("伴走支援補助（金融機関）")
        IT_VENDOR = "it_vendor", _("ITベンダー")
        SUPPORT_AGENCY = "support_agency", _("産業支援機関")
        COMMERCE_GROUP = "commerce_group", _("商工団体")
        RESEARCH_INSTITUTE = "research_institute", _("研究機関")
        COMPANY_EXECUTIVE = "company_executive", _("経営者")
        COMPANY_STAFF = "company_staff", _("担当者")

    session = models.ForeignKey(AccompanimentSession, on_delete=models.CASCADE, related_name="attendances")
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices)
    name = models.CharField(_("氏名"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("出席者")
        verbose_name_plural = _("出席者")
        ordering = ["session", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class Homework(TenantModel):
    """宿題: a task agreed at a session, with owner and due date, tracked to done."""

    session = models.ForeignKey(AccompanimentSession, on_delete=models.CASCADE, related_name="homework")
    title = models.CharField(_("内容"), max_length=300)
    owner_name = models.CharField(_("担当"), max_length=100, blank=True)
    due_date = models.DateField(_("期限"), null=True, blank=True)
    done = models.BooleanField(_("完了"), default=False)
    done_at_session = models.ForeignKey(
        AccompanimentSession,
        verbose_name=_("完了を確認した回"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("宿題")
        verbose_name_plural = _("宿題")
        ordering = ["session", "id"]

    def __str__(self) -> str:
        return self.title


class DxPlan(TenantModel):
    """The DX推進計画書 of one participation: one text per section, built up over the 10 sessions.

    ``company`` repeats the participation's. A second-year participation has its own plan.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("作成中")
        APPROVED = "approved", _("承認済")

    # (field name, session number that produces it); labels come from the field's verbose_name.
    SECTIONS: tuple[tuple[str, int | None], ...] = (
        ("mission", 1),
        ("vision", 2),
        ("vision_grounds", 3),
        ("targets", 4),
        ("system_architecture", 5),
        ("current_state", 6),
        ("action_items", 7),
        ("schedule", 8),
        ("organization", 9),
        ("security", None),
        ("review", 10),
    )

    participation = models.OneToOneField(
        "programs.Participation", on_delete=models.CASCADE, related_name="dx_plan", verbose_name=_("参加")
    )
    company = models.ForeignKey("dxcommunity.Company", on_delete=models.CASCADE, related_name="dx_plans")
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    mission = models.TextField(_("経営理念・ミッション"), blank=True)
    vision = models.TextField(_("DX構想（目指す姿）"), blank=True)
    vision_grounds = models.TextField(_("構想の裏付け"), blank=True)
    targets = models.TextField(_("目標値（KPI）"), blank=True)
    system_architecture = models.TextField(_("DXシステム構成"), blank=True)
    current_state = models.TextField(_("現状分析"), blank=True)
    action_items = models.TextField(_("実施項目"), blank=True)
    schedule = models.TextField(_("スケジュール"), blank=True)
    organization = models.TextField(_("体制"), blank=True)
    security = models.TextField(_("セキュリティ対策"), blank=True)
    review = models.TextField(_("社内レビュー"), blank=True)
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    version = VersionField()
    history = VersionedHistoricalRecords()

    class Meta:
        verbose_name = _("DX推進計画書")
        verbose_name_plural = _("DX推進計画書")

    def __str__(self) -> str:
        return _("%(company)s DX推進計画書") % {"company": self.company}

    def save(self, *args, **kwargs) -> None:
        """A plan given only ``company`` belongs to the participation of the company's latest track (or,
        without one, its current participation); ``company`` is taken from the participation when only
        that is given."""
        if self.participation_id is None and self.company_id:
            track = (
                AccompanimentTrack.objects.filter(company_id=self.company_id)
                .order_by("-program__fiscal_year", "-pk")
                .first()
            )
            if track is not None:
                self.participation_id = track.participation_id
            else:
                from programs.participations.selectors import participation_current_pk

                self.participation_id = participation_current_pk(
                    company_pk=self.company_id, consortium_id=self.consortium_id
                )
        if self.participation_id and not self.company_id:
            self.company_id = self.participation.company_id
        super().save(*args, **kwargs)

    def section_list(self) -> list[tuple[str, str, str, int | None]]:
        """[(field, label, text, session number)] in the plan's order."""
        return [
            (name, str(self._meta.get_field(name).verbose_name), getattr(self, name), number)
            for name, number in self.SECTIONS
        ]

    @property
    def completeness(self) -> int:
        """Percent (0–100) of the 11 sections with text. Not the 記入率 the pages show: that one also
        counts the KPI rows and the roadmap (``accompaniment.selectors.plan_completeness``)."""
        filled = sum(1 for name, _n in self.SECTIONS if getattr(self, name).strip())
        return round(100 * filled / len(self.SECTIONS))


class SessionTemplate(TenantModel):
    """A program's template of the track: the sessions' themes, order and expected attendee roles.

    ``sessions``: list of {"number": int, "theme": str, "expected_roles": [Attendance.Role values],
    "plan_sections": [DxPlan field names]}; new tracks of the program are created from it.
    """

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="session_template"
    )
    sessions = models.JSONField(_("セッション構成"), default=list)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("伴走支援テンプレート")
        verbose_name_plural = _("伴走支援テンプレート")

    def __str__(self) -> str:
        return f"{self.program} テンプレート"


def attachment_upload_to(instance: SessionAttachment, filename: str) -> str:
    """Per-tenant path: attachments/<consortium id>/<track id>/<random>-<filename>."""
    import uuid

    return f"attachments/{instance.consortium_id}/{instance.session.track_id}/{uuid.uuid4().hex}-{filename}"


class SessionAttachment(TenantModel):
    """A file attached to a session log (size and type limited; served only through a permission check)."""

    session = models.ForeignKey(AccompanimentSession, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("ファイル"), upload_to=attachment_upload_to, max_length=300)
    original_name = models.CharField(_("ファイル名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("サイズ（バイト）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # 削除 hides the attachment (lists, download) and keeps the row and the file, so that it can be restored.
    deleted_at = models.DateTimeField(_("削除日時"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("削除した人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")
        ordering = ["session", "created_at"]

    def __str__(self) -> str:
        return self.original_name


class SessionLogComment(TenantModel):
    """The company's confirmation comment on a session log (確認・コメント)."""

    session = models.ForeignKey(AccompanimentSession, on_delete=models.CASCADE, related_name="log_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("コメント"), max_length=4000)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("記録へのコメント")
        verbose_name_plural = _("記録へのコメント")
        ordering = ["session", "created_at"]

    def __str__(self) -> str:
        return self.body[:30]


class PlanKpi(TenantModel):
    """A target value (目標値, KPI) of the DX plan: name, unit, baseline, target, deadline."""

    plan = models.ForeignKey(DxPlan, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(_("指標名"), max_length=200)
    unit = models.CharField(_("単位"), max_length=50, blank=True)
    baseline = models.DecimalField(_("現状値"), max_digits=18, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(_("目標値"), max_digits=18, decimal_places=4, null=True, blank=True)
    deadline = models.DateField(_("期限"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("目標値（KPI）")
        verbose_name_plural = _("目標値（KPI）")
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return self.name


class RoadmapItem(TenantModel):
    """An action item on the plan's roadmap (スケジュール): from start month to end month (first days)."""

    plan = models.ForeignKey(DxPlan, on_delete=models.CASCADE, related_name="roadmap_items")
    title = models.CharField(_("実施項目"), max_length=200)
    start_month = models.DateField(_("開始月"))
    end_month = models.DateField(_("終了月"))
    owner = models.CharField(_("担当"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ロードマップ項目")
        verbose_name_plural = _("ロードマップ項目")
        ordering = ["plan", "order", "start_month", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_month__gte=models.F("start_month")),
                name="accompaniment_roadmapitem_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PlanVersion(TenantModel):
    """A saved version of the DX plan: a snapshot of the sections, KPIs and roadmap at one save.

    ``content``: {"sections": {field: text}, "kpis": [...], "roadmap": [...]}; ``number`` counts from 1.
    """

    plan = models.ForeignKey(DxPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版"))
    content = models.JSONField(default=dict)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_approved = models.BooleanField(_("承認版"), default=False)

    class Meta:
        verbose_name = _("計画書の版")
        verbose_name_plural = _("計画書の版")
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"], name="accompaniment_planversion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"


class SatisfactionResponse(TenantModel):
    """満足度: a participant's short survey answer after one accompaniment session or at the end of the track.

    ``kind``: session (after ``session``) or final (end of the program, ``session`` empty).
    ``satisfaction``: int 1–5 (5 大変満足, 4 満足, 3 普通, 2 やや不満, 1 不満); "satisfied" in the
    dashboard and the results report means 4 or 5. ``usefulness``: int 1–5, same scale, 役に立ったか.
    One answer per respondent per session, and one final answer per respondent per program.
    """

    class Kind(models.TextChoices):
        SESSION = "session", _("各回アンケート")
        FINAL = "final", _("終了時アンケート")

    class Scale(models.IntegerChoices):
        VERY_SATISFIED = 5, _("大変満足")
        SATISFIED = 4, _("満足")
        NEUTRAL = 3, _("普通")
        SOMEWHAT_DISSATISFIED = 2, _("やや不満")
        DISSATISFIED = 1, _("不満")

    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="satisfaction")
    company = models.ForeignKey("dxcommunity.Company", on_delete=models.CASCADE, related_name="satisfaction")
    session = models.ForeignKey(
        AccompanimentSession, null=True, blank=True, on_delete=models.CASCADE, related_name="satisfaction"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    satisfaction = models.PositiveSmallIntegerField(_("満足度"), choices=Scale.choices)
    usefulness = models.PositiveSmallIntegerField(_("役立ち度"), choices=Scale.choices, null=True, blank=True)
    comment = models.TextField(_("ご意見・ご感想"), max_length=2000, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("満足度アンケート")
        verbose_name_plural = _("満足度アンケート")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["program", "kind"], name="accomp_satisfaction_prog_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "respondent"],
                condition=models.Q(kind="session"),
                name="accomp_satisfaction_one_per_session",
            ),
            models.UniqueConstraint(
                fields=["program", "company", "respondent"],
                condition=models.Q(kind="final"),
                name="accomp_satisfaction_one_final",
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="accomp_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="session") | models.Q(session__isnull=False),
                name="accomp_satisfaction_session_has_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.get_kind_display()} {self.satisfaction}"
