"""Admin of the accompaniment track (staff only; the admin runs without a tenant scope)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accompaniment.models import (
    AccompanimentSession,
    AccompanimentTrack,
    Attendance,
    DxPlan,
    Homework,
    SessionLog,
)


class SessionInline(admin.TabularInline):
    model = AccompanimentSession
    fields = ("number", "theme", "status", "date", "mode")
    extra = 0


@admin.register(AccompanimentTrack)
class AccompanimentTrackAdmin(SimpleHistoryAdmin):
    list_display = ("company", "consortium", "leader", "bank", "status", "created_at")
    list_filter = ("consortium", "status")
    search_fields = ("company__name",)
    raw_id_fields = ("company", "leader", "bank", "program")
    inlines = [SessionInline]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    fields = ("role", "name")
    extra = 0


class HomeworkInline(admin.TabularInline):
    model = Homework
    fk_name = "session"
    fields = ("title", "owner_name", "due_date", "done")
    extra = 0


@admin.register(AccompanimentSession)
class AccompanimentSessionAdmin(SimpleHistoryAdmin):
    list_display = ("track", "number", "theme", "status", "date")
    list_filter = ("consortium", "status")
    search_fields = ("track__company__name", "theme")
    raw_id_fields = ("track",)
    inlines = [AttendanceInline, HomeworkInline]


@admin.register(SessionLog)
class SessionLogAdmin(SimpleHistoryAdmin):
    list_display = ("session", "author", "next_session_date", "updated_at")
    list_filter = ("consortium",)
    raw_id_fields = ("session", "author")


@admin.register(Homework)
class HomeworkAdmin(SimpleHistoryAdmin):
    list_display = ("title", "session", "owner_name", "due_date", "done")
    list_filter = ("consortium", "done")
    raw_id_fields = ("session",)


@admin.register(DxPlan)
class DxPlanAdmin(SimpleHistoryAdmin):
    list_display = ("company", "consortium", "status", "completeness", "approved_at")
    list_filter = ("consortium", "status")
    search_fields = ("company__name",)
    raw_id_fields = ("company",)
