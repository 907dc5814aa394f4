"""Admin of diagnosis: coordinators correct the index texts; staff inspect diagnoses across tenants.

The admin runs with the tenant scope disabled (``ConsortiumMiddleware``), so tenant rows of every
consortium are listed; filter by consortium.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from diagnosis.models import (
    AdvisorSession,
    Diagnosis,
    DiagnosisAnswer,
    IndexEdition,
    IndexGroup,
    IndexItem,
    MaturityLevel,
)
from dxcommunity.accounts.admin_site import TenantInlinesMixin


class MaturityLevelInline(admin.TabularInline):
    model = MaturityLevel
    extra = 0


class IndexGroupInline(admin.TabularInline):
    model = IndexGroup
    extra = 0


@admin.register(IndexEdition)
class IndexEditionAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "is_current", "created_at")
    inlines = [IndexGroupInline, MaturityLevelInline]


@admin.register(IndexItem)
class IndexItemAdmin(SimpleHistoryAdmin):
    """Item texts are editable: coordinators correct titles and questions and set how sure they are."""

    list_display = ("code", "title", "kind", "group", "title_status", "question_status", "edition")
    list_display_links = ("code",)
    list_editable = ("title_status", "question_status")
    list_filter = ("edition", "group__key", "kind", "title_status", "question_status")
    search_fields = ("code", "title", "question")
    ordering = ("edition", "order")
    fields = (
        "edition",
        "group",
        "parent",
        "code",
        "kind",
        "order",
        "title",
        "title_status",
        "question",
        "question_status",
    )
    readonly_fields = ("edition", "group", "parent", "code", "kind", "order")


@admin.register(MaturityLevel)
class MaturityLevelAdmin(admin.ModelAdmin):
    list_display = ("edition", "level", "name")
    list_filter = ("edition",)


class DiagnosisAnswerInline(admin.TabularInline):
    model = DiagnosisAnswer
    extra = 0
    fields = ("item", "current", "target", "evidence", "action")
    readonly_fields = ("item",)
    can_delete = False
    ordering = ("item__order",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Diagnosis)
class DiagnosisAdmin(TenantInlinesMixin, SimpleHistoryAdmin):
    list_display = (
        "company",
        "consortium",
        "status",
        "submitted_at",
        "dx_stage",
        "advice_mode",
        "created_at",
    )
    list_filter = ("consortium", "status", "edition")
    search_fields = ("company__name",)
    list_select_related = ("company", "consortium")
    raw_id_fields = ("company", "created_by")
    readonly_fields = ("consortium", "edition", "created_at", "updated_at")
    inlines = [DiagnosisAnswerInline]


@admin.register(AdvisorSession)
class AdvisorSessionAdmin(SimpleHistoryAdmin):
    list_display = ("company", "consortium", "held_on", "mode", "advisor")
    list_filter = ("consortium", "mode")
    search_fields = ("company__name", "notes", "advice")
    list_select_related = ("company", "consortium", "advisor")
    raw_id_fields = ("diagnosis", "company", "advisor")
    readonly_fields = ("consortium",)
