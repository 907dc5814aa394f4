"""URLs of the accompaniment track (伴走支援): enrolment, the track page, session logs, attachments,
alerts."""

from django.urls import path

from accompaniment import views

app_name = "accompaniment"
urlpatterns = [
    path("companies/<int:company_pk>/enroll/", views.enroll, name="enroll"),
    path("companies/<int:company_pk>/", views.track, name="track"),
    path("sessions/<int:pk>/", views.session_log, name="session_log"),
    path("homework/<int:pk>/done/", views.homework_done, name="homework_done"),
    path("programs/<int:program_pk>/template/", views.template_edit, name="template_edit"),
    path("sessions/<int:pk>/schedule/", views.session_edit, name="session_edit"),
    path("alerts/", views.alerts, name="alerts"),
    path("sessions/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("attachments/<int:pk>/restore/", views.attachment_restore, name="attachment_restore"),
    path("sessions/<int:pk>/confirm/", views.log_confirm, name="log_confirm"),
    path("sessions/<int:pk>/comment/", views.log_comment, name="log_comment"),
]
