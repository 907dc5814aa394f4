"""Generated documents: one row per rendered file, so a page can show its status and a retry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dxcommunity.tenancy.models import TenantModel


def document_upload_to(instance: GeneratedDocument, filename: str) -> str:
    """Per-tenant path: documents/<consortium id>/<kind>/<filename>."""
    return f"documents/{instance.consortium_id}/{instance.kind}/{filename}"


class GeneratedDocument(TenantModel):
    """A PDF rendered by a Celery task: kind, status, file, error.

    Company documents (plan, progress report, diagnosis result, advice) have ``company``; the 実績報告書
    (``results_report``) has ``program`` (one program) or ``fiscal_year`` (every program of that fiscal
    year) and no company.
    """

    class Kind(models.TextChoices):
        DX_PLAN = "dx_plan", _("DX推進計画書")
        PROGRESS_REPORT = "progress_report", _("進捗レポート")
        DIAGNOSIS_RESULT = "diagnosis_result", _("DX自己診断結果")
        ADVICE = "advice", _("DX診断アドバイス")
        RESULTS_REPORT = "results_report", _("実績報告書")

    class Status(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RENDERING = "rendering", pgettext_lazy("document status", "作成中")
        READY = "ready", pgettext_lazy("document status", "完了")
        FAILED = "failed", _("失敗")

    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    company = models.ForeignKey(
        "dxcommunity.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    diagnosis = models.ForeignKey(
        "diagnosis.Diagnosis", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(_("ファイル"), upload_to=document_upload_to, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the render message was last handed to the broker; None while queued = never sent (the broker
    # was down when it was requested): the page says it waits for the queue, the sweep sends it.
    enqueued_at = models.DateTimeField(_("キュー送信日時"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("生成帳票")
        verbose_name_plural = _("生成帳票")
        ordering = ["-created_at"]

    @property
    def waiting_for_queue(self) -> bool:
        """Queued, but its message never reached the broker (it was unreachable)."""
        return self.status == self.Status.QUEUED and self.enqueued_at is None

    @property
    def stuck(self) -> bool:
        """Queued or rendering for longer than a render may take (``reports.tasks.claim_timeout()``,
        the hard time limit + 60 s) since the last status change: the user may retry it."""
        from reports.tasks import stale_before

        return (
            self.status in (self.Status.QUEUED, self.Status.RENDERING)
            and self.updated_at is not None
            and self.updated_at < stale_before()
        )

    def __str__(self) -> str:
        subject = self.company or self.program or self.fiscal_year or ""
        return f"{self.get_kind_display()} {subject} ({self.get_status_display()})"
