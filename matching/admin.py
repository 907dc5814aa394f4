"""Admin of matching (staff only)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import MatchingRequest, Solution, VendorResponse


@admin.register(Solution)
class SolutionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "category", "vendor", "consortium")
    list_filter = ("consortium", "category")
    search_fields = ("name", "vendor__name")


class VendorResponseInline(admin.StackedInline):
    model = VendorResponse
    extra = 0
    fields = ("vendor", "author", "message", "solution")
    raw_id_fields = ("author",)


@admin.register(MatchingRequest)
class MatchingRequestAdmin(SimpleHistoryAdmin):
    list_display = ("title", "company", "category", "source", "status", "created_at")
    list_filter = ("consortium", "status", "category", "source")
    search_fields = ("title", "company__name")
    filter_horizontal = ("vendors",)
    inlines = [VendorResponseInline]

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj.consortium_id = form.instance.consortium_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()
