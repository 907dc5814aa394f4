"""Admin of generated documents (staff only; the admin runs without a tenant scope)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reports.models import GeneratedDocument


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "company",
        "program",
        "fiscal_year",
        "consortium",
        "status",
        "attempts",
        "enqueued_at",
        "created_at",
        "updated_at",
    )
    list_filter = ("consortium", "kind", "status")
    search_fields = ("company__name", "program__name", "error")
    raw_id_fields = ("company", "program", "diagnosis", "requested_by")
    readonly_fields = ("attempts", "error", "file", "enqueued_at")
    actions = ["requeue"]

    @admin.action(description=_("失敗した帳票を再実行"))
    def requeue(self, request, queryset):
        from reports.documents.services import document_send

        ids = list(queryset.filter(status=GeneratedDocument.Status.FAILED).values_list("pk", flat=True))
        GeneratedDocument.objects.filter(pk__in=ids).update(
            status=GeneratedDocument.Status.QUEUED, error="", enqueued_at=None
        )
        for document in GeneratedDocument.objects.filter(pk__in=ids):
            document_send(document=document)  # a broker that is down: the sweep sends it later
        message = ngettext("%(count)d 件を再実行しました。", "%(count)d 件を再実行しました。", len(ids))
        messages.info(request, message % {"count": len(ids)})
