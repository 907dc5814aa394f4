from django.urls import path

from accompaniment import views, views_plan

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
    path("companies/<int:company_pk>/plan/", views_plan.plan, name="plan"),
    path("companies/<int:company_pk>/plan/edit/", views_plan.plan_edit, name="plan_edit"),
    path("companies/<int:company_pk>/plan/approve/", views_plan.plan_approve, name="plan_approve"),
    path("companies/<int:company_pk>/plan/versions/", views_plan.plan_versions, name="plan_versions"),
    path("companies/<int:company_pk>/plan/compare/", views_plan.plan_compare, name="plan_compare"),
]
