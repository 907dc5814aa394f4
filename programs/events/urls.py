"""URLs of 事業と日程（一覧・編集・イベント・出欠・カレンダー・.ics）."""

from django.urls import path

from programs.events import views

app_name = "programs"
urlpatterns = [
    path("", views.program_list, name="list"),
    path("new/", views.program_create, name="create"),
    path("calendar/", views.consortium_calendar, name="calendar_all"),
    path("<int:pk>/", views.program_detail, name="detail"),
    path("<int:pk>/edit/", views.program_edit, name="edit"),
    path("<int:pk>/copy/", views.program_copy, name="copy"),
    path("<int:pk>/close/", views.program_close, name="close"),
    path("<int:pk>/amendment/", views.program_amendment_start, name="amendment_start"),
    path("amendment/end/", views.program_amendment_end, name="amendment_end"),
    path("<int:pk>/calendar/", views.program_calendar, name="calendar"),
    path("<int:pk>/calendar.ics", views.program_ics, name="ics"),
    path("<int:program_pk>/events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/delete/", views.event_delete, name="event_delete"),
    path("events/<int:pk>/attendance/", views.event_attendance, name="event_attendance"),
    path("events/<int:pk>/cancel/", views.registration_cancel, name="registration_cancel"),
    path("events/<int:pk>/event.ics", views.event_ics, name="event_ics"),
]
