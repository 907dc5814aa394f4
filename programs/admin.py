"""Admin of programs (staff only; the admin runs with tenant scopes disabled, see tenancy.py)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dxcommunity.accounts.admin_site import TenantInlinesMixin
from dxcommunity.tenancy.models import Company, Consortium, MemberOrganization, Membership, Region
from programs.models import Event, Program, SelfDiagnosisApplication, SeminarRegistration


@admin.register(Consortium)
class ConsortiumAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "lead_organization_name")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "consortium")
    list_filter = ("consortium",)


@admin.register(MemberOrganization)
class MemberOrganizationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "region", "role_description", "consortium")
    list_filter = ("consortium", "kind", "region")
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "consortium", "role", "organization", "company", "region", "is_active")
    list_filter = ("consortium", "role", "is_active")
    search_fields = ("user__email", "user__last_name", "organization__name", "company__name")
    raw_id_fields = ("user", "company")


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


@admin.register(Company)
class CompanyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "region", "industry", "stage", "main_bank", "recommended_by", "consortium")
    list_filter = ("consortium", "stage", "region", "industry")
    search_fields = ("name",)


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
