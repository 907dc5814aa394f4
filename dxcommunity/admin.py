"""Admin of the base layer's rows (staff only; the admin runs with tenant scopes disabled, see
``dxcommunity.tenancy``): consortia, regions, member organizations, memberships and companies."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from dxcommunity.tenancy.models import Company, Consortium, MemberOrganization, Membership, Region


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


@admin.register(Company)
class CompanyAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "corporate_number",
        "region",
        "industry",
        "main_bank",
        "recommended_by",
        "consortium",
    )
    list_filter = ("consortium", "region", "industry")
    search_fields = ("name", "corporate_number")
