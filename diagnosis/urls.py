"""URLs of diagnosis, under /c/<consortium_slug>/diagnosis/. The names are used by other apps' templates."""

from django.urls import path

from diagnosis import views
from diagnosis.excel import views as views_excel
from diagnosis.results import views as views_results

app_name = "diagnosis"
urlpatterns = [
    path("", views.diagnosis_list, name="list"),
    path("start/", views.diagnosis_start_view, name="start"),
    path("<int:pk>/", views_results.diagnosis_result, name="result"),
    path("<int:pk>/edit/", views.diagnosis_edit, name="edit"),
    path("<int:pk>/submit/", views.diagnosis_submit_view, name="submit"),
    path("<int:pk>/autosave/", views.diagnosis_autosave, name="autosave"),
    path("<int:pk>/respond/", views.diagnosis_respond, name="respond"),
    path("<int:pk>/reopen/", views.diagnosis_reopen_view, name="reopen"),
    path("<int:pk>/advice/", views_results.diagnosis_advice, name="advice"),
    path("<int:pk>/advice/schedule/", views_results.diagnosis_schedule_advice, name="schedule_advice"),
    path("<int:pk>/advice/appointment.ics", views_results.diagnosis_advice_ics, name="advice_ics"),
    path("<int:pk>/excel/", views_excel.diagnosis_export_xlsx_view, name="export_xlsx"),
    path("<int:pk>/excel/upload/", views_excel.diagnosis_import_xlsx_view, name="import_xlsx"),
]
