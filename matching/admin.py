"""Admin of matching (staff only). Saving a solution or its cases here refreshes its search text."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dxcommunity.accounts.admin_site import TenantInlinesMixin
from matching.models import MatchingRequest, MatchingStatusChange, Solution, SolutionCase, VendorResponse
from matching.solutions.services import solution_refresh_search_text


class SolutionCaseInline(admin.StackedInline):
    model = SolutionCase
    extra = 0
    fields = ("title", "industry", "company_size", "region", "summary", "result")


@admin.register(Solution)
class SolutionAdmin(TenantInlinesMixin, SimpleHistoryAdmin):
    list_display = ("name", "category", "vendor", "it_subsidy_eligible", "is_published", "consortium")
    list_filter = ("consortium", "category", "it_subsidy_eligible", "is_published")
    search_fields = ("name", "vendor__name", "search_text")
    filter_horizontal = ("regions",)
    inlines = [SolutionCaseInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        solution_refresh_search_text(solution=form.instance)


class VendorResponseInline(admin.StackedInline):
    model = VendorResponse
    extra = 0
    fields = ("vendor", "author", "answer", "solution", "proposed_price", "message")
    raw_id_fields = ("author",)


class StatusChangeInline(admin.TabularInline):
    model = MatchingStatusChange
    extra = 0
    fields = ("from_status", "to_status", "note", "changed_by", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(MatchingRequest)
class MatchingRequestAdmin(TenantInlinesMixin, SimpleHistoryAdmin):
    list_display = ("title", "company", "category", "source", "status", "created_at")
    list_filter = ("consortium", "status", "category", "source")
    search_fields = ("title", "company__name")
    filter_horizontal = ("vendors", "candidates")
    inlines = [StatusChangeInline, VendorResponseInline]
