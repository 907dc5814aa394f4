"""Admin of programs (staff only; the admin runs with tenant scopes disabled, see tenancy.py)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dxcommunity.accounts.admin_site import TenantInlinesMixin
from programs.models import (
    Event,
    Participation,
    Program,
    ProgramAmendment,
    SelfDiagnosisApplication,
    SeminarRegistration,
)


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    fields = (
        "kind",
        "title",
        "starts_at",
        "ends_at",
        "on_demand_from",
        "on_demand_until",
        "place",
        "members_only",
    )


@admin.register(Program)
class ProgramAdmin(TenantInlinesMixin, SimpleHistoryAdmin):
    list_display = ("name", "fiscal_year", "capacity", "consortium")
    list_filter = ("consortium", "fiscal_year")
    filter_horizontal = ("regions",)
    inlines = [EventInline]


@admin.register(SelfDiagnosisApplication)
class SelfDiagnosisApplicationAdmin(SimpleHistoryAdmin):
    list_display = ("organization_name", "applicant_name", "email", "region", "program", "created_at")
    list_filter = ("consortium", "program", "region")
    search_fields = ("organization_name", "applicant_name", "email")


@admin.register(SeminarRegistration)
class SeminarRegistrationAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "event", "company", "on_demand", "attended")
    list_filter = ("consortium", "event", "attended")
    search_fields = ("name", "email")


@admin.register(Participation)
class ParticipationAdmin(SimpleHistoryAdmin):
    list_display = ("company", "program", "stage", "previous", "created_at")
    list_filter = ("consortium", "program", "stage")
    search_fields = ("company__name",)
    raw_id_fields = ("company", "program", "previous")


@admin.register(ProgramAmendment)
class ProgramAmendmentAdmin(admin.ModelAdmin):
    list_display = ("program", "made_by", "reason", "created_at")
    list_filter = ("consortium", "program")
    readonly_fields = ("program", "made_by", "reason", "description", "created_at")
